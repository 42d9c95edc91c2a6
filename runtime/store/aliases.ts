// Aliases: aliases/<name> holds a version number as text. Moving an alias is one atomic
// rename, so a reader sees the old target or the new one.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { isTempName, writeFileAtomic } from '../fs/atomic';
import { checkName } from './names';
import { readdirOrEmpty } from './objects';
import type { DamagedFile } from './versions';

export class AliasTable {
  readonly dir: string;

  constructor(pipelineDir: string) {
    this.dir = path.join(pipelineDir, 'aliases');
  }

  pathOf(alias: string): string {
    return path.join(this.dir, checkName('alias', alias));
  }

  /** The version an alias points at, or undefined when there is no such alias. */
  async get(alias: string): Promise<number | undefined> {
    const file = this.pathOf(alias);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read alias file ${file}: ${(e as Error).message}`, 'io', file);
    }
    const trimmed = text.trim();
    const n = Number(trimmed);
    if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n) || n < 1) {
      throw new StoreError(
        `alias file ${file} is damaged: expected a version number, found ${JSON.stringify(text.slice(0, 40))}`,
        'corrupt',
        file,
      );
    }
    return n;
  }

  async all(): Promise<{ aliases: Record<string, number>; damaged: DamagedFile[] }> {
    const aliases: Record<string, number> = Object.create(null);
    const damaged: DamagedFile[] = [];
    const names = (await readdirOrEmpty(this.dir)).filter((n) => !isTempName(n)).sort();
    for (const name of names) {
      try {
        const n = await this.get(name);
        if (n !== undefined) aliases[name] = n;
      } catch (e) {
        // A file whose name is not a valid alias was not written by the store: skip it.
        if (e instanceof StoreError && e.code === 'bad-name') continue;
        damaged.push({ file: path.join(this.dir, name), message: (e as Error).message });
      }
    }
    return { aliases, damaged };
  }

  async set(alias: string, version: number): Promise<void> {
    await writeFileAtomic(this.pathOf(alias), `${version}\n`, { createDirs: true });
  }

  /** Returns false if the alias did not exist. */
  async remove(alias: string): Promise<boolean> {
    try {
      await fs.unlink(this.pathOf(alias));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}

// Which pipeline file a version history belongs to: pipelines/<p>/owner.json holds
// {"file": "<the pipeline file, relative to the store root>"}.
//
// A pipeline's history is found by its `pipeline:` name, so two files that use the same
// name with one store would otherwise mix their versions silently (and inference of one
// would serve the other's model). The first run that writes to a history claims it for its
// file; a run from any other file is refused until that file adopts the history (a moved
// or renamed pipeline) or takes another name or store. The path is kept relative to the
// store root so copying or cloning the project (store and files together) keeps it valid.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { createFileExclusive, writeFileAtomic } from '../fs/atomic';
import { parseJsonFile } from './canonical';

export const OWNER_FILE = 'owner.json';

export class OwnerRecord {
  readonly file: string;

  constructor(
    private readonly root: string,
    pipelineDir: string,
  ) {
    this.file = path.join(pipelineDir, OWNER_FILE);
  }

  /** The absolute path of the pipeline file that owns the history, or undefined (unclaimed). */
  async get(): Promise<string | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read ${this.file}: ${(e as Error).message}`, 'io', this.file);
    }
    const raw = parseJsonFile(text, this.file, 'owner record') as { file?: unknown } | null;
    if (raw === null || typeof raw !== 'object' || typeof raw.file !== 'string' || raw.file === '') {
      throw new StoreError(`owner record ${this.file} is damaged: expected {"file": "<pipeline file>"}`, 'corrupt', this.file);
    }
    return path.resolve(this.root, raw.file);
  }

  /** Claims an unclaimed history for `pipelineFile`; returns the owner it has afterwards. */
  async claim(pipelineFile: string): Promise<string> {
    const owner = await this.get();
    if (owner !== undefined) return owner;
    // Exclusive: of two files claiming at once, one wins and the other is then refused.
    if (await createFileExclusive(this.file, this.text(pipelineFile))) return path.resolve(pipelineFile);
    return (await this.get()) ?? path.resolve(pipelineFile);
  }

  /** Makes `pipelineFile` the owner (adopting a moved or renamed pipeline's history). */
  async set(pipelineFile: string): Promise<void> {
    await writeFileAtomic(this.file, this.text(pipelineFile), { createDirs: true });
  }

  private text(pipelineFile: string): string {
    const rel = path.relative(this.root, path.resolve(pipelineFile)).split(path.sep).join('/');
    return JSON.stringify({ file: rel }) + '\n';
  }
}

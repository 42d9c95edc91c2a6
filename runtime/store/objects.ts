// Content-addressed blobs: objects/<2 hex>/<62 hex>, named by the sha256 of their bytes.
// Immutable once written; every read re-hashes so damage is caught, not propagated.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { isTempName, writeFileAtomic } from './atomic';
import { checkObjectId, isObjectId } from './names';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ObjectInfo {
  id: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export class ObjectStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, 'objects');
  }

  pathOf(id: string): string {
    checkObjectId(id);
    return path.join(this.dir, id.slice(0, 2), id.slice(2));
  }

  /**
   * Stores `bytes` and returns their id. An object that already exists is not rewritten;
   * its mtime is refreshed instead, so gc's age rule treats it as just written while a
   * save that reuses it is still linking its manifest.
   */
  async put(bytes: Uint8Array): Promise<{ id: string; written: boolean }> {
    const id = sha256Hex(bytes);
    const file = this.pathOf(id);
    const now = new Date();
    try {
      await fs.utimes(file, now, now);
      return { id, written: false };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await writeFileAtomic(file, bytes);
    return { id, written: true };
  }

  async exists(id: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(id));
      return true;
    } catch {
      return false;
    }
  }

  /** Reads and verifies an object. Missing → 'not-found'; wrong hash → 'corrupt'. */
  async get(id: string): Promise<Uint8Array> {
    const file = this.pathOf(id);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StoreError(`object ${id} is missing (expected at ${file})`, 'not-found', file);
      }
      throw new StoreError(`cannot read object ${id} at ${file}: ${(e as Error).message}`, 'io', file);
    }
    const actual = sha256Hex(bytes);
    if (actual !== id) {
      throw new StoreError(
        `object ${id} is damaged: its content hashes to ${actual} (file ${file})`,
        'corrupt',
        file,
      );
    }
    return bytes;
  }

  /** Every object file (and every stray temp file, flagged) for gc. */
  async list(): Promise<{ objects: ObjectInfo[]; temps: ObjectInfo[] }> {
    const objects: ObjectInfo[] = [];
    const temps: ObjectInfo[] = [];
    for (const prefix of await readdirOrEmpty(this.dir)) {
      const sub = path.join(this.dir, prefix);
      if (isTempName(prefix)) {
        await collect(temps, prefix, sub);
        continue;
      }
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const rest of await readdirOrEmpty(sub)) {
        const file = path.join(sub, rest);
        if (isTempName(rest)) await collect(temps, rest, file);
        else if (isObjectId(prefix + rest)) await collect(objects, prefix + rest, file);
      }
    }
    return { objects, temps };
  }
}

/** Adds a file's size and age; a file that vanished meanwhile (renamed temp) is skipped. */
async function collect(into: ObjectInfo[], id: string, file: string): Promise<void> {
  try {
    const st = await fs.stat(file);
    into.push({ id, path: file, size: st.size, mtimeMs: st.mtimeMs });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw e;
  }
}

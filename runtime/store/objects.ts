// Content-addressed blobs: objects/<2 hex>/<62 hex>, named by the sha256 of their bytes.
// Immutable once written; every read re-hashes so damage is caught, not propagated.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { fsyncDir, isTempName, tempPathFor, writeAll, writeFileAtomic } from '../fs/atomic';
import { checkObjectId, isObjectId } from './names';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * From this size on, put() writes the bytes while it hashes them and get() hashes each
 * chunk while it reads the next: for a 100 MB model the sha256 (~60 ms) then costs
 * (almost) nothing on top of the I/O.
 */
const OVERLAP_MIN_BYTES = 4 * 1024 * 1024;
const READ_CHUNK_BYTES = 8 * 1024 * 1024;
/** putChunks starts writing back to disk after each this many bytes (see there). */
const FLUSH_EVERY_BYTES = 16 * 1024 * 1024;

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
    if (bytes.byteLength >= OVERLAP_MIN_BYTES) return this.putChunks(slices(bytes, READ_CHUNK_BYTES));
    const id = sha256Hex(bytes);
    const file = this.pathOf(id);
    const now = new Date();
    try {
      await fs.utimes(file, now, now);
      return { id, written: false };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await writeFileAtomic(file, bytes, { createDirs: true });
    return { id, written: true };
  }

  /**
   * Stores an object given as consecutive chunks (see binary.ts planChunks), hashing each
   * chunk while the one before is being written. The temp file lives in objects/ and is
   * renamed into objects/<2 hex>/ once the id is known (same file system: still atomic).
   * If the object already exists the temp file is dropped before any fsync, so a re-save
   * still adds 0 bytes. A chunk is done with (hashed and written) before the next-but-one
   * is asked for, so the producer may reuse two buffers.
   */
  async putChunks(chunks: Iterable<Uint8Array>): Promise<{ id: string; written: boolean }> {
    await fs.mkdir(this.dir, { recursive: true });
    const temp = tempPathFor(path.join(this.dir, 'object'));
    let handle: fs.FileHandle | undefined = await fs.open(temp, 'wx');
    let writing: Promise<void> = Promise.resolve();
    // Flushing written parts while the rest is hashed: the disk works during the hashing,
    // and the final fsync has only the tail left (it was most of a 100 MB save's wait).
    let flushing: Promise<void> = Promise.resolve();
    let unflushed = 0;
    let kept = false;
    try {
      const hash = createHash('sha256');
      for (const chunk of chunks) {
        hash.update(chunk); // while the previous chunk's write(2) runs on libuv's pool
        await writing;
        writing = writeAll(handle, chunk);
        unflushed += chunk.byteLength;
        if (unflushed >= FLUSH_EVERY_BYTES) {
          unflushed = 0;
          const h = handle;
          // One flush at a time, each after the writes before it (the fd is in order).
          flushing = Promise.all([flushing, writing]).then(() => h.datasync());
        }
      }
      await writing;
      await flushing;
      const id = hash.digest('hex');
      const file = this.pathOf(id);
      const now = new Date();
      const reused = await fs.utimes(file, now, now).then(() => true, (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      });
      if (reused) return { id, written: false };
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.rename(temp, file);
      kept = true;
      await fsyncDir(path.dirname(file));
      return { id, written: true };
    } finally {
      await writing.catch(() => undefined);
      await flushing.catch(() => undefined);
      await handle?.close().catch(() => undefined);
      if (!kept) await fs.rm(temp, { force: true }).catch(() => undefined);
    }
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
    let actual: string;
    try {
      ({ bytes, hash: actual } = await readAndHash(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StoreError(`object ${id} is missing (expected at ${file})`, 'not-found', file);
      }
      throw new StoreError(`cannot read object ${id} at ${file}: ${(e as Error).message}`, 'io', file);
    }
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

function* slices(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, Math.min(bytes.byteLength, at + size));
}

/**
 * The whole file and its sha256. Big files are read in chunks straight into one buffer
 * (no concatenation), each chunk hashed while the next is read.
 */
async function readAndHash(file: string): Promise<{ bytes: Buffer; hash: string }> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < OVERLAP_MIN_BYTES) {
      const bytes = await handle.readFile();
      return { bytes, hash: sha256Hex(bytes) };
    }
    // Its own ArrayBuffer at offset 0, so float64 views of it are aligned.
    const bytes = Buffer.allocUnsafeSlow(size);
    const hash = createHash('sha256');
    const readChunk = async (at: number): Promise<number> => {
      const end = Math.min(size, at + READ_CHUNK_BYTES);
      let done = at;
      while (done < end) {
        const { bytesRead } = await handle.read(bytes, done, end - done, done);
        if (bytesRead === 0) throw new Error(`the file shrank while being read (${done} of ${size} bytes)`);
        done += bytesRead;
      }
      return end;
    };
    let at = 0;
    let next = readChunk(0);
    while (at < size) {
      const end = await next;
      if (end < size) next = readChunk(end);
      hash.update(bytes.subarray(at, end));
      at = end;
    }
    // A file that grew meanwhile is caught by the hash only if it changed what we read; say so plainly.
    if ((await handle.stat()).size !== size) throw new Error('the file changed size while being read');
    return { bytes, hash: hash.digest('hex') };
  } finally {
    await handle.close();
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

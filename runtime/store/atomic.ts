// Crash-safe file writes. The store's own copy (runtime/fs/atomic.ts is being written in
// parallel; this one also offers the exclusive "link" variant the version counter needs).
//
// Pattern: write a temp file in the destination directory (same file system, so the final
// step is atomic), fsync it, then rename (replace) or link (claim, fails if taken) it into
// place and fsync the directory so the new name itself survives a power cut. On any
// failure the temp file is removed; a crash can only leave a `.tmp-*` file, which readers
// ignore and gc sweeps.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const TEMP_PREFIX = '.tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

export function tempPathFor(target: string): string {
  const name = `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}-${path.basename(target)}`;
  return path.join(path.dirname(target), name);
}

/** Best-effort directory fsync; some platforms (Windows) cannot open directories. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here; the rename is still atomic, only its durability is weaker.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes `data` to a fresh temp file beside `target`, fsynced, and returns its path. */
export async function writeTemp(target: string, data: Uint8Array | string): Promise<string> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx');
    if (typeof data === 'string') await handle.writeFile(data);
    else await writeAll(handle, data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    return temp;
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Writes bytes as they are, in as few write(2) calls as the OS allows (one for anything
 * under 2 GB). FileHandle.writeFile would split them into 512 KiB writes.
 */
export async function writeAll(handle: fs.FileHandle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done);
    done += bytesWritten;
  }
}

/** Replaces `target` atomically: readers see the old content or the new, never a mix. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const temp = await writeTemp(target, data);
  try {
    await fs.rename(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(path.dirname(target));
}

/**
 * Creates `target` with `data` only if nothing has that name yet. Returns false (and
 * leaves the existing file alone) when the name is taken, e.g. by another process.
 */
export async function createFileExclusive(
  target: string,
  data: Uint8Array | string,
): Promise<boolean> {
  const temp = await writeTemp(target, data);
  try {
    await fs.link(temp, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
  await fsyncDir(path.dirname(target));
  return true;
}

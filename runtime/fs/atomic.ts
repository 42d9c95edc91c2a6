// Crash-safe file writes, shared by the store and the table writers.
//
// Pattern: write a temp file in the destination directory (same file system, so the final
// step is atomic), fsync it, then rename (replace) or link (claim: fails if the name is
// taken) it into place and fsync the directory so the new name itself survives a power
// cut. On any failure the temp file is removed and an existing target is untouched; a
// crash can only leave a `.tmp-*` file, which the store's readers ignore and gc sweeps.
import { randomBytes } from 'node:crypto';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const TEMP_PREFIX = '.tmp-';

export interface AtomicWriteOptions {
  /** Create missing parent folders first (default false: a missing folder is an error). */
  createDirs?: boolean;
}

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

function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(dir, 'r');
    fsSync.fsyncSync(fd);
  } catch {
    // best effort, see fsyncDir
  } finally {
    if (fd !== undefined) fsSync.closeSync(fd);
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

/** Writes `data` to a fresh temp file beside `target`, fsynced, and returns its path. */
export async function writeTemp(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<string> {
  if (opts.createDirs) await fs.mkdir(path.dirname(target), { recursive: true });
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

/** Replaces `target` atomically: readers see the old content or the new, never a mix. */
export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  const temp = await writeTemp(target, data, opts);
  try {
    await fs.rename(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(path.dirname(target));
}

/** Synchronous variant of writeFileAtomic, same guarantees. */
export function writeFileAtomicSync(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  if (opts.createDirs) fsSync.mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(temp, 'wx');
    fsSync.writeFileSync(fd, data);
    fsSync.fsyncSync(fd);
    fsSync.closeSync(fd);
    fd = undefined;
    fsSync.renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fsSync.closeSync(fd);
      } catch {
        // already failing
      }
    }
    fsSync.rmSync(temp, { force: true });
    throw e;
  }
  fsyncDirSync(path.dirname(target));
}

/**
 * Creates `target` with `data` only if nothing has that name yet (parent folders are
 * created). Returns false, leaving the existing file alone, when the name is taken, e.g.
 * by another process: this is how concurrent savers claim distinct version numbers.
 */
export async function createFileExclusive(target: string, data: Uint8Array | string): Promise<boolean> {
  const temp = await writeTemp(target, data, { createDirs: true });
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

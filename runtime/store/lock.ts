// A lock file for gc (created with O_EXCL, so exactly one gc runs at a time) and the
// check a save makes after linking its manifest: "is a gc running that might have decided
// my objects were unreferenced before my manifest existed?".

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';

/** Takes the lock or throws 'conflict'. A lock older than `staleMs` is from a crashed gc. */
export async function acquireLock(file: string, staleMs: number): Promise<() => Promise<void>> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, time: Date.now() }));
      await handle.close();
      return () => fs.rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await ageMs(file);
      if (age === undefined) continue; // released meanwhile; try again
      if (age < staleMs) {
        throw new StoreError(`another gc is running on this store (lock file ${file})`, 'conflict', file);
      }
      await fs.rm(file, { force: true }); // left behind by a gc that crashed
    }
  }
  throw new StoreError(`could not take the gc lock ${file}`, 'conflict', file);
}

/** Resolves once `file` does not exist (or is stale). Polls; gc runs are short. */
export async function waitWhileLocked(file: string, staleMs: number, pollMs = 20): Promise<void> {
  for (;;) {
    const age = await ageMs(file);
    if (age === undefined || age >= staleMs) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function ageMs(file: string): Promise<number | undefined> {
  try {
    return Date.now() - (await fs.stat(file)).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

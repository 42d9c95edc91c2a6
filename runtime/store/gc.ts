// Garbage collection: delete objects that no version manifest references, and temp files
// left by crashed writers.
//
// Safety against a concurrent save (which writes objects, then links its manifest):
//  1. gc holds an exclusive lock file while it runs, so only one gc at a time;
//  2. objects younger than `minAgeMs` are never deleted. putObject refreshes the mtime of
//     an object it reuses, so "young" covers every object of a save still in progress;
//  3. after linking its manifest, a save waits for any running gc to finish and rewrites
//     any of its objects that went missing, which closes the remaining window.
// Deleted versions' objects become garbage; a damaged manifest's text is scanned for
// object ids and those are kept (gc never guesses a damaged manifest is unimportant).

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isTempName } from '../fs/atomic';
import { acquireLock } from './lock';
import { ARTIFACT_NAMES } from './manifest';
import { readdirOrEmpty, type ObjectStore } from './objects';
import type { VersionCatalog } from './versions';

export const GC_LOCK_STALE_MS = 60 * 60 * 1000;
const DEFAULT_MIN_AGE_MS = 10 * 60 * 1000;
const DEFAULT_TEMP_MAX_AGE_MS = 60 * 60 * 1000;

export interface GcOptions {
  /** Unreferenced objects younger than this are kept (default 10 minutes). */
  minAgeMs?: number;
  /** Temp files older than this are removed (default 1 hour). */
  tempMaxAgeMs?: number;
  /** Count what would be removed without removing anything. */
  dryRun?: boolean;
}

export interface GcResult {
  removedObjects: number;
  freedBytes: number;
  keptObjects: number;
  removedTempFiles: number;
}

export function gcLockPath(root: string): string {
  return path.join(root, 'gc.lock');
}

export async function collectGarbage(
  root: string,
  objects: ObjectStore,
  pipelines: { pipeline: string; catalog: VersionCatalog }[],
  options: GcOptions,
): Promise<GcResult> {
  const minAgeMs = options.minAgeMs ?? DEFAULT_MIN_AGE_MS;
  const tempMaxAgeMs = options.tempMaxAgeMs ?? DEFAULT_TEMP_MAX_AGE_MS;
  const result: GcResult = { removedObjects: 0, freedBytes: 0, keptObjects: 0, removedTempFiles: 0 };
  if ((await readdirOrEmpty(root)).length === 0) return result; // no store yet: create nothing

  const release = await acquireLock(gcLockPath(root), GC_LOCK_STALE_MS);
  try {
    // The lock exists before we read any manifest, so a save that links after this point
    // either is seen here or waits for us and repairs (see the comment at the top).
    const referenced = new Set<string>();
    for (const { catalog } of pipelines) {
      const { manifests, damaged } = await catalog.list({ fresh: true });
      for (const m of manifests) {
        for (const name of ARTIFACT_NAMES) {
          const id = m.objects[name];
          if (id) referenced.add(id);
        }
      }
      for (const d of damaged) {
        const text = await fs.readFile(d.file, 'latin1').catch(() => '');
        for (const id of text.match(/[0-9a-f]{64}/g) ?? []) referenced.add(id);
      }
    }

    const now = Date.now();
    const { objects: all, temps } = await objects.list();
    for (const obj of all) {
      if (referenced.has(obj.id) || now - obj.mtimeMs < minAgeMs) {
        result.keptObjects++;
        continue;
      }
      if (!options.dryRun && !(await removed(obj.path))) continue;
      result.removedObjects++;
      result.freedBytes += obj.size;
    }

    const tempFiles = [...temps.map((t) => t.path)];
    for (const { catalog } of pipelines) {
      const pipelineDir = path.dirname(catalog.dir);
      for (const dir of [pipelineDir, catalog.dir, path.join(pipelineDir, 'aliases'), path.join(pipelineDir, 'runs')]) {
        for (const name of await readdirOrEmpty(dir)) {
          if (isTempName(name)) tempFiles.push(path.join(dir, name));
        }
      }
    }
    for (const file of tempFiles) {
      const st = await fs.stat(file).catch(() => undefined);
      if (!st || now - st.mtimeMs < tempMaxAgeMs) continue;
      if (options.dryRun || (await removed(file))) result.removedTempFiles++;
    }
  } finally {
    await release();
  }
  return result;
}

async function removed(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

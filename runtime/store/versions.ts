// The versions of one pipeline: versions/NNNNNN.json, one immutable manifest each.
//
// Numbers are claimed with link(2): the manifest is written to a temp file and linked to
// the next free name; EEXIST means another process won that number, so we rescan and try
// the next. Deleted versions leave a NNNNNN.deleted tombstone so their number is never
// handed out again (aliases and run records may still mention it).
//
// Listing uses an index (pipelines/<p>/index.json, see catalog-index.ts) of every manifest. Manifests are
// immutable, so the index is valid exactly when its set of version numbers matches the
// directory listing; a readdir is all it costs to check. Missing entries are read from
// their files and the index is rewritten; a damaged index is ignored and rebuilt.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { createFileExclusive, writeFileAtomic } from '../fs/atomic';
import { canonicalJson, parseJsonFile } from './canonical';
import { encodeIndex, indexText, manifestAt, readIndexText, type IndexColumns } from './catalog-index';
import { readManifest, type VersionManifest } from './manifest';
import { readdirOrEmpty } from './objects';

const READ_BATCH = 128;

export function versionFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.json`;
}

/**
 * The number a file name NNNNNN<suffix> stands for, or undefined (temp files, other
 * padding). Read digit by digit: listing 10,000s of names, a regex and a rebuilt name
 * each cost more than the readdir.
 */
function numberOf(name: string, suffix: string): number | undefined {
  const digits = name.length - suffix.length;
  if (digits < 6 || !name.endsWith(suffix)) return undefined;
  // Exactly six digits, or more without a leading zero (what versionFileName writes).
  if (digits > 6 && name.charCodeAt(0) === 48) return undefined;
  let n = 0;
  for (let i = 0; i < digits; i++) {
    const d = name.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

export interface VersionScan {
  /** Existing versions, ascending. */
  numbers: number[];
  /** Highest number ever used, counting deleted versions. */
  highest: number;
}

export interface DamagedFile {
  file: string;
  message: string;
}

export class VersionCatalog {
  readonly dir: string;
  readonly indexFile: string;
  /** The listing cache as read (or last written), checked; rows are ascending versions. */
  private index: IndexColumns | undefined;
  private indexRead = false;
  /** Manifests not in `index`: read from their files or claimed by this process since. */
  private readonly extra = new Map<number, VersionManifest>();

  constructor(
    readonly pipeline: string,
    pipelineDir: string,
  ) {
    this.dir = path.join(pipelineDir, 'versions');
    this.indexFile = path.join(pipelineDir, 'index.json');
  }

  pathOf(n: number): string {
    return path.join(this.dir, versionFileName(n));
  }

  async scan(): Promise<VersionScan> {
    const names = await readdirOrEmpty(this.dir);
    const found = new Float64Array(names.length);
    let count = 0;
    let highest = 0;
    for (const name of names) {
      const n = numberOf(name, '.json');
      if (n !== undefined) found[count++] = n;
      const gone = n ?? numberOf(name, '.deleted');
      if (gone !== undefined && gone > highest) highest = gone;
    }
    // A typed array sorts numerically without calling back into JS for each comparison.
    return { numbers: Array.from(found.subarray(0, count).sort()), highest };
  }

  /** Reads one manifest from its file; undefined if there is no such version. */
  async read(n: number): Promise<VersionManifest | undefined> {
    const file = this.pathOf(n);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read manifest ${file}: ${(e as Error).message}`, 'io', file);
    }
    return readManifest(parseJsonFile(text, file, 'manifest'), file, { pipeline: this.pipeline, version: n });
  }

  /**
   * All readable manifests, ascending, plus the files that could not be read. Each is a
   * new object the caller owns; with `aliases`, each also carries its aliases ([] if none).
   * `fresh` skips the index and reads every file (gc does, so it trusts only the files).
   */
  async list(options: { fresh?: boolean; aliases?: Promise<Map<number, string[]>> } = {}): Promise<{ manifests: VersionManifest[]; damaged: DamagedFile[] }> {
    // The index is read while the directory is listed (loadIndex never rejects).
    const loading = !options.fresh && !this.indexRead ? this.loadIndex() : undefined;
    const { numbers } = await this.scan();
    if (options.fresh) {
      this.index = undefined;
      this.extra.clear();
      this.indexRead = true;
    } else if (loading) {
      this.index = await loading;
      this.indexRead = true;
    }
    const index = this.index;
    const rows = index ? rowsOf(index.version, numbers) : new Int32Array(numbers.length).fill(-1);
    let found = 0;
    for (let i = 0; i < rows.length; i++) if (rows[i] >= 0) found++;
    // Stale when it lacks a listed version or holds a deleted one: rewritten after listing.
    const changed = found < numbers.length || (index !== undefined && found < index.version.length);
    const missing: number[] = [];
    if (changed) for (let i = 0; i < numbers.length; i++) if (rows[i] < 0 && !this.extra.has(numbers[i])) missing.push(numbers[i]);
    const damaged: DamagedFile[] = [];
    for (let i = 0; i < missing.length; i += READ_BATCH) {
      const batch = missing.slice(i, i + READ_BATCH);
      const results = await Promise.allSettled(batch.map((n) => this.read(n)));
      results.forEach((r, j) => {
        if (r.status === 'fulfilled') {
          if (r.value) this.extra.set(batch[j], r.value);
        } else {
          damaged.push({ file: this.pathOf(batch[j]), message: (r.reason as Error).message });
        }
      });
    }
    const byVersion = await options.aliases;
    const manifests: VersionManifest[] = [];
    for (let i = 0; i < numbers.length; i++) {
      const n = numbers[i];
      const aliases = byVersion ? (byVersion.get(n) ?? []) : undefined;
      if (rows[i] >= 0) {
        manifests.push(manifestAt(index!, rows[i], aliases));
        continue;
      }
      const m = this.extra.get(n);
      if (m) manifests.push(aliases ? { ...m, aliases } : { ...m });
    }
    if (changed) await this.saveIndex(manifests);
    return { manifests, damaged };
  }

  /** Forget the in-memory copy (after a delete, so a re-used catalog never shows it). */
  forget(n: number): void {
    this.extra.delete(n);
  }

  /** The index, checked, or undefined when it is missing or damaged. */
  private async loadIndex(): Promise<IndexColumns | undefined> {
    try {
      return readIndexText(await fs.readFile(this.indexFile, 'utf8'), this.pipeline);
    } catch {
      // Missing or damaged: it is only a cache, so every manifest gets read once instead.
      return undefined;
    }
  }

  /** Rewrites the index from a complete listing; it then serves the next listings. */
  private async saveIndex(manifests: VersionManifest[]): Promise<void> {
    const columns = encodeIndex(this.pipeline, manifests);
    this.index = columns;
    this.extra.clear();
    try {
      await writeFileAtomic(this.indexFile, indexText(columns), { createDirs: true });
    } catch {
      // Best effort: a read-only store still lists, just without the speed-up.
    }
  }

  /**
   * Claims the next version number for the manifest `build(n, latest)` returns, where
   * `latest` is the newest existing version at that moment. Retries on a lost race.
   */
  async claim(build: (n: number, latest: number | undefined) => VersionManifest): Promise<VersionManifest> {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const { numbers, highest } = await this.scan();
      const n = highest + 1;
      const manifest = build(n, numbers.at(-1));
      if (await createFileExclusive(this.pathOf(n), canonicalJson(manifest))) {
        this.extra.set(n, manifest);
        return manifest;
      }
    }
    throw new StoreError(`could not claim a version number for pipeline ${this.pipeline} (too much contention)`, 'conflict', this.dir);
  }

  /** Turns the manifest into a tombstone; returns false if the version does not exist. */
  async remove(n: number): Promise<boolean> {
    const file = this.pathOf(n);
    try {
      await fs.rename(file, file.replace(/\.json$/, '.deleted'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    this.extra.delete(n);
    return true;
  }
}

/** For each number, its row in the ascending `indexed` versions, or -1. */
function rowsOf(indexed: readonly number[], numbers: readonly number[]): Int32Array {
  const rows = new Int32Array(numbers.length);
  let j = 0;
  for (let i = 0; i < numbers.length; i++) {
    while (j < indexed.length && indexed[j] < numbers[i]) j++;
    rows[i] = j < indexed.length && indexed[j] === numbers[i] ? j : -1;
  }
  return rows;
}

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
import { decodeIndex, encodeIndex } from './catalog-index';
import { readManifest, type VersionManifest } from './manifest';
import { readdirOrEmpty } from './objects';

const VERSION_FILE = /^(\d{6,})\.json$/;
const TOMBSTONE_FILE = /^(\d{6,})\.deleted$/;
const READ_BATCH = 128;

export function versionFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.json`;
}

/** The number a file name stands for, or undefined (temp files, non-canonical padding). */
function numberOf(name: string, pattern: RegExp, suffix: string): number | undefined {
  const m = pattern.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n < 1) return undefined;
  return `${String(n).padStart(6, '0')}${suffix}` === name ? n : undefined;
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
  private cache: Map<number, VersionManifest> | undefined;

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
    const numbers: number[] = [];
    let highest = 0;
    for (const name of await readdirOrEmpty(this.dir)) {
      const n = numberOf(name, VERSION_FILE, '.json');
      if (n !== undefined) numbers.push(n);
      const gone = n ?? numberOf(name, TOMBSTONE_FILE, '.deleted');
      if (gone !== undefined && gone > highest) highest = gone;
    }
    numbers.sort((a, b) => a - b);
    return { numbers, highest };
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
   * All readable manifests, ascending, plus the files that could not be read.
   * `fresh` skips the index and reads every file (gc does, so it trusts only the files).
   */
  async list(fresh = false): Promise<{ manifests: VersionManifest[]; damaged: DamagedFile[] }> {
    const { numbers } = await this.scan();
    const known = fresh ? new Map<number, VersionManifest>() : (this.cache ?? (await this.loadIndex()));
    let changed = false;
    const present = new Set(numbers);
    for (const n of known.keys()) {
      if (!present.has(n)) {
        known.delete(n);
        changed = true;
      }
    }
    const missing = numbers.filter((n) => !known.has(n));
    const damaged: DamagedFile[] = [];
    for (let i = 0; i < missing.length; i += READ_BATCH) {
      const batch = missing.slice(i, i + READ_BATCH);
      const results = await Promise.allSettled(batch.map((n) => this.read(n)));
      results.forEach((r, j) => {
        if (r.status === 'fulfilled') {
          if (r.value) {
            known.set(batch[j], r.value);
            changed = true;
          }
        } else {
          damaged.push({ file: this.pathOf(batch[j]), message: (r.reason as Error).message });
        }
      });
    }
    this.cache = known;
    if (changed) await this.saveIndex(known);
    const manifests = numbers.map((n) => known.get(n)).filter((m): m is VersionManifest => m !== undefined);
    return { manifests, damaged };
  }

  /** Forget the in-memory copy (after a delete, so a re-used catalog never shows it). */
  forget(n: number): void {
    this.cache?.delete(n);
  }

  private async loadIndex(): Promise<Map<number, VersionManifest>> {
    const known = new Map<number, VersionManifest>();
    try {
      const text = await fs.readFile(this.indexFile, 'utf8');
      for (const m of decodeIndex(JSON.parse(text), this.pipeline)) known.set(m.version, m);
      return known;
    } catch {
      // Missing or damaged: it is only a cache, so every manifest gets read once instead.
      return new Map();
    }
  }

  private async saveIndex(known: Map<number, VersionManifest>): Promise<void> {
    const manifests = [...known.values()].sort((a, b) => a.version - b.version);
    try {
      await writeFileAtomic(this.indexFile, JSON.stringify(encodeIndex(this.pipeline, manifests)), { createDirs: true });
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
        this.cache?.set(n, manifest);
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
    this.cache?.delete(n);
    return true;
  }
}

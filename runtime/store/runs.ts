// Monitor run records: runs/<runId>.json, replaced atomically on every save so a run
// that is still going can be rewritten as it progresses.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { writeFileAtomic } from '../fs/atomic';
import { canonicalJson, parseJsonFile } from './canonical';
import { checkName } from './names';
import { readdirOrEmpty } from './objects';
import type { DamagedFile } from './versions';

export type RunRecord = { runId: string } & Record<string, unknown>;

const RUN_FILE = /^(.+)\.json$/;
/** Fields tried, in order, as a run's start time when sorting. */
const START_FIELDS = ['startTime', 'startedAt', 'start', 'time'] as const;

export class RunTable {
  readonly dir: string;

  constructor(pipelineDir: string) {
    this.dir = path.join(pipelineDir, 'runs');
  }

  pathOf(runId: string): string {
    return path.join(this.dir, `${checkName('run id', runId)}.json`);
  }

  async save(record: RunRecord): Promise<void> {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new StoreError('a run record must be an object with a runId', 'bad-name');
    }
    await writeFileAtomic(this.pathOf(record.runId), canonicalJson(record), { createDirs: true });
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const file = this.pathOf(runId);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read run record ${file}: ${(e as Error).message}`, 'io', file);
    }
    const raw = parseJsonFile(text, file, 'run record');
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || (raw as RunRecord).runId !== runId) {
      throw new StoreError(`run record ${file} is damaged: it does not hold run ${runId}`, 'corrupt', file);
    }
    return raw as RunRecord;
  }

  async ids(): Promise<string[]> {
    const ids: string[] = [];
    for (const name of await readdirOrEmpty(this.dir)) {
      const m = RUN_FILE.exec(name);
      if (m && !name.startsWith('.')) ids.push(m[1]);
    }
    return ids;
  }

  /** Every readable record, oldest first (by start time, then run id). */
  async list(): Promise<{ runs: RunRecord[]; damaged: DamagedFile[] }> {
    const ids = await this.ids();
    const results = await Promise.allSettled(ids.map((id) => this.get(id)));
    const runs: RunRecord[] = [];
    const damaged: DamagedFile[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        if (r.value) runs.push(r.value);
      } else if (!(r.reason instanceof StoreError && r.reason.code === 'bad-name')) {
        damaged.push({ file: path.join(this.dir, `${ids[i]}.json`), message: (r.reason as Error).message });
      }
    });
    runs.sort((a, b) => startOf(a) - startOf(b) || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
    return { runs, damaged };
  }
}

function startOf(run: RunRecord): number {
  for (const field of START_FIELDS) {
    const v = run[field];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string') {
      const t = Date.parse(v);
      if (Number.isFinite(t)) return t;
    }
  }
  return 0;
}

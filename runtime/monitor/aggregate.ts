// Statistics across runs: how often a pipeline fails, and per stage how long it takes
// (mean / p50 / p95), how many rows it sees and how often it needs retries.
import { attemptCount, bytesHandled, rowsHandled, type RunRecord } from './record';

export interface StageAggregate {
  stage: string;
  /** Runs in which the stage ran (ok or failed; pending and skipped do not count). */
  count: number;
  failures: number;
  failureRate: number;
  /** Sum of the stage's durations over those runs. */
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  /** Mean rows handled (the larger of rows in and out). */
  meanRows: number;
  /** Mean bytes handled (the larger of bytes in and out). */
  meanBytes: number;
  /** Attempts beyond the first, summed over runs. */
  retries: number;
}

export interface RunAggregate {
  /** Every record given, whatever its status. */
  runs: number;
  failed: number;
  /** failed / runs (0 when there are no runs). */
  failureRate: number;
  stages: StageAggregate[];
}

/**
 * The p-th percentile (p in [0, 1]) of `values`, interpolating linearly between the
 * two nearest ranks, as numpy.percentile does by default. 0 for an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Aggregates run records. Stages come in the order of the latest run (greatest start
 * time), then stages only older runs had, newest run first.
 */
export function aggregateRuns(records: readonly RunRecord[]): RunAggregate {
  const newestFirst = records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.start - a.r.start || b.i - a.i)
    .map((x) => x.r);

  interface Acc {
    durations: number[];
    rows: number[];
    bytes: number[];
    failures: number;
    retries: number;
  }
  const accs = new Map<string, Acc>();
  for (const run of newestFirst) {
    for (const s of [...run.stages].sort((a, b) => a.index - b.index)) {
      let acc = accs.get(s.stage);
      if (!acc) accs.set(s.stage, (acc = { durations: [], rows: [], bytes: [], failures: 0, retries: 0 }));
      if (s.status !== 'ok' && s.status !== 'failed') continue; // finished executions only
      acc.durations.push(s.durationMs ?? 0);
      acc.rows.push(rowsHandled(s));
      acc.bytes.push(bytesHandled(s));
      if (s.status === 'failed') acc.failures++;
      const attempts = Math.max(attemptCount(s), run.retry.attemptsByStage?.[s.stage] ?? 0);
      acc.retries += Math.max(0, attempts - 1);
    }
  }

  const failed = records.filter((r) => r.status === 'failed').length;
  return {
    runs: records.length,
    failed,
    failureRate: records.length ? failed / records.length : 0,
    stages: [...accs].map(([stage, a]) => ({
      stage,
      count: a.durations.length,
      failures: a.failures,
      failureRate: a.durations.length ? a.failures / a.durations.length : 0,
      totalMs: a.durations.reduce((x, y) => x + y, 0),
      meanMs: mean(a.durations),
      p50Ms: percentile(a.durations, 0.5),
      p95Ms: percentile(a.durations, 0.95),
      meanRows: mean(a.rows),
      meanBytes: mean(a.bytes),
      retries: a.retries,
    })),
  };
}

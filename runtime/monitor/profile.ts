// Where the time went: a per-stage table sorted by total time, for one run or across runs.
import { mean, percentile, type RunAggregate } from './aggregate';
import { attemptCount, bytesHandled, rowsHandled, type RunRecord } from './record';
import { formatDuration, formatRows, glyphsFor, paint, type TextOptions } from './trace';

interface ProfileRow {
  stage: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  rowsPerSec: number;
  mbPerSec: number;
}

function isAggregate(x: RunRecord | RunAggregate): x is RunAggregate {
  return !('format' in x) && typeof (x as RunAggregate).runs === 'number';
}

/**
 * A profile table: stage, calls (attempts for a run, runs for an aggregate), total /
 * mean / p50 / p95 time, share of the run, rows/s, MB/s and a bar proportional to the
 * share; sorted by total time, with a total line. For one run, mean/p50/p95 are over the
 * stage's attempts; the share is of the run's wall time. For an aggregate, the share is
 * of all stages' summed time.
 */
export function formatProfile(source: RunRecord | RunAggregate, opts: TextOptions = {}): string {
  const g = glyphsFor(opts);
  const { title, rows, runMs } = isAggregate(source) ? fromAggregate(source) : fromRecord(source);
  rows.sort((a, b) => b.totalMs - a.totalMs || a.stage.localeCompare(b.stage));

  const pct = (ms: number) => (runMs > 0 ? (100 * ms) / runMs : 0);
  const header = ['stage', isAggregate(source) ? 'runs' : 'calls', 'total', 'mean', 'p50', 'p95', '% run', 'rows/s', 'MB/s'];
  const body = rows.map((r) => [
    r.stage,
    String(r.calls),
    formatDuration(r.totalMs),
    formatDuration(r.meanMs),
    formatDuration(r.p50Ms),
    formatDuration(r.p95Ms),
    `${pct(r.totalMs).toFixed(1)}%`,
    formatRows(r.rowsPerSec),
    r.mbPerSec.toFixed(2),
  ]);
  const sumMs = rows.reduce((a, r) => a + r.totalMs, 0);
  const total = ['total', String(rows.reduce((a, r) => a + r.calls, 0)), formatDuration(sumMs), '', '', '', `${pct(sumMs).toFixed(1)}%`, '', ''];

  const all = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const render = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const tableW = widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1);
  const barW = Math.max(10, (opts.width ?? 100) - tableW - 2);
  const bar = (ms: number) => {
    const cells = Math.round((Math.min(100, pct(ms)) / 100) * barW);
    return g.full.repeat(cells) + g.empty.repeat(barW - cells);
  };

  const lines = [paint(title, 'bold', opts), paint(render(header), 'dim', opts)];
  rows.forEach((r, i) => lines.push(`${render(body[i])}  ${bar(r.totalMs)}`));
  lines.push(render(total).trimEnd());
  return lines.join('\n');
}

function fromRecord(rec: RunRecord): { title: string; rows: ProfileRow[]; runMs: number } {
  const rows: ProfileRow[] = [];
  for (const s of rec.stages) {
    if (s.durationMs === undefined) continue; // never ran
    const tries = s.attempts.map((a) => a.durationMs);
    const per = tries.length ? tries : [s.durationMs];
    const secs = s.durationMs / 1000;
    rows.push({
      stage: s.stage,
      calls: attemptCount(s),
      totalMs: s.durationMs,
      meanMs: mean(per),
      p50Ms: percentile(per, 0.5),
      p95Ms: percentile(per, 0.95),
      rowsPerSec: secs > 0 ? rowsHandled(s) / secs : 0,
      mbPerSec: secs > 0 ? bytesHandled(s) / 1e6 / secs : 0,
    });
  }
  const runMs = rec.durationMs ?? rows.reduce((a, r) => a + r.totalMs, 0);
  const title = `profile: ${rec.pipeline || '(pipeline)'} ${rec.mode} run ${rec.runId} · ${rec.status} · ${formatDuration(runMs)}`;
  return { title, rows, runMs };
}

function fromAggregate(agg: RunAggregate): { title: string; rows: ProfileRow[]; runMs: number } {
  const rows: ProfileRow[] = agg.stages
    .filter((s) => s.count > 0)
    .map((s) => ({
      stage: s.stage,
      calls: s.count,
      totalMs: s.totalMs,
      meanMs: s.meanMs,
      p50Ms: s.p50Ms,
      p95Ms: s.p95Ms,
      rowsPerSec: s.meanMs > 0 ? (s.meanRows * 1000) / s.meanMs : 0,
      mbPerSec: s.meanMs > 0 ? (s.meanBytes / 1e6) * (1000 / s.meanMs) : 0,
    }));
  const runMs = rows.reduce((a, r) => a + r.totalMs, 0);
  const title = `profile over ${agg.runs} run${agg.runs === 1 ? '' : 's'} · ${agg.failed} failed (${(agg.failureRate * 100).toFixed(1)}%)`;
  return { title, rows, runMs };
}

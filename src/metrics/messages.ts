// The one message contract between the metrics panel's host (src/metrics/panel.ts) and
// its page (media/metrics/main.ts). Both import these types; nothing else crosses.
// Plain JSON only (webview messages are structured-cloned).
import type { RunRecord, StageRecord } from '../../runtime/monitor/record';

/** One saved version, for the metric-per-version chart. */
export interface VersionPoint {
  version: number;
  time: number;
  metrics: Record<string, number>;
  aliases: string[];
}

/** A table's column statistics, already formatted for display. */
export interface TableView {
  title: string;
  /** e.g. "344 rows × 8 columns". */
  shape?: string;
  header: string[];
  rows: string[][];
}

/** One stage of a saved run, as the history needs it: counts instead of lists. */
export interface StageSummary {
  stage: string;
  status: StageRecord['status'];
  durationMs?: number;
  rowsIn: number;
  rowsOut: number;
  /** Attempts beyond the first. */
  retries: number;
  errors: number;
  warnings: number;
}

/**
 * A saved run without its lists (attempts, errors, warnings, metric series): what the run
 * selector, the status line, the history charts and the stage bars of an older run need.
 * A thousand of them clone in a fraction of the time a thousand full records did.
 */
export interface RunSummary {
  runId: string;
  pipeline: string;
  mode: RunRecord['mode'];
  status: RunRecord['status'];
  start: number;
  durationMs?: number;
  version?: number;
  error?: { name: string; message: string };
  stages: StageSummary[];
  /** Last value of each custom metric series, keyed "stage · name". */
  metrics: Record<string, number>;
}

export type HostMessage =
  /**
   * Saved runs (oldest first) as summaries, and versions, of one pipeline; `details` holds
   * the full records of the runs the page draws in detail (the newest, and the selected
   * one). Older runs' full records come on request ('selected' → 'run').
   */
  | { type: 'history'; pipeline: string; runs: RunSummary[]; details?: RunRecord[]; versions: VersionPoint[] }
  /** The full record of a saved run the page asked for. */
  | { type: 'run'; run: RunRecord }
  /** The record of a run in progress (or just ended), replacing any earlier live record. */
  | { type: 'live'; run: RunRecord }
  | { type: 'table'; table: TableView }
  | { type: 'error'; message: string };

export type PageMessage =
  /** The page loaded (or reloaded) and wants the current data. */
  | { type: 'ready' }
  /** The user picked a run in the page's run selector. */
  | { type: 'selected'; runId: string };

/** The page's check of what arrives: the fields it reads are there (anything can post to a window). */
export function isHostMessage(m: unknown): m is HostMessage {
  if (typeof m !== 'object' || m === null) return false;
  const x = m as Record<string, unknown>;
  switch (x.type) {
    case 'history':
      return typeof x.pipeline === 'string' && Array.isArray(x.runs) && Array.isArray(x.versions) && (x.details === undefined || Array.isArray(x.details));
    case 'run':
    case 'live':
      return isRunRecord(x.run);
    case 'table': {
      const t = x.table as Partial<TableView> | null | undefined;
      return !!t && typeof t.title === 'string' && Array.isArray(t.header) && Array.isArray(t.rows);
    }
    case 'error':
      return typeof x.message === 'string';
    default:
      return false;
  }
}

export function isPageMessage(m: unknown): m is PageMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'ready' || (t === 'selected' && typeof (m as { runId?: unknown }).runId === 'string');
}

/** Stored run files are checked loosely by the store; keep the ones the page can draw. */
export function isRunRecord(r: unknown): r is RunRecord {
  const x = r as Partial<RunRecord> | null;
  return !!x && x.format === 1 && typeof x.start === 'number' && Array.isArray(x.stages) && typeof x.runId === 'string';
}

/** The summary of a run record (used by the host, and by the page for live records). */
export function summarizeRun(r: RunRecord): RunSummary {
  const metrics: Record<string, number> = {};
  const stages = r.stages.map((s): StageSummary => {
    for (const [name, points] of Object.entries(s.metrics ?? {})) {
      const last = points.at(-1);
      if (last && typeof last.value === 'number') metrics[`${s.stage} · ${name}`] = last.value;
    }
    const out: StageSummary = {
      stage: s.stage,
      status: s.status,
      rowsIn: s.rowsIn,
      rowsOut: s.rowsOut,
      retries: Math.max(0, (s.attempts?.length ?? 0) - 1),
      errors: s.errors?.length ?? 0,
      warnings: s.warnings,
    };
    if (s.durationMs !== undefined) out.durationMs = s.durationMs;
    return out;
  });
  const out: RunSummary = { runId: r.runId, pipeline: r.pipeline, mode: r.mode, status: r.status, start: r.start, stages, metrics };
  if (r.durationMs !== undefined) out.durationMs = r.durationMs;
  if (r.version !== undefined) out.version = r.version;
  if (r.error) out.error = { name: r.error.name, message: r.error.message };
  return out;
}

/**
 * The 'history' message for saved records (oldest first): every run as a summary, and in
 * full only the newest and `selected` (when it is one of them).
 */
export function historyMessage(pipeline: string, records: RunRecord[], versions: VersionPoint[], selected?: string): Extract<HostMessage, { type: 'history' }> {
  const details = records.filter((r, i) => i === records.length - 1 || r.runId === selected);
  return { type: 'history', pipeline, runs: records.map(summarizeRun), details, versions };
}

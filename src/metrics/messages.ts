// The one message contract between the metrics panel's host (src/metrics/panel.ts) and
// its page (media/metrics/main.ts). Both import these types; nothing else crosses.
// Plain JSON only (webview messages are structured-cloned).
import type { RunRecord } from '../../runtime/monitor/record';

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

export type HostMessage =
  /** Saved runs (oldest first) and versions of one pipeline. */
  | { type: 'history'; pipeline: string; runs: RunRecord[]; versions: VersionPoint[] }
  /** The record of a run in progress (or just ended), replacing any earlier live record. */
  | { type: 'live'; run: RunRecord }
  | { type: 'table'; table: TableView }
  | { type: 'error'; message: string };

export type PageMessage =
  /** The page loaded (or reloaded) and wants the current data. */
  | { type: 'ready' }
  /** The user picked a run in the page's run selector. */
  | { type: 'selected'; runId: string };

export function isHostMessage(m: unknown): m is HostMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'history' || t === 'live' || t === 'table' || t === 'error';
}

export function isPageMessage(m: unknown): m is PageMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'selected';
}

/** Stored run files are checked loosely by the store; keep the ones the page can draw. */
export function isRunRecord(r: unknown): r is RunRecord {
  const x = r as Partial<RunRecord> | null;
  return !!x && x.format === 1 && typeof x.start === 'number' && Array.isArray(x.stages) && typeof x.runId === 'string';
}

// The run record: everything the monitor learned about one run, as plain JSON. It is
// saved in the store beside the version and exported by `plumb metrics --json`, so the
// shape is versioned (`format`) and holds nothing that JSON cannot carry.
import type { ErrorInfo, Mode, Section, StageRef } from '../vocabulary';
import type { AttemptRecord } from '../retry/types';

export type RunStatus = 'running' | 'ok' | 'failed' | 'cancelled';
export type StageStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

export interface MetricPoint {
  step: number;
  value: number;
}

export interface StageRecord {
  stage: string;
  uses: string;
  section: Section;
  index: number;
  line: number;
  status: StageStatus;
  /** Epoch ms of stage-start. */
  start?: number;
  /** Wall time of the stage, retries and backoff waits included. */
  durationMs?: number;
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Rows handled (the larger of rows in and out) per second; 0 when the duration is 0. */
  rowsPerSec: number;
  attempts: AttemptRecord[];
  /** One entry per failed attempt, plus the stage's final error when it differs from the last. */
  errors: ErrorInfo[];
  /** Count of warnings raised by this stage (the messages are in RunRecord.warnings). */
  warnings: number;
  /** Custom metric series by name, in arrival order. */
  metrics: Record<string, MetricPoint[]>;
  /** Count of inner steps (epochs, batches) announced. */
  steps: number;
}

export interface WarningRecord {
  stage?: string;
  message: string;
  code: string;
  time: number;
}

export interface LogRecord {
  stage?: string;
  time: number;
  message: string;
}

export interface RetrySummary {
  /** Stages that needed more than one attempt. */
  stagesRetried: number;
  /** Attempts beyond the first, over all stages. */
  totalRetries: number;
  /**
   * Attempts made per stage. Only in records written before Plumb 0.2: it repeats
   * `stages[i].attempts.length`, and keeping one key per stage cost more than the rest of
   * the record at 100,000 stages.
   */
  attemptsByStage?: Record<string, number>;
}

export interface RunRecord {
  format: 1;
  runId: string;
  pipeline: string;
  file: string;
  mode: Mode;
  status: RunStatus;
  start: number;
  end?: number;
  durationMs?: number;
  version?: number;
  error?: ErrorInfo;
  stages: StageRecord[];
  warnings: WarningRecord[];
  logsCount: number;
  /** The last `keepLogs` log lines, present only when the Monitor was asked to keep some. */
  logs?: LogRecord[];
  retry: RetrySummary;
}

export function emptyRunRecord(): RunRecord {
  return {
    format: 1,
    runId: '',
    pipeline: '',
    file: '',
    mode: 'train',
    status: 'running',
    start: 0,
    stages: [],
    warnings: [],
    logsCount: 0,
    retry: { stagesRetried: 0, totalRetries: 0 },
  };
}

export function pendingStage(ref: StageRef): StageRecord {
  return {
    stage: ref.stage,
    uses: ref.uses,
    section: ref.section,
    index: ref.index,
    line: ref.line,
    status: 'pending',
    rowsIn: 0,
    rowsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    rowsPerSec: 0,
    attempts: [],
    errors: [],
    warnings: 0,
    metrics: {},
    steps: 0,
  };
}

/**
 * Rows a stage handled: the larger of in and out, so a loader (0 in) and a filter
 * (fewer out) both count the rows they actually touched. Throughput uses it.
 */
export function rowsHandled(s: Pick<StageRecord, 'rowsIn' | 'rowsOut'>): number {
  return Math.max(s.rowsIn, s.rowsOut);
}

export function bytesHandled(s: Pick<StageRecord, 'bytesIn' | 'bytesOut'>): number {
  return Math.max(s.bytesIn, s.bytesOut);
}

/** Whether the stage actually ran (as opposed to pending or skipped). */
export function stageRan(s: StageRecord): boolean {
  return s.status === 'ok' || s.status === 'failed' || s.status === 'running';
}

/** Attempts a stage made: its records, or at least 1 once it ran. */
export function attemptCount(s: StageRecord): number {
  return Math.max(s.attempts.length, stageRan(s) ? 1 : 0);
}

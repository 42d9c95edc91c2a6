// Everything the engine does is announced as an event. The monitor, the store, the CLI's
// progress display and the debugger all listen to this one stream.
import type { Mode } from '../stages/types';

export type Section = 'feature' | 'training' | 'inference';

/** Where a stage sits: enough for a listener to label it without the spec. */
export interface StageRef {
  stage: string;
  uses: string;
  section: Section;
  /** Position in the run's flat stage list (0-based). */
  index: number;
  /** 1-based line of the stage in the file its text is in: `file`, else the pipeline file. */
  line: number;
  /** The file of a stage included from a sub-pipeline; undefined for the pipeline's own. */
  file?: string;
}

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

export type EngineEvent =
  | { type: 'run-start'; runId: string; pipeline: string; file: string; mode: Mode; time: number; stages: StageRef[] }
  /** Reading the run's data file (before the first stage): its size on disk is `bytes`. */
  | { type: 'data-load-start'; runId: string; file: string; time: number }
  | { type: 'data-load-end'; runId: string; file: string; time: number; durationMs: number; rows: number; columns: number; bytes: number }
  | { type: 'section-start'; runId: string; section: Section; time: number }
  | { type: 'section-end'; runId: string; section: Section; time: number }
  | { type: 'stage-start'; runId: string; ref: StageRef; time: number; rowsIn: number; bytesIn: number }
  | { type: 'attempt-start'; runId: string; ref: StageRef; attempt: number; time: number }
  | {
      type: 'attempt-end';
      runId: string;
      ref: StageRef;
      attempt: number;
      time: number;
      durationMs: number;
      ok: boolean;
      error?: ErrorInfo;
      /** Delay before the next attempt when one follows, else undefined. */
      retryInMs?: number;
    }
  | {
      type: 'stage-end';
      runId: string;
      ref: StageRef;
      time: number;
      durationMs: number;
      rowsIn: number;
      rowsOut: number;
      bytesIn: number;
      bytesOut: number;
      attempts: number;
    }
  | { type: 'stage-error'; runId: string; ref: StageRef; time: number; durationMs: number; attempts: number; error: ErrorInfo }
  | { type: 'log'; runId: string; ref?: StageRef; time: number; message: string }
  | { type: 'warning'; runId: string; ref?: StageRef; time: number; message: string; code: string }
  | { type: 'metric'; runId: string; ref: StageRef; time: number; name: string; value: number; step: number }
  | { type: 'step'; runId: string; ref: StageRef; time: number; label: string; index: number; values: Record<string, unknown> }
  | { type: 'progress'; runId: string; ref: StageRef; time: number; fraction: number; message?: string }
  | {
      type: 'run-end';
      runId: string;
      time: number;
      durationMs: number;
      status: 'ok' | 'failed' | 'cancelled';
      error?: ErrorInfo;
      /** The version saved by a train run, or used by an inference run. */
      version?: number;
    };

export type EngineEventType = EngineEvent['type'];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

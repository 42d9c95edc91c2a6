// Everything the engine does is announced as an event. The monitor, the store, the CLI's
// progress display and the debugger all listen to this one stream.
import type { ErrorInfo, Mode, Section, StageRef } from '../vocabulary';


export type EngineEvent =
  | { type: 'run-start'; runId: string; pipeline: string; file: string; mode: Mode; time: number; stages: StageRef[] }
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

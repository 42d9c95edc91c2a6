// The hooks a debugger (or a test) uses to pause a run and steer it.
//
// The engine awaits each hook, so a controller pauses a run simply by not resolving
// until the user resumes. A hook may return a Directive to move the run: re-run the
// stage it stopped at from its cached input, or go back to an earlier stage's
// snapshot. Everything a point exposes is live data the debugger can page through;
// nothing is copied for it.
import type { Table } from '../table/table';
import type { Json, ModelArtifact, StageRef } from '../vocabulary';

export interface PointBase {
  runId: string;
  ref: StageRef;
  /** The table entering the stage. */
  input: Table;
  /**
   * The stage's `with:` values. A controller may change entries here before the stage
   * runs (or before a 'rerun'); the stage sees the edited values.
   */
  params: Record<string, unknown>;
  /** Fitted states so far in this run (or loaded from the version), by stage name. */
  states: Readonly<Record<string, Json>>;
  model: ModelArtifact | undefined;
  /** Side tables (e.g. 'test'), by name. */
  tables: ReadonlyMap<string, Table>;
  /** Latest value of every metric reported so far in the run. */
  metrics: Readonly<Record<string, number>>;
}

export interface BeforeStagePoint extends PointBase {
  kind: 'before-stage';
}

export interface AfterStagePoint extends PointBase {
  kind: 'after-stage';
  output: Table;
  durationMs: number;
  attempts: number;
}

export interface StepPoint extends PointBase {
  kind: 'step';
  label: string;
  /** 0-based count of steps in this stage run. */
  index: number;
  values: Record<string, unknown>;
}

/** A failed attempt that will be retried, before the backoff wait. */
export interface RetryPoint extends PointBase {
  kind: 'retry';
  error: Error;
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** The wait before the next attempt. */
  delayMs: number;
}

export interface StageFailedPoint extends PointBase {
  kind: 'stage-failed';
  error: Error;
  attempts: number;
}

/**
 * `rerun`: run the current stage again from its cached input (after-stage / failed).
 * `goto`: restore the snapshot taken before stage `index` and continue from there.
 * `stop`: end the run now as cancelled.
 */
export type Directive = { action: 'continue' } | { action: 'rerun' } | { action: 'goto'; index: number } | { action: 'stop' };

export interface Controller {
  beforeStage?(point: BeforeStagePoint): Promise<Directive | void> | Directive | void;
  afterStage?(point: AfterStagePoint): Promise<Directive | void> | Directive | void;
  /**
   * At an inner step (ctx.step). A returned 'rerun' / 'goto' / 'stop' abandons the running
   * stage: ctx.step throws a StageInterrupt, which the engine recognises (never retried,
   * never recorded as a failure) and then applies the directive.
   */
  atStep?(point: StepPoint): Promise<Directive | void> | Directive | void;
  /** After a failed attempt that will be retried, before the backoff wait; may abandon the stage like atStep. */
  retryAttempt?(point: RetryPoint): Promise<Directive | void> | Directive | void;
  /** Called when a stage failed after all its retries, before the run ends. */
  stageFailed?(point: StageFailedPoint): Promise<Directive | void> | Directive | void;
}

/**
 * Thrown inside a running stage (from ctx.step or the retry loop) when the controller
 * abandons it with a directive. Internal control flow: the engine catches it, skips the
 * retry policy and applies `directive`. A stage should not catch it.
 */
export class StageInterrupt extends Error {
  override readonly name = 'StageInterrupt';
  constructor(readonly directive: Exclude<Directive, { action: 'continue' }>) {
    super(`stage abandoned by the controller (${directive.action})`);
  }
}

// The contract between the engine and a stage, built-in or user-written.
//
// A stage is one of three kinds:
//  - 'transform': run(input, ctx) -> Table. Stateless (read, select, filter, predict, ...).
//  - 'fitted':    fit(input, ctx) -> State, then transform(input, state, ctx) -> Table.
//                 Train mode calls both; inference mode replays transform with the saved
//                 state and never calls fit. State must be plain JSON data.
//  - 'model':     train(input, ctx) -> ModelArtifact. The engine keeps the model for later
//                 stages (evaluate, predict) and saves it in the version; the table passes
//                 through unchanged.
// All functions may be async. Models and states are plain data, so loading a saved version
// never executes code: prediction is done by the built-in predictor registered for the
// model's `kind`.

import type { Table } from '../table/table';
import type { Json, Mode, ModelArtifact } from '../vocabulary';

export type { Json, Mode, ModelArtifact } from '../vocabulary';


/** A JSON Schema (draft-07 subset) describing a stage's `with:` block. */
export interface ParamSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties: false;
}


export interface Predictions {
  /** Predicted label per row: a category column (classification) or numbers (regression). */
  label: import('../table/table').Column;
  /** For classification: one probability array per entry of `classes`. */
  proba?: Float64Array[];
}

export interface StageContext<P = Record<string, unknown>> {
  /** The stage's name in the pipeline file (`stage:`). */
  readonly stage: string;
  /** What it uses (`uses:`), e.g. 'impute' or './stages/export.ts'. */
  readonly uses: string;
  readonly mode: Mode;
  /** The stage's `with:` block, interpolated and validated. */
  readonly params: Readonly<P>;
  /** The pipeline's `params:` after overrides. */
  readonly pipelineParams: Readonly<Record<string, unknown>>;
  /** 1 on the first try, 2 on the first retry, ... */
  readonly attempt: number;
  /** Aborted when the run is cancelled or the attempt times out. Long loops should check it. */
  readonly signal: AbortSignal;
  /** Directory of the pipeline file: relative paths in params resolve against it. */
  readonly baseDir: string;
  /** Seed for this stage: pipeline `params.seed` when set, else 0. */
  readonly seed: number;
  /** The pipeline's `target:` column (the label), if declared. Feature stages leave it alone. */
  readonly target: string | undefined;

  log(message: string): void;
  /** A data or usage warning: recorded in the run, shown by the CLI and debugger. */
  warn(message: string, code?: string): void;
  /** A custom metric point. `step` defaults to the count of earlier points of this name. */
  metric(name: string, value: number, step?: number): void;
  /** An inner step (an epoch, a batch) where the debugger may stop. Always await it. */
  step(label: string, values?: Record<string, unknown>): Promise<void>;
  /** A structured result kept with the version's metrics (e.g. a confusion matrix). */
  report(name: string, value: Json): void;
  /** Progress of this stage in [0, 1]. */
  progress(fraction: number, message?: string): void;

  /** The model trained earlier in this run, or loaded from the version in inference mode. */
  readonly model: ModelArtifact | undefined;
  /** A side table set by an earlier stage (e.g. 'test' from train-test-split). */
  getTable(name: string): Table | undefined;
  setTable(name: string, table: Table): void;
}

interface StageBase {
  /** The `uses:` name, e.g. 'standard-scale'. */
  type: string;
  /** One line for hovers and `plumb stages`. */
  summary: string;
  params: ParamSchema;
}

export interface TransformStage<P = any> extends StageBase {
  kind: 'transform';
  run(input: Table, ctx: StageContext<P>): Table | Promise<Table>;
}

export interface FittedStage<P = any, S extends Json = any> extends StageBase {
  kind: 'fitted';
  fit(input: Table, ctx: StageContext<P>): S | Promise<S>;
  transform(input: Table, state: S, ctx: StageContext<P>): Table | Promise<Table>;
}

export interface ModelStage<P = any> extends StageBase {
  kind: 'model';
  train(input: Table, ctx: StageContext<P>): ModelArtifact | Promise<ModelArtifact>;
}

export type StageDef = TransformStage | FittedStage | ModelStage;

/** Turns a saved model into predictions. Registered per ModelArtifact.kind. */
export type Predictor = (model: ModelArtifact, input: Table) => Predictions;

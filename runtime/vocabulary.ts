// The words every part of Plumb shares: spec, engine, monitor, store, debugger, CLI and
// the extension all speak them. This module imports nothing, so any folder may depend
// on it without reaching up into another (spec → engine, store → stages, ...).

/** Plain JSON data: what states, models, configs and metrics are saved as. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a pipeline runs: `train` fits and saves a version; `inference` replays one. */
export const MODES = ['train', 'inference'] as const;
export type Mode = (typeof MODES)[number];

/** The sections of a pipeline file, in file order. */
export const SECTIONS = ['feature', 'training', 'evaluation', 'inference'] as const;
export type Section = (typeof SECTIONS)[number];

export function isMode(v: unknown): v is Mode {
  return (MODES as readonly unknown[]).includes(v);
}

export function isSection(v: unknown): v is Section {
  return (SECTIONS as readonly unknown[]).includes(v);
}

/**
 * The sections whose stages a run of `mode` runs, in order. A train run with held-out rows
 * also runs the inference stages up to `predict` on them (engine/plan.ts has the exact list).
 */
export function sectionsOf(mode: Mode): readonly Section[] {
  return mode === 'train' ? ['feature', 'training', 'evaluation'] : ['feature', 'inference'];
}

/**
 * What a stage execution is doing. `fit`: feature stages fit and transform the training
 * rows, then training stages train. `evaluate`: held-out rows take the inference path
 * (feature stages replayed from the just-fitted state, inference stages up to `predict`),
 * then evaluation stages score them. `serve`: an inference run.
 */
export const PHASES = ['fit', 'evaluate', 'serve'] as const;
export type Phase = (typeof PHASES)[number];

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
  /**
   * What this execution of the stage does: a feature stage runs in `fit` and again in
   * `evaluate`. Always set by the engine (optional only for hand-made refs in tests).
   */
  phase?: Phase;
  /** 1-based cross-validation fold; undefined outside cross-validation (the final fit and its evaluation). */
  fold?: number;
  /** The number of folds, when `fold` is set. */
  folds?: number;
}

/** How a frame, a trace line or a monitor row names a stage execution: `scale`, `scale · held-out replay · fold 2/5`. */
export function executionLabel(ref: Pick<StageRef, 'section' | 'phase' | 'fold' | 'folds'>): string {
  const parts: string[] = [];
  if (ref.phase === 'evaluate' && (ref.section === 'feature' || ref.section === 'inference')) parts.push('held-out replay');
  if (ref.fold !== undefined) parts.push(`fold ${ref.fold}/${ref.folds ?? '?'}`);
  return parts.join(' · ');
}

/** An error as it crosses a boundary (event, run record, protocol message). */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

/** A fitted model as saved in a version: plain data, predicted by a built-in predictor. */
export interface ModelArtifact {
  /** Which built-in predictor understands `data`, e.g. 'logistic-regression'. */
  kind: string;
  task: 'classification' | 'regression';
  target: string;
  /** Feature column names, in the order the model expects them. */
  features: string[];
  /** Class labels for classification, in the order of probability columns. */
  classes?: string[];
  /** Kind-specific parameters (weights, tree nodes, ...). Plain JSON. */
  data: Json;
}

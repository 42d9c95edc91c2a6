// The words every part of Plumb shares: spec, engine, monitor, store, debugger, CLI and
// the extension all speak them. This module imports nothing, so any folder may depend
// on it without reaching up into another (spec → engine, store → stages, ...).

/** Plain JSON data: what states, models, configs and metrics are saved as. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a pipeline runs: `train` fits and saves a version; `inference` replays one. */
export const MODES = ['train', 'inference'] as const;
export type Mode = (typeof MODES)[number];

/** The sections of a pipeline file, in file order. */
export const SECTIONS = ['feature', 'training', 'inference'] as const;
export type Section = (typeof SECTIONS)[number];

export function isSection(v: unknown): v is Section {
  return (SECTIONS as readonly unknown[]).includes(v);
}

/** The sections a run of `mode` goes through, in order. */
export function sectionsOf(mode: Mode): readonly Section[] {
  return mode === 'train' ? ['feature', 'training'] : ['feature', 'inference'];
}

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

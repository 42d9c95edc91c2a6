// Shared plumbing for the model, metrics and predict stages: which column is the target,
// which columns are features, a dense feature matrix, class encoding, and prediction
// columns. Kept apart from the models so each model file is only its maths.

import { type Table, type CategoryColumn, type Column, type NumberColumn, indicatorOf, missingCount } from '../table/table';
import type { ModelArtifact, ParamSchema, Predictions, StageContext } from './types';
import { compareStrings, stringListParam } from './common';

/** The target column: the stage's `target:` param, else the pipeline's `target:`. */
export function resolveTarget(stage: string, param: unknown, pipelineTarget: string | undefined, fallback?: string): string {
  if (typeof param === 'string' && param !== '') return param;
  if (pipelineTarget) return pipelineTarget;
  if (fallback) return fallback;
  throw new Error(
    `${stage} needs a target column: set 'target:' at the top of the pipeline file or 'target:' in this stage's 'with:' block`,
  );
}

/**
 * Feature columns for training. Explicit `features` must exist and be numeric; by default
 * every number column except the target. Category columns are refused by name rather than
 * silently dropped, so a forgotten encoding step is noticed.
 */
export function resolveFeatures(stage: string, table: Table, target: string, features?: readonly string[]): string[] {
  if (features !== undefined) {
    const absent = features.filter((f) => !table.has(f));
    if (absent.length) {
      throw new Error(`${stage}: feature column(s) ${quoteList(absent)} not found (columns: ${table.names.join(', ')})`);
    }
    if (features.includes(target)) throw new Error(`${stage}: the target '${target}' cannot also be a feature`);
    refuseCategories(stage, features.filter((f) => table.column(f).type === 'category'));
    if (features.length === 0) throw new Error(`${stage}: 'features' is empty; list at least one column`);
    return [...features];
  }
  const others = table.columns.filter((c) => c.name !== target);
  refuseCategories(stage, others.filter((c) => c.type === 'category').map((c) => c.name));
  const names = others.map((c) => c.name);
  if (names.length === 0) throw new Error(`${stage}: no feature columns besides the target '${target}'`);
  return names;
}

function refuseCategories(stage: string, names: string[]): void {
  if (names.length === 0) return;
  throw new Error(
    `${stage}: column(s) ${quoteList(names)} are categories; models need numbers. ` +
      `One-hot or label-encode them first (e.g. a 'one-hot' stage), or leave them out with 'features:'`,
  );
}

/** Throws unless every feature the model was trained on is in `table`. */
export function requireModelFeatures(stage: string, model: ModelArtifact, table: Table): void {
  const absent = model.features.filter((f) => !table.has(f));
  if (absent.length) {
    throw new Error(
      `${stage}: the model (${model.kind}) needs feature column(s) ${quoteList(absent)}, which the input lacks ` +
        `(columns: ${table.names.join(', ') || 'none'})`,
    );
  }
}

/** A dense row-major matrix: row r, feature j is at `values[r * cols + j]`. */
export interface DenseMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
}

/**
 * Copies the features into one row-major Float64Array (one allocation, cache-friendly per-row
 * dot products). Missing values are refused: the user should impute first.
 */
export function featureMatrix(stage: string, table: Table, features: readonly string[]): DenseMatrix {
  const rows = table.rowCount;
  const cols = features.length;
  const values = new Float64Array(rows * cols);
  features.forEach((name, j) => {
    const col = table.column(name);
    if (col.type !== 'number') {
      throw new Error(`${stage}: feature '${name}' is a category column; one-hot or label-encode it first`);
    }
    const holes = missingCount(col);
    if (holes > 0) {
      throw new Error(`${stage}: feature '${name}' has ${holes} missing value(s); add an 'impute' stage before it`);
    }
    const ind = indicatorOf(col);
    if (ind) {
      // A one-hot column: 1 where the row's category is this one (the matrix starts as 0s).
      const { index, position } = ind;
      for (let r = 0, k = j; r < rows; r++, k += cols) if (index[r] === position) values[k] = 1;
      return;
    }
    const v = col.values;
    for (let r = 0, k = j; r < rows; r++, k += cols) values[k] = v[r];
  });
  return { values, rows, cols };
}

/** Class labels as strings plus each row's index into them. */
export interface EncodedClasses {
  classes: string[];
  codes: Int32Array;
}

/**
 * Encodes a classification target. Classes are the distinct labels, sorted (numerically for a
 * number column so 2 < 10, by code point otherwise), as strings, the way sklearn orders classes_.
 */
export function encodeClasses(stage: string, column: Column): EncodedClasses {
  refuseMissingTarget(stage, column);
  if (column.type === 'category') {
    const used = new Uint8Array(column.dictionary.length);
    for (let i = 0; i < column.codes.length; i++) used[column.codes[i]] = 1;
    const classes = column.dictionary.filter((_, i) => used[i]).sort(compareStrings);
    const index = new Map(classes.map((c, i) => [c, i]));
    const remap = Int32Array.from(column.dictionary, (d) => index.get(d) ?? -1);
    const codes = new Int32Array(column.codes.length);
    for (let i = 0; i < codes.length; i++) codes[i] = remap[column.codes[i]];
    return { classes, codes };
  }
  const distinct = [...new Set(column.values)].sort((a, b) => a - b);
  const index = new Map(distinct.map((v, i) => [v, i]));
  const codes = new Int32Array(column.values.length);
  for (let i = 0; i < codes.length; i++) codes[i] = index.get(column.values[i])!;
  return { classes: distinct.map(String), codes };
}

/**
 * Indexes of each row's label in `classes`; -1 for a label the list lacks (e.g. a class seen
 * only in the test split). Number labels compare by their string form, as stored in `classes`.
 */
export function labelCodes(stage: string, column: Column, classes: readonly string[]): Int32Array {
  refuseMissingTarget(stage, column);
  const index = new Map(classes.map((c, i) => [c, i]));
  const codes = new Int32Array(column.type === 'number' ? column.values.length : column.codes.length);
  if (column.type === 'category') {
    const remap = Int32Array.from(column.dictionary, (d) => index.get(d) ?? -1);
    for (let i = 0; i < codes.length; i++) codes[i] = remap[column.codes[i]];
  } else {
    for (let i = 0; i < codes.length; i++) codes[i] = index.get(String(column.values[i])) ?? -1;
  }
  return codes;
}

/** Distinct labels of a target column as strings, sorted like encodeClasses. */
export function distinctLabels(column: Column): string[] {
  if (column.type === 'number') return [...new Set(column.values)].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b).map(String);
  const used = new Set<number>(column.codes);
  return column.dictionary.filter((_, i) => used.has(i)).sort(compareStrings);
}

/** A regression target as numbers; missing values are refused. */
export function numericTarget(stage: string, column: Column): Float64Array {
  if (column.type !== 'number') {
    throw new Error(`${stage}: target '${column.name}' is a category column; regression needs numbers (use a classifier)`);
  }
  refuseMissingTarget(stage, column);
  return column.values;
}

function refuseMissingTarget(stage: string, column: Column): void {
  const holes = missingCount(column);
  if (holes > 0) {
    throw new Error(`${stage}: target '${column.name}' has ${holes} missing value(s); drop those rows first`);
  }
}

/** The label column for classification predictions: category codes into `classes`. */
export function classLabelColumn(name: string, codes: Int32Array, classes: readonly string[]): CategoryColumn {
  return { type: 'category', name, codes, dictionary: classes };
}

/** Index of the largest entry in each row of per-class probabilities (first wins a tie). */
export function argmaxRows(proba: readonly Float64Array[], rows: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < proba.length; k++) if (proba[k][r] > proba[best][r]) best = k;
    out[r] = best;
  }
  return out;
}

export interface PredictionColumnsOptions {
  /** Name of the label column (default 'prediction'). */
  column?: string;
  /** Add `proba=<class>` number columns for classification (default true). */
  probabilities?: boolean;
}

/** The input table plus the prediction column and, for classifiers, `proba=<class>` columns. */
export function addPredictionColumns(
  table: Table,
  model: ModelArtifact,
  predictions: Predictions,
  options: PredictionColumnsOptions = {},
): Table {
  const name = options.column ?? 'prediction';
  const label = { ...predictions.label, name } as Column;
  let out = table.withColumn(label);
  if ((options.probabilities ?? true) && predictions.proba && model.classes) {
    model.classes.forEach((cls, k) => {
      const column: NumberColumn = { type: 'number', name: `proba=${cls}`, values: predictions.proba![k], missing: null };
      out = out.withColumn(column);
    });
  }
  return out;
}

/** Common JSON Schema entries for `target` and `features`. */
export const targetParam = {
  type: 'string',
  description: "Label column. Defaults to the pipeline's top-level 'target:'.",
} as const;

export const featuresParamSchema = {
  type: 'array',
  items: { type: 'string' },
  minItems: 1,
  description: 'Feature columns, in order. Default: every number column except the target.',
} as const;

function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/** The target column, with an error naming the stage and the columns when it is absent. */
export function targetColumn(stage: string, table: Table, target: string): Column {
  if (!table.has(target)) {
    throw new Error(`${stage}: target column '${target}' not found (columns: ${table.names.join(', ') || 'none'})`);
  }
  return table.column(target);
}

/** The params every model stage takes besides its own. */
export interface ModelParams {
  target?: string;
  features?: string[];
}

/** A model stage's param schema: `target` and `features`, then the model's own params. */
export function modelParamsSchema(own: Record<string, Record<string, unknown>>): ParamSchema {
  return { type: 'object', additionalProperties: false, properties: { target: targetParam, features: featuresParamSchema, ...own } };
}

/** The training target: its name (stage `target:`, else the pipeline's) and its column. */
export function trainingTarget(stage: string, input: Table, ctx: Pick<StageContext, 'params' | 'target'>): { target: string; column: Column } {
  const target = resolveTarget(stage, ctx.params.target, ctx.target);
  return { target, column: targetColumn(stage, input, target) };
}

/** The training features: the stage's `features:` list (checked), else every other number column. */
export function trainingFeatures(stage: string, input: Table, target: string, ctx: Pick<StageContext, 'params'>): string[] {
  return resolveFeatures(stage, input, target, stringListParam(ctx.params, 'features', stage));
}

// Logistic regression by gradient descent: sigmoid for two classes, softmax (multinomial)
// for more. Minimises mean cross-entropy + l2/2·||W||² (the intercept is not penalised).
//
// Every epoch is an inner step the debugger can stop at, reports `loss`, progress, and
// honours cancellation. The hot loops read one row-major Float64Array and write into
// preallocated typed arrays: no allocation per row, so a million rows stays cheap.

import { CancelledError } from '../errors';
import type { Table } from '../table/table';
import type { Predictor, StageContext, StageDef } from './types';
import type { ModelArtifact } from '../vocabulary';
import {
  argmaxRows,
  classLabelColumn,
  encodeClasses,
  featureMatrix,
  modelParamsSchema,
  requireModelFeatures,
  trainingFeatures,
  trainingTarget,
  type ModelParams,
} from './model-data';
import { seededRandom, shuffleInPlace } from './common';

export interface LogisticParams extends ModelParams {
  epochs?: number;
  learning_rate?: number;
  l2?: number;
  batch_size?: number;
  seed?: number;
}

/**
 * Weights as scikit-learn lays them out: one row of `coef` per class for softmax, or a single
 * row for the positive class (classes[1]) in the binary case.
 */
export type LogisticModelData = {
  coef: number[][];
  intercept: number[];
  epochs: number;
  loss: number;
};

/** The weights as predict sees them: a model loaded from the store has long arrays as Float64Array. */
type LoadedLogisticData = { coef: ArrayLike<number>[]; intercept: ArrayLike<number> };

const TYPE = 'logistic-regression';

export const logisticRegression: StageDef = {
  type: TYPE,
  kind: 'model',
  summary: 'Logistic regression (binary sigmoid or multinomial softmax) trained by gradient descent.',
  params: modelParamsSchema({
    epochs: { type: 'integer', minimum: 1, default: 100, description: 'Passes over the training data.' },
    learning_rate: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'Gradient step size.' },
    l2: { type: 'number', minimum: 0, default: 0, description: 'L2 penalty l2/2·||w||² on the weights (not the intercept).' },
    batch_size: {
      type: 'integer',
      minimum: 1,
      description: 'Rows per gradient step (shuffled each epoch). Default: all rows (full-batch).',
    },
    seed: { type: 'integer', description: "Shuffling seed for mini-batches. Default: the pipeline's params.seed." },
  }),
  train: trainLogistic,
};

async function trainLogistic(input: Table, ctx: StageContext): Promise<ModelArtifact> {
  const p = ctx.params as LogisticParams;
  const { target, column } = trainingTarget(TYPE, input, ctx);
  const { classes, codes } = encodeClasses(TYPE, column);
  if (classes.length < 2) {
    throw new Error(`${TYPE}: target '${target}' has ${classes.length} class(es) (${classes.join(', ')}); need at least 2`);
  }
  const features = trainingFeatures(TYPE, input, target, ctx);
  const X = featureMatrix(TYPE, input, features);
  const epochs = p.epochs ?? 100;
  const lr = p.learning_rate ?? 0.1;
  const l2 = p.l2 ?? 0;
  // The engine validates params against the schema; these guard direct calls (user code, tests)
  // where a zero batch size would loop forever.
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`${TYPE}: epochs must be an integer ≥ 1, got ${epochs}`);
  if (!(lr > 0)) throw new Error(`${TYPE}: learning_rate must be > 0, got ${lr}`);
  if (!(l2 >= 0)) throw new Error(`${TYPE}: l2 must be ≥ 0, got ${l2}`);
  if (p.batch_size !== undefined && !(Number.isInteger(p.batch_size) && p.batch_size >= 1)) {
    throw new Error(`${TYPE}: batch_size must be an integer ≥ 1, got ${p.batch_size}`);
  }
  if (X.rows === 0) throw new Error(`${TYPE}: the input table has no rows`);
  const n = X.rows;
  const d = X.cols;
  const batch = Math.min(p.batch_size ?? n, n);
  // Binary problems keep one weight row (the positive class), like sklearn; softmax keeps K.
  const K = classes.length === 2 ? 1 : classes.length;
  const W = new Float64Array(K * d);
  const B = new Float64Array(K);
  const gW = new Float64Array(K * d);
  const gB = new Float64Array(K);
  const scratch = new Float64Array(Math.max(K, 1));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = seededRandom(p.seed ?? ctx.seed);
  let loss = NaN;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    throwIfAborted(ctx.signal);
    if (batch < n) shuffleInPlace(order, random);
    let total = 0;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(start + batch, n);
      gW.fill(0);
      gB.fill(0);
      const ce =
        K === 1
          ? binaryPass(X.values, d, codes, order, start, end, W, B, gW, gB)
          : softmaxPass(X.values, d, K, codes, order, start, end, W, B, gW, gB, scratch);
      const m = end - start;
      let penalty = 0;
      for (let i = 0; i < W.length; i++) penalty += W[i] * W[i];
      // Loss of the weights this step starts from; summed over batches it is the epoch mean.
      total += ce + (m * l2 * penalty) / 2;
      for (let i = 0; i < W.length; i++) W[i] -= lr * (gW[i] / m + l2 * W[i]);
      for (let k = 0; k < K; k++) B[k] -= (lr * gB[k]) / m;
    }
    loss = total / n;
    if (Number.isNaN(loss)) {
      const message = `loss became NaN at epoch ${epoch}: lower learning_rate (now ${lr}) or scale the features`;
      ctx.warn(message, 'nan-loss');
      throw new Error(`${TYPE}: ${message}`);
    }
    ctx.metric('loss', loss, epoch);
    ctx.progress(epoch / epochs);
    await ctx.step(`epoch ${epoch}`, { epoch, loss });
  }

  const coef: number[][] = [];
  for (let k = 0; k < K; k++) coef.push(Array.from(W.subarray(k * d, (k + 1) * d)));
  const data: LogisticModelData = { coef, intercept: Array.from(B), epochs, loss };
  return { kind: TYPE, task: 'classification', target, features, classes, data };
}

/** Adds the gradient of rows order[start..end) into gW/gB; returns their summed cross-entropy. */
function binaryPass(
  X: Float64Array, d: number, y: Int32Array, order: Int32Array, start: number, end: number,
  W: Float64Array, B: Float64Array, gW: Float64Array, gB: Float64Array,
): number {
  let sum = 0;
  const b = B[0];
  for (let i = start; i < end; i++) {
    const r = order[i];
    const o = r * d;
    let z = b;
    for (let j = 0; j < d; j++) z += X[o + j] * W[j];
    const yi = y[r];
    // -log p(y|x) = softplus(z) - y·z, written so exp never overflows.
    sum += (z > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(z))) - yi * z;
    const g = 1 / (1 + Math.exp(-z)) - yi;
    for (let j = 0; j < d; j++) gW[j] += g * X[o + j];
    gB[0] += g;
  }
  return sum;
}

function softmaxPass(
  X: Float64Array, d: number, K: number, y: Int32Array, order: Int32Array, start: number, end: number,
  W: Float64Array, B: Float64Array, gW: Float64Array, gB: Float64Array, z: Float64Array,
): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const r = order[i];
    const o = r * d;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = B[k];
      const w = k * d;
      for (let j = 0; j < d; j++) s += X[o + j] * W[w + j];
      z[k] = s;
      if (s > max) max = s;
    }
    const yi = y[r];
    const logitY = z[yi];
    let norm = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp(z[k] - max);
      norm += z[k];
    }
    // -log softmax_y = logsumexp(z) - z_y, with the max shifted out so nothing overflows.
    sum += max + Math.log(norm) - logitY;
    for (let k = 0; k < K; k++) {
      const g = z[k] / norm - (k === yi ? 1 : 0);
      const w = k * d;
      for (let j = 0; j < d; j++) gW[w + j] += g * X[o + j];
      gB[k] += g;
    }
  }
  return sum;
}

function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  // A plain abort() leaves a DOMException 'AbortError'; the engine's own reasons
  // (CancelledError, TimeoutError from the retry loop) are passed on unchanged.
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') throw reason;
  throw new CancelledError(`${TYPE} cancelled`);
}

/** Class probabilities for every row; binary models give [1 - p, p]. */
export function logisticProba(model: ModelArtifact, input: Table): Float64Array[] {
  requireModelFeatures('predict', model, input);
  const data = model.data as unknown as LoadedLogisticData;
  const X = featureMatrix('predict', input, model.features);
  const n = X.rows;
  const d = X.cols;
  const K = data.coef.length;
  // Row by row: flat() would not unpack Float64Array rows.
  const W = new Float64Array(data.coef.reduce((sum, row) => sum + row.length, 0));
  let at = 0;
  for (const row of data.coef) {
    W.set(row, at);
    at += row.length;
  }
  if (K === 1) {
    const p0 = new Float64Array(n);
    const p1 = new Float64Array(n);
    const b = data.intercept[0];
    for (let r = 0; r < n; r++) {
      let z = b;
      const o = r * d;
      for (let j = 0; j < d; j++) z += X.values[o + j] * W[j];
      p1[r] = 1 / (1 + Math.exp(-z));
      p0[r] = 1 - p1[r];
    }
    return [p0, p1];
  }
  const proba = Array.from({ length: K }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = data.intercept[k];
      for (let j = 0; j < d; j++) s += X.values[o + j] * W[k * d + j];
      proba[k][r] = s;
      if (s > max) max = s;
    }
    let norm = 0;
    for (let k = 0; k < K; k++) norm += proba[k][r] = Math.exp(proba[k][r] - max);
    for (let k = 0; k < K; k++) proba[k][r] /= norm;
  }
  return proba;
}

const predictLogistic: Predictor = (model, input) => {
  const proba = logisticProba(model, input);
  const codes = argmaxRows(proba, input.rowCount);
  return { label: classLabelColumn('prediction', codes, model.classes ?? []), proba };
};

export const stages: StageDef[] = [logisticRegression];
export const predictors: Record<string, Predictor> = { [TYPE]: predictLogistic };

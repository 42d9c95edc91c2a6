// Linear regression (ordinary least squares, or ridge when l2 > 0).
//
// Solves the normal equations (Xc'Xc + l2·I) w = Xc'yc on centred data with a Cholesky
// factorisation, then recovers the intercept as mean(y) − mean(x)·w. Centring is what keeps
// the intercept out of the penalty (the same objective as scikit-learn's Ridge) and also
// improves the conditioning of X'X. d is small, so a dense d×d solve is all we need.

import type { Table } from '../table/table';
import type { Predictor, StageDef } from './types';
import type { ModelArtifact } from '../vocabulary';
import {
  featureMatrix,
  modelParamsSchema,
  numericTarget,
  requireModelFeatures,
  trainingFeatures,
  trainingTarget,
  type ModelParams,
} from './model-data';

export interface LinearParams extends ModelParams {
  l2?: number;
  fit_intercept?: boolean;
}

export type LinearModelData = {
  coef: number[];
  intercept: number;
};

/** The same data as predict sees it: a model loaded from the store has long arrays as Float64Array. */
type LoadedLinearData = { coef: ArrayLike<number>; intercept: number };

const TYPE = 'linear-regression';

export const linearRegression: StageDef = {
  type: TYPE,
  kind: 'model',
  summary: 'Least-squares linear regression (ridge when l2 > 0), solved exactly by Cholesky.',
  params: modelParamsSchema({
    l2: { type: 'number', minimum: 0, default: 0, description: 'Ridge penalty on the weights (not the intercept).' },
    fit_intercept: { type: 'boolean', default: true, description: 'Fit a constant term.' },
  }),
  train(input: Table, ctx): ModelArtifact {
    const p = ctx.params as LinearParams;
    const { target, column } = trainingTarget(TYPE, input, ctx);
    const y = numericTarget(TYPE, column);
    const features = trainingFeatures(TYPE, input, target, ctx);
    const l2 = p.l2 ?? 0;
    if (!(l2 >= 0)) throw new Error(`${TYPE}: l2 must be a number ≥ 0, got ${String(p.l2)}`);
    if (input.rowCount === 0) throw new Error(`${TYPE}: the input table has no rows`);
    const X = featureMatrix(TYPE, input, features);
    const { coef, intercept } = fitLeastSquares(X.values, y, X.rows, X.cols, l2, p.fit_intercept ?? true, features);
    ctx.progress(1);
    const data: LinearModelData = { coef, intercept };
    return { kind: TYPE, task: 'regression', target, features, data };
  },
};

/** Least squares on row-major X (n×d): returns weights and intercept. Exported for tests. */
export function fitLeastSquares(
  X: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  l2: number,
  fitIntercept: boolean,
  names: readonly string[] = [],
): { coef: number[]; intercept: number } {
  const xMean = new Float64Array(d);
  let yMean = 0;
  if (fitIntercept) {
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let j = 0; j < d; j++) xMean[j] += X[o + j];
      yMean += y[r];
    }
    for (let j = 0; j < d; j++) xMean[j] /= n;
    yMean /= n;
  }
  // Upper triangle of A = Xc'Xc and b = Xc'yc in one pass over the rows.
  const A = new Float64Array(d * d);
  const b = new Float64Array(d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) row[j] = X[o + j] - xMean[j];
    const yc = y[r] - yMean;
    for (let i = 0; i < d; i++) {
      const xi = row[i];
      b[i] += xi * yc;
      const ai = i * d;
      for (let j = i; j < d; j++) A[ai + j] += xi * row[j];
    }
  }
  for (let i = 0; i < d; i++) {
    A[i * d + i] += l2;
    for (let j = 0; j < i; j++) A[i * d + j] = A[j * d + i];
  }
  const w = choleskySolve(A, b, d, names);
  let intercept = 0;
  if (fitIntercept) {
    intercept = yMean;
    for (let j = 0; j < d; j++) intercept -= xMean[j] * w[j];
  }
  return { coef: Array.from(w), intercept };
}

/**
 * Solves A x = b for symmetric positive-definite A (d×d, row-major). A pivot that collapses
 * relative to its diagonal means that feature is (nearly) a combination of earlier ones: the
 * error names it, since with l2 = 0 the least-squares solution is then not unique.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, d: number, names: readonly string[] = []): Float64Array {
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
    if (!(s > 1e-12 * Math.max(A[j * d + j], 1e-300))) {
      const name = names[j] !== undefined ? `'${names[j]}'` : `#${j + 1}`;
      throw new Error(
        `${TYPE}: feature ${name} is constant or a linear combination of earlier features, so the fit is not unique; ` +
          `drop it or set l2 > 0`,
      );
    }
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = t / ljj;
    }
  }
  const z = new Float64Array(d); // L z = b
  for (let i = 0; i < d; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= L[i * d + k] * z[k];
    z[i] = t / L[i * d + i];
  }
  const x = new Float64Array(d); // L' x = z
  for (let i = d - 1; i >= 0; i--) {
    let t = z[i];
    for (let k = i + 1; k < d; k++) t -= L[k * d + i] * x[k];
    x[i] = t / L[i * d + i];
  }
  return x;
}

const predictLinear: Predictor = (model, input) => {
  requireModelFeatures('predict', model, input);
  const data = model.data as unknown as LoadedLinearData;
  const X = featureMatrix('predict', input, model.features);
  const out = new Float64Array(X.rows);
  for (let r = 0; r < X.rows; r++) {
    let s = data.intercept;
    const o = r * X.cols;
    for (let j = 0; j < X.cols; j++) s += X.values[o + j] * data.coef[j];
    out[r] = s;
  }
  return { label: { type: 'number', name: 'prediction', values: out, missing: null } };
};

export const stages: StageDef[] = [linearRegression];
export const predictors: Record<string, Predictor> = { [TYPE]: predictLinear };

// Evaluation stages and the metric functions behind them.
//
// The functions follow scikit-learn's definitions (checked against sklearn.metrics in
// test/stages/metrics.test.ts): zero_division = 0, macro averages over the labels that occur
// in y_true or y_pred, ROC AUC from average ranks (ties count one half), r2 = 1 for a perfect
// fit of a constant target and 0 for an imperfect one.

import type { Table } from '../table/table';
import type { StageContext, StageDef } from './types';
import { distinctLabels, labelCodes, numericTarget, resolveTarget, targetColumn, targetParam } from './model-data';

// ---------------------------------------------------------------- pure metric functions

/** Fraction of rows where the predicted code equals the true code. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength(yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return yTrue.length ? hits / yTrue.length : NaN;
}

/** counts[t][p] = rows whose true label is t and predicted label is p (sklearn's layout). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labelCount: number): number[][] {
  sameLength(yTrue, yPred);
  const m = Array.from({ length: labelCount }, () => new Array<number>(labelCount).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (t < 0 || t >= labelCount || p < 0 || p >= labelCount) {
      throw new Error(`confusionMatrix: label code out of range at row ${i} (true ${t}, predicted ${p}, ${labelCount} labels)`);
    }
    m[t][p]++;
  }
  return m;
}

export type Average = 'macro' | 'weighted' | 'binary';

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Precision, recall and F1 from a confusion matrix. 'binary' reports the `positive` label only;
 * 'macro' is the plain mean of per-label scores; 'weighted' weights them by true count (support).
 */
export function precisionRecallF1(matrix: readonly (readonly number[])[], average: Average, positive = 1): PrecisionRecallF1 {
  const k = matrix.length;
  const perLabel = (c: number): PrecisionRecallF1 & { support: number; seen: boolean } => {
    let predicted = 0;
    let support = 0;
    for (let i = 0; i < k; i++) {
      predicted += matrix[i][c];
      support += matrix[c][i];
    }
    const tp = matrix[c][c];
    const fp = predicted - tp;
    const fn = support - tp;
    return {
      precision: predicted ? tp / predicted : 0,
      recall: support ? tp / support : 0,
      f1: 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0,
      support,
      seen: predicted + support > 0,
    };
  };
  if (average === 'binary') {
    if (positive < 0 || positive >= k) throw new Error(`precisionRecallF1: positive label index ${positive} out of range`);
    const { precision, recall, f1 } = perLabel(positive);
    return { precision, recall, f1 };
  }
  const scores = Array.from({ length: k }, (_, c) => perLabel(c)).filter((s) => s.seen);
  const total = scores.reduce((s, x) => s + x.support, 0);
  const weight = (s: { support: number }) => (average === 'weighted' ? (total ? s.support / total : 0) : 1 / scores.length);
  const mean = (key: keyof PrecisionRecallF1) => scores.reduce((s, x) => s + weight(x) * x[key], 0);
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

/**
 * Area under the ROC curve for a binary problem: the probability that a random positive scores
 * above a random negative, ties counting one half (Mann–Whitney U with average ranks, which is
 * what sklearn's trapezoidal roc_auc_score equals). NaN when either class is absent.
 */
export function rocAuc(isPositive: ArrayLike<number | boolean>, scores: ArrayLike<number>): number {
  sameLength(isPositive, scores);
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const meanRank = (start + 1 + end) / 2; // ranks start+1 .. end share their mean
    for (let i = start; i < end; i++) {
      if (isPositive[order[i]]) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Macro one-vs-rest ROC AUC: each class's probability column against "is this class", averaged
 * over the classes that have both positives and negatives in `yTrue` (sklearn's multi_class='ovr').
 */
export function rocAucOvr(yTrue: ArrayLike<number>, proba: readonly ArrayLike<number>[]): number {
  const isClass = new Uint8Array(yTrue.length);
  let sum = 0;
  let counted = 0;
  proba.forEach((scores, c) => {
    for (let i = 0; i < yTrue.length; i++) isClass[i] = yTrue[i] === c ? 1 : 0;
    const auc = rocAuc(isClass, scores);
    if (!Number.isNaN(auc)) {
      sum += auc;
      counted++;
    }
  });
  return counted ? sum / counted : NaN;
}

export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return Math.sqrt(s / yTrue.length);
}

export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / yTrue.length;
}

/** Coefficient of determination. A constant target gives 1 when predicted exactly, else 0 (sklearn). */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength(yTrue, yPred);
  const n = yTrue.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (yTrue[i] - yPred[i]) ** 2;
    total += (yTrue[i] - mean) ** 2;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new Error(`metric inputs differ in length: ${a.length} vs ${b.length}`);
}

// ---------------------------------------------------------------- stages
//
// Evaluation stages score the prediction columns the inference path added (`prediction`,
// `proba=<class>`) against the target: they never predict by themselves, so the numbers
// measure exactly what inference serves.

export interface ClassificationMetricsParams {
  target?: string;
  prediction?: string;
  average?: Average;
  positive?: string;
}

const predictionParam = {
  type: 'string',
  minLength: 1,
  default: 'prediction',
  description: "The predicted-label column to score (the predict stage's `column`).",
} as const;

/** The truth and prediction columns to score, with clear errors when they are not there. */
function scoringInputs(type: string, input: Table, ctx: StageContext) {
  if (input.rowCount === 0) throw new Error(`${type}: there are no held-out rows to score`);
  const params = ctx.params as { target?: string; prediction?: string };
  const target = resolveTarget(type, params.target, ctx.target, ctx.model?.target);
  const name = params.prediction ?? 'prediction';
  if (!input.has(name)) {
    throw new Error(
      `${type}: no '${name}' column to score (columns: ${input.names.join(', ') || 'none'}); ` +
        `evaluation stages score the predictions of the inference path: put a predict stage in 'inference:'`,
    );
  }
  return { truth: targetColumn(type, input, target), predicted: input.column(name) };
}

const CLASSIFICATION = 'classification-metrics';

export const classificationMetrics: StageDef = {
  type: CLASSIFICATION,
  kind: 'transform',
  summary: "Accuracy, precision, recall, F1, ROC AUC and confusion matrix of the 'prediction' (and 'proba=<class>') columns against the target.",
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      target: targetParam,
      prediction: predictionParam,
      average: {
        type: 'string',
        enum: ['macro', 'weighted', 'binary'],
        description: 'How precision/recall/F1 combine classes. Default: binary for 2 classes, else macro.',
      },
      positive: {
        type: 'string',
        description: "The positive class for binary scores. Default: the second class in sorted order (e.g. '1' of 0/1, 'yes' of no/yes).",
      },
    },
  },
  run(input: Table, ctx): Table {
    const p = ctx.params as ClassificationMetricsParams;
    if (ctx.model && ctx.model.task !== 'classification') {
      throw new Error(`${CLASSIFICATION}: the model (${ctx.model.kind}) does ${ctx.model.task}; use regression-metrics instead`);
    }
    const { truth, predicted } = scoringInputs(CLASSIFICATION, input, ctx);
    const predictedLabels = distinctLabels(predicted);
    // The model's classes first (their order is the proba columns'), then labels it never
    // saw: they still belong in the matrix (as rows it always gets wrong).
    const known = ctx.model?.classes ?? [];
    const labels = [...known];
    for (const l of [...predictedLabels, ...distinctLabels(truth)]) if (!labels.includes(l)) labels.push(l);
    const trueCodes = labelCodes(CLASSIFICATION, truth, labels);
    const predCodes = labelCodes(CLASSIFICATION, predicted, labels);
    const matrix = confusionMatrix(trueCodes, predCodes, labels.length);

    const average = p.average ?? (labels.length === 2 ? 'binary' : 'macro');
    if (average === 'binary' && labels.length !== 2) {
      throw new Error(
        `${CLASSIFICATION}: average 'binary' needs exactly 2 classes, found ${labels.length} (${labels.join(', ')}); use 'macro' or 'weighted'`,
      );
    }
    const positiveLabel = p.positive ?? labels[1];
    const positive = labels.indexOf(positiveLabel);
    if (p.positive !== undefined && positive < 0) {
      throw new Error(`${CLASSIFICATION}: positive class '${p.positive}' is not one of ${labels.join(', ')}`);
    }
    const scores = precisionRecallF1(matrix, average, positive);
    ctx.metric('accuracy', accuracy(trueCodes, predCodes));
    ctx.metric('precision', scores.precision);
    ctx.metric('recall', scores.recall);
    ctx.metric('f1', scores.f1);

    const proba = probaColumns(input, labels);
    const auc = proba ? classificationAuc(trueCodes, proba, labels.length, positive) : NaN;
    if (Number.isNaN(auc)) {
      ctx.warn(`${CLASSIFICATION}: roc_auc is undefined here (needs 'proba=<class>' columns and both positive and negative rows per class)`, 'undefined-metric');
    } else {
      ctx.metric('roc_auc', auc);
    }
    ctx.report('confusion_matrix', { labels, matrix });
    return input;
  },
};

/** The `proba=<class>` columns for `labels`, in that order; undefined unless every one is there. */
function probaColumns(input: Table, labels: readonly string[]): Float64Array[] | undefined {
  const out: Float64Array[] = [];
  for (const l of labels) {
    const name = `proba=${l}`;
    if (!input.has(name)) return undefined;
    const c = input.column(name);
    if (c.type !== 'number') return undefined;
    out.push(c.values);
  }
  return out;
}

function classificationAuc(trueCodes: Int32Array, proba: Float64Array[], labelCount: number, positive: number): number {
  if (labelCount === 2) {
    if (positive >= proba.length) return NaN;
    const isPositive = new Uint8Array(trueCodes.length);
    for (let i = 0; i < trueCodes.length; i++) isPositive[i] = trueCodes[i] === positive ? 1 : 0;
    return rocAuc(isPositive, proba[positive]);
  }
  return rocAucOvr(trueCodes, proba);
}

const REGRESSION = 'regression-metrics';

export const regressionMetrics: StageDef = {
  type: REGRESSION,
  kind: 'transform',
  summary: "RMSE, MAE and R² of the 'prediction' column against the target.",
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { target: targetParam, prediction: predictionParam },
  },
  run(input: Table, ctx): Table {
    if (ctx.model && ctx.model.task !== 'regression') {
      throw new Error(`${REGRESSION}: the model (${ctx.model.kind}) does ${ctx.model.task}; use classification-metrics instead`);
    }
    const { truth, predicted } = scoringInputs(REGRESSION, input, ctx);
    const y = numericTarget(REGRESSION, truth);
    if (predicted.type !== 'number') throw new Error(`${REGRESSION}: '${predicted.name}' holds categories; regression-metrics scores numbers`);
    const yHat = predicted.values;
    ctx.metric('rmse', rmse(y, yHat));
    ctx.metric('mae', mae(y, yHat));
    ctx.metric('r2', r2(y, yHat));
    return input;
  },
};

export const stages: StageDef[] = [classificationMetrics, regressionMetrics];

// Evaluation stages and the metric functions behind them.
//
// The functions follow scikit-learn's definitions (checked against sklearn.metrics in
// test/stages/metrics.test.ts): zero_division = 0, macro averages over the labels that occur
// in y_true or y_pred, ROC AUC from average ranks (ties count one half), r2 = 1 for a perfect
// fit of a constant target and 0 for an imperfect one.

import type { Table } from '../table/table';
import type { StageContext, StageDef } from './types';
import type { ModelArtifact } from '../vocabulary';
import { addPredictionColumns, distinctLabels, labelCodes, numericTarget, resolveTarget, targetColumn, targetParam } from './model-data';
import { predictWith } from './predict';

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

export interface ClassificationMetricsParams {
  target?: string;
  average?: Average;
  positive?: string;
}

/** The model to evaluate and the table to evaluate it on (the test split when there is one). */
function evaluationInputs(type: string, task: ModelArtifact['task'], input: Table, ctx: StageContext) {
  const model = ctx.model;
  if (!model) {
    throw new Error(`${type} needs a model: put a model stage (e.g. ${task === 'classification' ? 'logistic-regression' : 'linear-regression'}) before it`);
  }
  if (model.task !== task) {
    const other = task === 'classification' ? 'regression-metrics' : 'classification-metrics';
    throw new Error(`${type}: the model (${model.kind}) does ${model.task}; use ${other} instead`);
  }
  const table = ctx.getTable('test') ?? input;
  if (table.rowCount === 0) throw new Error(`${type}: the table to evaluate has no rows`);
  const target = resolveTarget(type, ctx.params.target, ctx.target, model.target);
  return { model, table, target };
}

const CLASSIFICATION = 'classification-metrics';

export const classificationMetrics: StageDef = {
  type: CLASSIFICATION,
  kind: 'transform',
  summary: 'Accuracy, precision, recall, F1, ROC AUC and confusion matrix of the model on the test split (or the input).',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      target: targetParam,
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
    const { model, table, target } = evaluationInputs(CLASSIFICATION, 'classification', input, ctx);
    const truth = targetColumn(CLASSIFICATION, table, target);
    const predictions = predictWith(CLASSIFICATION, model, table);
    const classes = model.classes ?? [];
    // Labels the model never saw still belong in the matrix (as rows it always gets wrong).
    const unseen = distinctLabels(truth).filter((l) => !classes.includes(l));
    const labels = [...classes, ...unseen];
    const trueCodes = labelCodes(CLASSIFICATION, truth, labels);
    const predCodes = predictions.label.type === 'category' ? predictions.label.codes : new Int32Array(0);
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

    const auc = predictions.proba ? classificationAuc(trueCodes, predictions.proba, labels.length, positive) : NaN;
    if (Number.isNaN(auc)) {
      ctx.warn(`${CLASSIFICATION}: roc_auc is undefined here (needs probabilities and both positive and negative rows per class)`, 'undefined-metric');
    } else {
      ctx.metric('roc_auc', auc);
    }
    ctx.report('confusion_matrix', { labels, matrix });
    return addPredictionColumns(table, model, predictions);
  },
};

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
  summary: 'RMSE, MAE and R² of the model on the test split (or the input).',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { target: targetParam },
  },
  run(input: Table, ctx): Table {
    const { model, table, target } = evaluationInputs(REGRESSION, 'regression', input, ctx);
    const truth = numericTarget(REGRESSION, targetColumn(REGRESSION, table, target));
    const predictions = predictWith(REGRESSION, model, table);
    if (predictions.label.type !== 'number') throw new Error(`${REGRESSION}: the model did not predict numbers`);
    const predicted = predictions.label.values;
    ctx.metric('rmse', rmse(truth, predicted));
    ctx.metric('mae', mae(truth, predicted));
    ctx.metric('r2', r2(truth, predicted));
    return addPredictionColumns(table, model, predictions);
  },
};

export const stages: StageDef[] = [classificationMetrics, regressionMetrics];

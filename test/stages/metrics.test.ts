import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table } from '../../runtime/table/table';
import {
  accuracy, confusionMatrix, mae, precisionRecallF1, r2, rmse, rocAuc, rocAucOvr, stages,
} from '../../runtime/stages/metrics';
import type { TransformStage } from '../../runtime/stages/types';
import type { ModelArtifact } from '../../runtime/vocabulary';
import { fakeContext, assertClose, cells } from './helpers';

const classificationMetrics = stages.find((s) => s.type === 'classification-metrics') as TransformStage;
const regressionMetrics = stages.find((s) => s.type === 'regression-metrics') as TransformStage;

// Binary fixture. Expected values from python3 + sklearn 1.2.1:
//   yt = [0,0,1,1,1,0,1,0,1,1]; sc = [...]; yp = (sc >= 0.5)
const yt = [0, 0, 1, 1, 1, 0, 1, 0, 1, 1];
const sc = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.55, 0.35];
const yp = sc.map((s) => (s >= 0.5 ? 1 : 0));

test('binary scores match sklearn.metrics', () => {
  assert.equal(accuracy(yt, yp), 0.7); // accuracy_score
  const cm = confusionMatrix(yt, yp, 2);
  assert.deepEqual(cm, [[4, 0], [3, 3]]); // confusion_matrix
  // precision_recall_fscore_support(average='binary') → (1.0, 0.5, 0.6666666666666666)
  assertClose(Object.values(precisionRecallF1(cm, 'binary', 1)), [1, 0.5, 0.6666666666666666], 1e-15);
  // ... pos_label=0 → (0.5714285714285714, 1.0, 0.7272727272727273)
  assertClose(Object.values(precisionRecallF1(cm, 'binary', 0)), [0.5714285714285714, 1, 0.7272727272727273], 1e-15);
  // roc_auc_score(yt, sc) = 0.7916666666666666 (the three 0.4s and two 0.35s are ties)
  assertClose([rocAuc(yt, sc)], [0.7916666666666666], 1e-15);
  assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.3])));
});

test('multiclass averages match sklearn.metrics, including zero division', () => {
  const names = ['a', 'b', 'c'];
  const t = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'c', 'c', 'b', 'a', 'c'].map((l) => names.indexOf(l));
  const p = ['a', 'c', 'c', 'a', 'b', 'b', 'b', 'c', 'a', 'b', 'a', 'c'].map((l) => names.indexOf(l));
  const cm = confusionMatrix(t, p, 3);
  assert.deepEqual(cm, [[3, 1, 0], [0, 2, 1], [1, 1, 3]]);
  // average='macro' → (0.6666666666666666, 0.6722222222222222, 0.6626984126984127)
  assertClose(Object.values(precisionRecallF1(cm, 'macro')), [0.6666666666666666, 0.6722222222222222, 0.6626984126984127], 1e-15);
  // average='weighted' → (0.6875, 0.6666666666666666, 0.6706349206349206)
  assertClose(Object.values(precisionRecallF1(cm, 'weighted')), [0.6875, 0.6666666666666666, 0.6706349206349206], 1e-15);
  // t=[0,1,2,2,1,0], p=[0,0,2,2,0,0]: class 1 never predicted; zero_division=0 → (0.5, 0.6667, 0.5556)
  const zd = confusionMatrix([0, 1, 2, 2, 1, 0], [0, 0, 2, 2, 0, 0], 3);
  assertClose(Object.values(precisionRecallF1(zd, 'macro')), [0.5, 0.6666666666666666, 0.5555555555555555], 1e-15);
  // A label in neither y_true nor y_pred does not dilute the macro mean (sklearn only sees labels present).
  const padded = confusionMatrix([0, 1, 2, 2, 1, 0], [0, 0, 2, 2, 0, 0], 4);
  assert.deepEqual(precisionRecallF1(padded, 'macro'), precisionRecallF1(zd, 'macro'));
  // roc_auc_score(tt, P, multi_class='ovr') = 0.7777777777777778 (ties within columns)
  const P = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.3, 0.2], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2], [0.1, 0.1, 0.8]];
  const tt = [0, 1, 2, 1, 1, 2, 0, 0];
  assertClose([rocAucOvr(tt, [0, 1, 2].map((k) => P.map((row) => row[k])))], [0.7777777777777778], 1e-15);
});

test('regression scores match sklearn.metrics', () => {
  const t = [3.0, -0.5, 2.0, 7.0, 4.2];
  const p = [2.5, 0.0, 2.0, 8.0, 3.9];
  // sqrt(mean_squared_error) = 0.5639148871948674, mean_absolute_error = 0.46, r2_score = 0.9480256276150627
  assertClose([rmse(t, p), mae(t, p), r2(t, p)], [0.5639148871948674, 0.46, 0.9480256276150627], 1e-14);
  // r2_score([2,2,2],[2,2,2]) = 1.0 and r2_score([2,2,2],[2,2,3]) = 0.0
  assert.equal(r2([2, 2, 2], [2, 2, 2]), 1);
  assert.equal(r2([2, 2, 2], [2, 2, 3]), 0);
  assert.throws(() => rmse([1], [1, 2]), /differ in length/);
});

/** A saved logistic model with p(yes) = sigmoid(x): feeding x = logit(s) makes p(yes) = s. */
const sigmoidModel: ModelArtifact = {
  kind: 'logistic-regression', task: 'classification', target: 'churn', features: ['x'], classes: ['no', 'yes'],
  data: { coef: [[1]], intercept: [0], epochs: 1, loss: 0 },
};
const binaryTable = new Table([
  numberColumn('x', sc.map((s) => Math.log(s / (1 - s)))),
  categoryColumn('churn', yt.map((y) => (y ? 'yes' : 'no'))),
]);

function metricValues(ctx: ReturnType<typeof fakeContext>): Record<string, number> {
  return Object.fromEntries(ctx.metrics.map((m) => [m.name, m.value]));
}

test('classification-metrics evaluates the model on the test table and reports sklearn numbers', async () => {
  const input = binaryTable.slice(0, 2); // not evaluated: a 'test' table is set
  const ctx = fakeContext({}, { model: sigmoidModel, tables: { test: binaryTable } });
  const out = await classificationMetrics.run(input, ctx);
  const m = metricValues(ctx);
  assert.deepEqual(Object.keys(m), ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']);
  assertClose([m.accuracy, m.precision, m.recall, m.f1, m.roc_auc], [0.7, 1, 0.5, 0.6666666666666666, 0.7916666666666666], 1e-12);
  assert.deepEqual(ctx.reports, [{ name: 'confusion_matrix', value: { labels: ['no', 'yes'], matrix: [[4, 0], [3, 3]] } }]);
  assert.equal(out.rowCount, 10);
  assert.deepEqual(out.names, ['x', 'churn', 'prediction', 'proba=no', 'proba=yes']);
  assert.deepEqual(cells(out, 'prediction'), yp.map((y) => (y ? 'yes' : 'no')));
  assertClose(cells(out, 'proba=yes'), sc, 1e-12);
});

test('positive and average params; errors for a wrong average or positive', async () => {
  const ctx = fakeContext({ positive: 'no' }, { model: sigmoidModel });
  await classificationMetrics.run(binaryTable, ctx);
  const m = metricValues(ctx);
  // sklearn pos_label=0: (0.5714285714285714, 1.0, 0.7272727272727273), roc_auc_score(yt==0, 1-sc) = 0.7916666666666666
  assertClose([m.precision, m.recall, m.f1, m.roc_auc], [0.5714285714285714, 1, 0.7272727272727273, 0.7916666666666666], 1e-12);
  const macro = fakeContext({ average: 'macro' }, { model: sigmoidModel });
  await classificationMetrics.run(binaryTable, macro);
  // macro over {no, yes}: precision (0.5714 + 1) / 2, recall (1 + 0.5) / 2
  assertClose([metricValues(macro).precision, metricValues(macro).recall], [(4 / 7 + 1) / 2, 0.75], 1e-12);
  await assert.rejects(async () => classificationMetrics.run(binaryTable, fakeContext({ positive: 'maybe' }, { model: sigmoidModel })), /positive class 'maybe' is not one of no, yes/);
});

test('multiclass: macro averages and one-vs-rest AUC from the proba columns', async () => {
  // softmax(log p) = p, so a logistic model with identity weights on log-probability features
  // predicts exactly these probabilities. Expected numbers: sklearn on tt / P (no ties in a column).
  const P = [[0.7, 0.2, 0.1], [0.25, 0.5, 0.25], [0.15, 0.3, 0.55], [0.45, 0.33, 0.22], [0.3, 0.4, 0.3], [0.05, 0.15, 0.8], [0.36, 0.45, 0.19], [0.6, 0.09, 0.31], [0.22, 0.6, 0.18]];
  const tt = [0, 1, 2, 1, 1, 2, 0, 0, 2];
  const classes = ['ant', 'bee', 'cat'];
  const table = new Table([
    ...[0, 1, 2].map((k) => numberColumn(`l${k}`, P.map((row) => Math.log(row[k])))),
    categoryColumn('kind', tt.map((k) => classes[k])),
  ]);
  const model: ModelArtifact = {
    kind: 'logistic-regression', task: 'classification', target: 'kind', features: ['l0', 'l1', 'l2'], classes,
    data: { coef: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], intercept: [0, 0, 0], epochs: 1, loss: 0 },
  };
  const ctx = fakeContext({}, { model, target: 'kind' });
  await classificationMetrics.run(table, ctx);
  const m = metricValues(ctx);
  // accuracy 0.6666666666666666; macro (0.7222222222222222, 0.6666666666666666, 0.6793650793650793); ovr AUC 0.7962962962962963
  assertClose([m.accuracy, m.precision, m.recall, m.f1, m.roc_auc], [0.6666666666666666, 0.7222222222222222, 0.6666666666666666, 0.6793650793650793, 0.7962962962962963], 1e-12);
  assert.deepEqual(ctx.reports[0].value, { labels: classes, matrix: [[2, 1, 0], [1, 2, 0], [0, 1, 2]] });
  await assert.rejects(async () => classificationMetrics.run(table, fakeContext({ average: 'binary' }, { model })), /'binary' needs exactly 2 classes, found 3/);
});

test('a label the model never saw gets its own row in the confusion matrix', async () => {
  const table = binaryTable.withColumn(categoryColumn('churn', yt.map((y, i) => (i === 0 ? 'maybe' : y ? 'yes' : 'no'))));
  const ctx = fakeContext({}, { model: sigmoidModel });
  await classificationMetrics.run(table, ctx);
  const cm = ctx.reports[0].value as { labels: string[]; matrix: number[][] };
  assert.deepEqual(cm.labels, ['no', 'yes', 'maybe']);
  assert.deepEqual(cm.matrix, [[3, 0, 0], [3, 3, 0], [1, 0, 0]]);
  assertClose([metricValues(ctx).accuracy], [0.6], 1e-15);
});

test('explains a missing model, the wrong kind of model and a missing target column', async () => {
  await assert.rejects(
    async () => classificationMetrics.run(binaryTable, fakeContext({})),
    { message: 'classification-metrics needs a model: put a model stage (e.g. logistic-regression) before it' },
  );
  const linearModel: ModelArtifact = { kind: 'linear-regression', task: 'regression', target: 'y', features: ['x'], data: { coef: [1], intercept: 0 } };
  await assert.rejects(async () => classificationMetrics.run(binaryTable, fakeContext({}, { model: linearModel })), /does regression; use regression-metrics/);
  await assert.rejects(async () => classificationMetrics.run(binaryTable.drop(['churn']), fakeContext({}, { model: sigmoidModel })), /target column 'churn' not found/);
  await assert.rejects(async () => regressionMetrics.run(binaryTable, fakeContext({}, { model: sigmoidModel })), /does classification; use classification-metrics/);
});

test('regression-metrics reports rmse, mae and r2 and adds a prediction column', async () => {
  // prediction = 1·x + 0, so feeding x = the sklearn fixture's y_pred reproduces its numbers.
  const model: ModelArtifact = { kind: 'linear-regression', task: 'regression', target: 'y', features: ['x'], data: { coef: [1], intercept: 0 } };
  const table = new Table([numberColumn('x', [2.5, 0.0, 2.0, 8.0, 3.9]), numberColumn('y', [3.0, -0.5, 2.0, 7.0, 4.2])]);
  const ctx = fakeContext({}, { model });
  const out = await regressionMetrics.run(table, ctx);
  const m = metricValues(ctx);
  assertClose([m.rmse, m.mae, m.r2], [0.5639148871948674, 0.46, 0.9480256276150627], 1e-14);
  assert.deepEqual(cells(out, 'prediction'), [2.5, 0.0, 2.0, 8.0, 3.9]);
  await assert.rejects(async () => regressionMetrics.run(table, fakeContext({})), /regression-metrics needs a model/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table, tableFromRows } from '../../runtime/table/table';
import { stages, predictors, type LogisticModelData } from '../../runtime/stages/logistic';
import { CancelledError, TimeoutError } from '../../runtime/errors';
import type { ModelStage } from '../../runtime/stages/types';
import type { ModelArtifact } from '../../runtime/vocabulary';
import { fakeContext, assertClose } from './helpers';

const logistic = stages.find((s) => s.type === 'logistic-regression') as ModelStage;

/**
 * Deterministic fixture (integer-mod "noise"): the same formulas in numpy gave the sklearn
 * numbers below. Binary label: 0.5 + 1.5·x1 − 2·x2 + 3·noise > 0 (overlapping classes, so the
 * unpenalised optimum is finite). Three classes: argmax(x1 + 2·noise, x2 + 2·noise2, 0.3).
 */
function fixture(n: number): Table {
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const binary: string[] = [];
  const three: string[] = [];
  for (let i = 0; i < n; i++) {
    x1[i] = (((i * 37) % 101) / 101) * 4 - 2;
    x2[i] = (((i * 53 + 17) % 97) / 97) * 4 - 2;
    const noise = ((i * 71 + 5) % 89) / 89 - 0.5;
    const noise2 = ((i * 29 + 11) % 83) / 83 - 0.5;
    binary.push(0.5 + 1.5 * x1[i] - 2 * x2[i] + 3 * noise > 0 ? 'yes' : 'no');
    const s = [x1[i] + 2 * noise, x2[i] + 2 * noise2, 0.3];
    three.push('abc'[s.indexOf(Math.max(...s))]);
  }
  return new Table([numberColumn('x1', x1), numberColumn('x2', x2), categoryColumn('churn', binary), categoryColumn('kind', three)]);
}

const dataOf = (m: ModelArtifact) => m.data as unknown as LogisticModelData;

function accuracyOn(model: ModelArtifact, table: Table, target: string): number {
  const pred = predictors['logistic-regression'](model, table);
  let hits = 0;
  for (let r = 0; r < table.rowCount; r++) {
    if (pred.label.type === 'category' && pred.label.dictionary[pred.label.codes[r]] === table.cell(r, target)) hits++;
  }
  return hits / table.rowCount;
}

test('binary fit converges to scikit-learn LogisticRegression(penalty=None)', async () => {
  const table = fixture(200).drop(['kind']);
  const ctx = fakeContext({ target: 'churn', epochs: 2000, learning_rate: 1 });
  const model = await logistic.train(table, ctx);
  assert.deepEqual(model.classes, ['no', 'yes']);
  // python3: LogisticRegression(penalty=None, solver='lbfgs', tol=1e-12, max_iter=100000), sklearn 1.2.1.
  // Tolerance 1e-4: lbfgs stops on scipy's relative-objective test (ftol 2.2e-9), which leaves its
  // coefficients ~1e-5 from the optimum; a numpy replay of this same full-batch GD (lr 1, 2000
  // epochs) lands within 3e-6 of sklearn's numbers.
  assertClose(dataOf(model).coef[0], [2.697596062402006, -3.6890822569425947], 1e-4);
  assertClose(dataOf(model).intercept, [0.8692418766401853], 1e-4);
  // sklearn's model.score on the training data is 0.885.
  assert.equal(accuracyOn(model, table, 'churn'), 0.885);
});

test('l2 matches scikit-learn with C = 1 / (l2 · n)', async () => {
  // sklearn minimises C·Σ loss + ½||w||², i.e. mean loss + ||w||² / (2·C·n); l2 = 0.05, n = 200 → C = 0.1.
  // python3: LogisticRegression(C=0.1, solver='lbfgs', tol=1e-12, max_iter=100000)
  const model = await logistic.train(fixture(200), fakeContext({ target: 'churn', features: ['x1', 'x2'], epochs: 1000, learning_rate: 1, l2: 0.05 }));
  assertClose(dataOf(model).coef[0], [0.9620048002266235, -1.4397081653674662], 1e-5);
  assertClose(dataOf(model).intercept, [0.3930790142259733], 1e-5);
});

test('multiclass softmax matches scikit-learn multinomial (l2 = 0.01 ↔ C = 0.5)', async () => {
  const table = fixture(200).drop(['churn']);
  const model = await logistic.train(table, fakeContext({ target: 'kind', epochs: 2000, learning_rate: 1, l2: 0.01 }));
  assert.deepEqual(model.classes, ['a', 'b', 'c']);
  // python3: LogisticRegression(C=0.5, multi_class='multinomial', solver='lbfgs', tol=1e-12); tolerance as above.
  const expected = [
    [1.7236960455424963, -0.589941839063381],
    [-0.617896770341417, 1.6050103734150074],
    [-1.1057992752010797, -1.015068534351626],
  ];
  dataOf(model).coef.forEach((row, k) => assertClose(row, expected[k], 1e-4));
  assertClose(dataOf(model).intercept, [-0.17868228491316854, -0.0024022708438764815, 0.1810845557570452], 1e-4);
  // predict_proba of the first three rows
  const proba = predictors['logistic-regression'](model, table.slice(0, 3)).proba!;
  const sk = [
    [0.0013840396530941006, 0.010311885013337572, 0.9883040753335683],
    [0.02884760264319959, 0.8424276015306318, 0.12872479582616866],
    [0.8544667288935754, 0.015042804573411957, 0.1304904665330125],
  ];
  for (let r = 0; r < 3; r++) assertClose(proba.map((p) => p[r]), sk[r], 1e-4);
  assert.equal(accuracyOn(model, table, 'kind'), 0.85); // sklearn score: 0.85
});

test('every epoch reports loss, an inner step and progress; full-batch loss never rises', async () => {
  const ctx = fakeContext({ target: 'churn', features: ['x1', 'x2'], epochs: 300, learning_rate: 0.5 });
  const model = await logistic.train(fixture(200), ctx);
  const losses = ctx.metrics.filter((m) => m.name === 'loss');
  assert.equal(losses.length, 300);
  assert.deepEqual(losses.slice(0, 3).map((m) => m.step), [1, 2, 3]);
  // Epoch 1 reports the loss of the all-zero start: every p = 1/2.
  assertClose([losses[0].value], [Math.LN2], 1e-12);
  for (let e = 1; e < losses.length; e++) assert.ok(losses[e].value <= losses[e - 1].value, `loss rose at epoch ${e + 1}`);
  assert.ok(losses[299].value < 0.35);
  assert.equal(ctx.steps.length, 300);
  assert.deepEqual(ctx.steps[4], { label: 'epoch 5', values: { epoch: 5, loss: losses[4].value } });
  assert.equal(ctx.progressUpdates.at(-1)?.fraction, 1);
  assert.equal(dataOf(model).loss, losses[299].value);
});

test('mini-batches are shuffled by seed: same seed, same model; still learns', async () => {
  const table = fixture(200).drop(['kind']);
  const params = { target: 'churn', epochs: 100, learning_rate: 0.2, batch_size: 32 };
  const a = await logistic.train(table, fakeContext({ ...params, seed: 7 }));
  const b = await logistic.train(table, fakeContext({ ...params, seed: 7 }));
  const c = await logistic.train(table, fakeContext({ ...params, seed: 8 }));
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.ok(accuracyOn(a, table, 'churn') >= 0.85);
  // Without a seed param the stage's ctx.seed decides.
  const d = await logistic.train(table, fakeContext(params, { seed: 7 }));
  assert.deepEqual(d.data, a.data);
});

test('stops between epochs when the signal is aborted', async () => {
  const controller = new AbortController();
  const ctx = fakeContext({ target: 'churn', features: ['x1', 'x2'], epochs: 50 }, { signal: controller.signal });
  const stepped = ctx.step;
  const wrapped = { ...ctx, step: async (label: string, values?: Record<string, unknown>) => {
    await stepped(label, values);
    if (ctx.steps.length === 3) controller.abort();
  } };
  await assert.rejects(async () => logistic.train(fixture(50), wrapped), CancelledError);
  assert.equal(ctx.steps.length, 3);
  // An abort reason (e.g. the retry loop's per-attempt timeout) is thrown as is.
  const timeout = new AbortController();
  timeout.abort(new TimeoutError('attempt timed out'));
  await assert.rejects(async () => logistic.train(fixture(50), fakeContext({ target: 'churn', features: ['x1', 'x2'] }, { signal: timeout.signal })), TimeoutError);
});

test('a diverging run warns nan-loss and fails', async () => {
  const ctx = fakeContext({ target: 'churn', features: ['x1', 'x2'], epochs: 20, learning_rate: 1e308 });
  await assert.rejects(async () => logistic.train(fixture(50), ctx), /loss became NaN at epoch \d+: lower learning_rate/);
  assert.equal(ctx.warnings.length, 1);
  assert.equal(ctx.warnings[0].code, 'nan-loss');
});

test('numeric labels become sorted string classes; one class is refused', async () => {
  const rows = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ x: i, label: i < 3 ? 10 : i < 6 ? 2 : 1 }));
  const model = await logistic.train(tableFromRows(rows), fakeContext({ target: 'label', epochs: 5 }));
  assert.deepEqual(model.classes, ['1', '2', '10']);
  assert.equal(dataOf(model).coef.length, 3);
  const single = tableFromRows([{ x: 1, label: 'a' }, { x: 2, label: 'a' }]);
  await assert.rejects(async () => logistic.train(single, fakeContext({ target: 'label' })), /has 1 class\(es\) \(a\); need at least 2/);
});

test('uses the pipeline target and says what to do when there is none', async () => {
  const table = fixture(30).drop(['kind']);
  const model = await logistic.train(table, fakeContext({ epochs: 2 }, { target: 'churn' }));
  assert.equal(model.target, 'churn');
  await assert.rejects(async () => logistic.train(table, fakeContext({})), /needs a target column: set 'target:'/);
  const withMissing = table.withColumn(numberColumn('x2', Array.from({ length: 30 }, (_, i) => (i % 10 === 0 ? null : i))));
  await assert.rejects(async () => logistic.train(withMissing, fakeContext({ target: 'churn' })), /feature 'x2' has 3 missing value\(s\); add an 'impute' stage/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table, tableFromRows } from '../../runtime/table/table';
import { stages, predictors } from '../../runtime/stages/linear';
import type { ModelStage } from '../../runtime/stages/types';
import type { ModelArtifact } from '../../runtime/vocabulary';
import { fakeContext, assertClose } from './helpers';

const linear = stages.find((s) => s.type === 'linear-regression') as ModelStage;

/** Deterministic fixture (integer-mod "noise"), the same formula used to get sklearn's numbers. */
function fixture(n: number): Table {
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const x3 = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = (((i * 37) % 101) / 101) * 4 - 2;
    x2[i] = (((i * 53 + 17) % 97) / 97) * 4 - 2;
    x3[i] = x1[i] * x2[i];
    y[i] = 1.5 + 2 * x1[i] - 3 * x2[i] + ((i * 71 + 5) % 89) / 89 - 0.5;
  }
  return new Table([numberColumn('x1', x1), numberColumn('x2', x2), numberColumn('x3', x3), numberColumn('y', y)]);
}

const coefOf = (m: ModelArtifact) => (m.data as { coef: number[] }).coef;
const interceptOf = (m: ModelArtifact) => (m.data as { intercept: number }).intercept;

test('recovers exact coefficients of a noiseless plane', async () => {
  const rows = [
    [0, 0], [1, 0], [0, 1], [2, 3], [-1, 4], [5, -2],
  ].map(([a, b]) => ({ a, b, y: 3 + 2 * a - 1.5 * b }));
  const model = await linear.train(tableFromRows(rows), fakeContext({ target: 'y' }));
  assert.equal(model.kind, 'linear-regression');
  assert.equal(model.task, 'regression');
  assert.deepEqual(model.features, ['a', 'b']);
  assertClose(coefOf(model), [2, -1.5], 1e-12);
  assertClose([interceptOf(model)], [3], 1e-12);
});

test('matches scikit-learn LinearRegression on the fixture', async () => {
  // python3: LinearRegression().fit(X, y) on fixture(60), X = [x1, x2, x1*x2] (sklearn 1.2.1)
  const model = await linear.train(fixture(60), fakeContext({}, { target: 'y' }));
  assertClose(coefOf(model), [2.0068694741928854, -3.0162454056557677, -0.02758944244608469], 1e-10);
  assertClose([interceptOf(model)], [1.493622039419122], 1e-10);
});

test('l2 matches scikit-learn Ridge(alpha=5), with and without intercept', async () => {
  // python3: Ridge(alpha=5.0).fit(X, y); Ridge(alpha=5.0, fit_intercept=False).fit(X, y)
  const ridge = await linear.train(fixture(60), fakeContext({ target: 'y', l2: 5 }));
  assertClose(coefOf(ridge), [1.8630471250213734, -2.8166782232951535, -0.018608133339064487], 1e-10);
  assertClose([interceptOf(ridge)], [1.504651263653308], 1e-10);
  const noIntercept = await linear.train(fixture(60), fakeContext({ target: 'y', l2: 5, fit_intercept: false }));
  assertClose(coefOf(noIntercept), [1.818423089271645, -2.9121335310401997, 0.13921730886566233], 1e-10);
  assert.equal(interceptOf(noIntercept), 0);
});

test('the registered predictor computes intercept + x·w, after a JSON round trip', async () => {
  const table = fixture(20);
  const model = await linear.train(table, fakeContext({ target: 'y', features: ['x2', 'x1'] }));
  assert.deepEqual(model.features, ['x2', 'x1']);
  const saved = JSON.parse(JSON.stringify(model)) as ModelArtifact;
  const pred = predictors['linear-regression'](saved, table.drop(['y', 'x3']));
  assert.equal(pred.label.type, 'number');
  const [w2, w1] = coefOf(model);
  const expected = Array.from({ length: 20 }, (_, r) => interceptOf(model) + w2 * (table.cell(r, 'x2') as number) + w1 * (table.cell(r, 'x1') as number));
  assertClose(Array.from(pred.label.type === 'number' ? pred.label.values : []), expected, 1e-12);
});

test('explains a missing target, category features, missing values and collinearity', async () => {
  const t = fixture(10);
  await assert.rejects(async () => linear.train(t, fakeContext({})), /linear-regression needs a target column/);
  const withCity = t.withColumn(categoryColumn('city', Array.from({ length: 10 }, (_, i) => (i % 2 ? 'a' : 'b'))));
  await assert.rejects(async () => linear.train(withCity, fakeContext({ target: 'y' })), /'city' are categories.*One-hot or label-encode/);
  const holes = t.withColumn(numberColumn('x1', [1, null, 3, null, 5, 6, 7, 8, 9, 10]));
  await assert.rejects(async () => linear.train(holes, fakeContext({ target: 'y' })), /feature 'x1' has 2 missing value\(s\)/);
  const twice = t.withColumn(numberColumn('x3', (t.column('x1') as { values: Float64Array }).values.map((v) => 2 * v)));
  await assert.rejects(async () => linear.train(twice, fakeContext({ target: 'y' })), /feature 'x3' is constant or a linear combination/);
  // ...which a ridge penalty makes well-posed again.
  const ridge = await linear.train(twice, fakeContext({ target: 'y', l2: 0.1 }));
  assert.ok(coefOf(ridge).every(Number.isFinite));
  await assert.rejects(async () => linear.train(t, fakeContext({ target: 'nope' })), /target column 'nope' not found/);
});

test('params schema is closed and documents every property', () => {
  assert.equal(linear.params.additionalProperties, false);
  for (const [name, prop] of Object.entries(linear.params.properties)) {
    assert.ok(typeof prop.description === 'string', `${name} has a description`);
    assert.ok(typeof prop.type === 'string', `${name} has a type`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromRows, type Table } from '../../runtime/table/table';
import { stages, predictors } from '../../runtime/stages/tree';
import type { ModelStage, Predictions } from '../../runtime/stages/types';
import type { ModelArtifact } from '../../runtime/vocabulary';
import { fakeContext, cells } from './helpers';

const tree = stages.find((s) => s.type === 'decision-tree') as ModelStage;
const predictTree = predictors['decision-tree'];

function labels(p: Predictions): (string | number)[] {
  const l = p.label;
  return l.type === 'category' ? Array.from(l.codes, (c) => l.dictionary[c]) : Array.from(l.values);
}

/** Row r's probabilities, one per class. */
function probaRow(p: Predictions, r: number): number[] {
  return p.proba!.map((col) => col[r]);
}

// y switches from 'a' to 'b' between x = 3 and x = 4; `noise` carries no signal.
const steps: Table = tableFromRows(
  [1, 2, 3, 4, 5, 6].map((x, i) => ({ noise: [5, 1, 6, 2, 4, 3][i], x, y: x <= 3 ? 'a' : 'b' })),
);

test('one threshold separates the classes: the tree finds it and predicts exactly', async () => {
  const model = await tree.train(steps, fakeContext({ target: 'y' }));
  assert.equal(model.task, 'classification'); // category target → classification
  assert.deepEqual(model.classes, ['a', 'b']);
  assert.deepEqual(model.features, ['noise', 'x']);
  // By hand: the only pure split is x < (3 + 4) / 2 on feature index 1.
  const root = (model.data as { root: { splitColumn: number; splitValue: number } }).root;
  assert.equal(root.splitColumn, 1);
  assert.equal(root.splitValue, 3.5);
  const onTrain = predictTree(model, steps);
  assert.deepEqual(labels(onTrain), ['a', 'a', 'a', 'b', 'b', 'b']);
  const unseen = tableFromRows([{ noise: 9, x: 3.49 }, { noise: -9, x: 3.5 }, { noise: 0, x: 100 }]);
  const p = predictTree(model, unseen);
  assert.deepEqual(labels(p), ['a', 'b', 'b']);
  assert.deepEqual(probaRow(p, 0), [1, 0]); // pure leaves
  assert.deepEqual(probaRow(p, 1), [0, 1]);
});

test('max_depth limits the tree; min_samples_split leaves class fractions as probabilities', async () => {
  const three = tableFromRows([1, 2, 3, 4, 5, 6].map((x) => ({ x, y: x <= 2 ? 'a' : x <= 4 ? 'b' : 'c' })));
  const full = await tree.train(three, fakeContext({ target: 'y' }));
  assert.deepEqual(labels(predictTree(full, three)), ['a', 'a', 'b', 'b', 'c', 'c']);
  const stump = await tree.train(three, fakeContext({ target: 'y', max_depth: 1 }));
  assert.equal(new Set(labels(predictTree(stump, three))).size, 2);
  // 6 rows < min_samples_split 7: the root is a leaf holding 2 of each class.
  const leaf = await tree.train(three, fakeContext({ target: 'y', min_samples_split: 7 }));
  const p = predictTree(leaf, three);
  for (const v of probaRow(p, 0)) assert.ok(Math.abs(v - 1 / 3) < 1e-12);
  assert.deepEqual(labels(p), ['a', 'a', 'a', 'a', 'a', 'a']); // ties go to the first class
});

test('a number target defaults to regression and predicts leaf means', async () => {
  const table = tableFromRows([1, 2, 3, 10, 11, 12].map((x, i) => ({ x, y: x < 5 ? 5 + (i % 2) : 20 })));
  const model = await tree.train(table, fakeContext({}, { target: 'y' }));
  assert.equal(model.task, 'regression');
  assert.equal(model.classes, undefined);
  // Grown fully (min_samples_split 2), every training row ends in its own pure leaf.
  const p = predictTree(model, table);
  assert.equal(p.label.type, 'number');
  assert.deepEqual(labels(p), cells(table, 'y'));
  // A depth-1 tree splits at (3 + 10) / 2 and predicts each side's mean.
  const stump = await tree.train(table, fakeContext({ target: 'y', max_depth: 1 }));
  assert.deepEqual(labels(predictTree(stump, tableFromRows([{ x: 0 }, { x: 6.4 }, { x: 6.6 }, { x: 50 }]))), [16 / 3, 16 / 3, 20, 20]);
});

test('task: classification works on numeric labels', async () => {
  const table = tableFromRows([0.1, 0.2, 0.3, 0.7, 0.8, 0.9].map((x) => ({ x, label: x > 0.5 ? 1 : 0 })));
  const model = await tree.train(table, fakeContext({ target: 'label', task: 'classification' }));
  assert.deepEqual(model.classes, ['0', '1']);
  assert.deepEqual(labels(predictTree(model, table)), ['0', '0', '0', '1', '1', '1']);
});

test('the artifact is plain JSON and predicts the same after a round trip', async () => {
  const model = await tree.train(steps, fakeContext({ target: 'y' }));
  const text = JSON.stringify(model);
  const loaded = JSON.parse(text) as ModelArtifact;
  assert.deepEqual(loaded, model);
  assert.deepEqual(labels(predictTree(loaded, steps)), labels(predictTree(model, steps)));
  assert.deepEqual(predictTree(loaded, steps).proba, predictTree(model, steps).proba);
  // A file claiming to be something else is refused by ml-cart's load().
  const forged = { ...loaded, data: { ...(loaded.data as object), name: 'Other' } };
  assert.throws(() => predictTree(forged, steps), /Invalid model/);
});

test('clear errors: missing features at predict time, category features, missing values', async () => {
  const model = await tree.train(steps, fakeContext({ target: 'y' }));
  assert.throws(() => predictTree(model, steps.drop(['noise'])), /needs feature column\(s\) 'noise'/);
  const withHole = tableFromRows([{ noise: 1, x: null }, { noise: 2, x: 4 }]);
  assert.throws(() => predictTree(model, withHole), /feature 'x' has 1 missing value/);
  const withCategory = tableFromRows([{ c: 'u', x: 1, y: 'a' }, { c: 'v', x: 2, y: 'b' }]);
  await assert.rejects(async () => tree.train(withCategory, fakeContext({ target: 'y' })), /'c' are categories/);
});

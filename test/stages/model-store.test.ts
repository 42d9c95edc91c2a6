// Models loaded from the store: weight arrays of ≥ 4,096 numbers come back as Float64Array
// (runtime/store/binary.ts). Every predictor must give exactly what it gives for the
// number[] model that was saved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { numberColumn, categoryColumn, Table } from '../../runtime/table/table';
import { Store } from '../../runtime/store';
import { MIN_BINARY_ARRAY_LENGTH } from '../../runtime/store/binary';
import { stages as predictStages, predictWith } from '../../runtime/stages/predict';
import * as tree from '../../runtime/stages/tree';
import type { ModelStage, TransformStage } from '../../runtime/stages/types';
import type { Json, ModelArtifact } from '../../runtime/vocabulary';
import { fakeContext, cells } from './helpers';

const predict = predictStages.find((s) => s.type === 'predict') as TransformStage;
const WIDE = MIN_BINARY_ARRAY_LENGTH + 100;

function random(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** `rows` rows of `cols` feature columns f0…, values in [-1, 1). */
function wideTable(rows: number, cols: number, seed = 1): Table {
  const next = random(seed);
  return new Table(Array.from({ length: cols }, (_, j) => numberColumn(`f${j}`, Float64Array.from({ length: rows }, next))));
}

async function roundTrip(t: { after(fn: () => void): void }, model: ModelArtifact): Promise<ModelArtifact> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-model-store-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new Store(root);
  const lineage = { pipelineFileHash: 'a'.repeat(64), dataHash: 'b'.repeat(64), params: {}, runId: 'r1' };
  await store.saveVersion('wide', { artifacts: { state: {}, config: {}, model: model as unknown as Json, metrics: {} }, lineage });
  return (await new Store(root).loadVersion('wide', 'latest')).model as unknown as ModelArtifact;
}

test('a wide linear model loaded with Float64Array weights predicts exactly as the saved one', async (t) => {
  const features = Array.from({ length: WIDE }, (_, j) => `f${j}`);
  const next = random(7);
  const model: ModelArtifact = {
    kind: 'linear-regression', task: 'regression', target: 'y', features,
    data: { coef: Array.from({ length: WIDE }, next), intercept: 0.25 },
  };
  const loaded = await roundTrip(t, model);
  assert.ok((loaded.data as { coef: unknown }).coef instanceof Float64Array);
  const input = wideTable(20, WIDE);
  const expected = predictionCells(model, input);
  assert.deepEqual(predictionCells(loaded, input), expected);
  const viaStage = await predict.run(input, fakeContext({}, { model: loaded, mode: 'inference' }));
  assert.deepEqual(cells(viaStage, 'prediction'), expected.label);
  assert.ok(new Set(expected.label).size > 10, 'the fixture is not degenerate');
});

/** Predicted labels (class names or numbers) and class probabilities, as plain arrays. */
function predictionCells(model: ModelArtifact, input: Table): Record<string, unknown[]> {
  const p = predictWith('predict', model, input);
  const label = p.label.type === 'number' ? Array.from(p.label.values) : Array.from(p.label.codes, (c) => p.label.type === 'category' ? p.label.dictionary[c] : c);
  const out: Record<string, unknown[]> = { label };
  p.proba?.forEach((col, k) => (out[`p${k}`] = Array.from(col)));
  return out;
}

test('wide logistic models (binary and softmax) loaded with Float64Array rows predict exactly as saved', async (t) => {
  const features = Array.from({ length: WIDE }, (_, j) => `f${j}`);
  const input = wideTable(25, WIDE, 3);
  for (const classes of [['no', 'yes'], ['a', 'b', 'c']]) {
    const next = random(classes.length);
    const rows = classes.length === 2 ? 1 : classes.length;
    const model: ModelArtifact = {
      kind: 'logistic-regression', task: 'classification', target: 'y', features, classes,
      data: {
        coef: Array.from({ length: rows }, () => Array.from({ length: WIDE }, () => next() / 20)),
        intercept: Array.from({ length: rows }, next),
        epochs: 1,
        loss: 0.5,
      },
    };
    const loaded = await roundTrip(t, model);
    const coef = (loaded.data as { coef: unknown[] }).coef;
    assert.ok(coef.every((row) => row instanceof Float64Array), 'rows load as Float64Array');
    const expected = predictionCells(model, input);
    assert.deepEqual(predictionCells(loaded, input), expected);
    assert.equal(new Set(expected.label).size, classes.length, 'every class is predicted somewhere');
  }
});

test('a decision tree saved and loaded through the store predicts as before, and so does one holding a Float64Array', async (t) => {
  const n = 200;
  const next = random(11);
  const x1 = Float64Array.from({ length: n }, next);
  const x2 = Float64Array.from({ length: n }, next);
  const label = Array.from(x1, (v, i) => (v + x2[i] > 0 ? 'up' : 'down'));
  const train = new Table([numberColumn('x1', x1), numberColumn('x2', x2), categoryColumn('label', label)]);
  const model = await (tree.stages[0] as ModelStage).train(train, fakeContext({ max_depth: 4 }, { target: 'label' }));
  const input = train.drop(['label']);
  const loaded = await roundTrip(t, model);
  assert.deepEqual(predictionCells(loaded, input), predictionCells(model, input));
  // ml-cart wants plain arrays: a typed array anywhere in the tree data is turned back.
  const withTyped = { ...model, data: { ...(model.data as Record<string, Json>), extra: new Float64Array([1, 2]) as unknown as Json } };
  assert.deepEqual(predictionCells(withTyped, input), predictionCells(model, input));
});

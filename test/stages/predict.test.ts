import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table } from '../../runtime/table/table';
import { stages as predictStages, predictWith } from '../../runtime/stages/predict';
import * as logistic from '../../runtime/stages/logistic';
import * as linear from '../../runtime/stages/linear';
import * as tree from '../../runtime/stages/tree';
import type { ModelStage, TransformStage } from '../../runtime/stages/types';
import type { ModelArtifact } from '../../runtime/vocabulary';
import Ajv from 'ajv';
import * as metrics from '../../runtime/stages/metrics';
import { predictors } from '../../runtime/stages/registry';
import { fakeContext, cells } from './helpers';

const predict = predictStages.find((s) => s.type === 'predict') as TransformStage;
const logisticStage = logistic.stages[0] as ModelStage;

/** Three overlapping classes on two features, plus the label column. */
function fixture(n: number): Table {
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const label: string[] = [];
  for (let i = 0; i < n; i++) {
    x1[i] = (((i * 37) % 101) / 101) * 4 - 2;
    x2[i] = (((i * 53 + 17) % 97) / 97) * 4 - 2;
    const noise = ((i * 71 + 5) % 89) / 89 - 0.5;
    label.push(x1[i] + noise > 0.5 ? 'high' : x2[i] + noise > 0 ? 'mid' : 'low');
  }
  return new Table([numberColumn('x1', x1), numberColumn('x2', x2), categoryColumn('label', label)]);
}

test('end to end: a trained logistic model predicts identically after a JSON round trip', async () => {
  const train = fixture(300);
  const model = await logisticStage.train(train, fakeContext({ target: 'label', epochs: 200, learning_rate: 0.5 }));
  const saved = JSON.parse(JSON.stringify(model)) as ModelArtifact;
  assert.deepEqual(saved, model);

  // Inference data: new rows, no label column.
  const fresh = fixture(340).slice(300, 340).drop(['label']);
  const direct = logistic.predictors['logistic-regression'](model, fresh);
  const out = await predict.run(fresh, fakeContext({}, { model: saved, mode: 'inference' }));
  assert.deepEqual(out.names, ['x1', 'x2', 'prediction', 'proba=high', 'proba=low', 'proba=mid']);
  const labelCol = out.column('prediction');
  assert.equal(labelCol.type, 'category');
  assert.deepEqual(cells(out, 'prediction'), Array.from(direct.label.type === 'category' ? direct.label.codes : [], (c) => model.classes![c]));
  model.classes!.forEach((cls, k) => assert.deepEqual(cells(out, `proba=${cls}`), Array.from(direct.proba![k])));
  // Probabilities are a distribution and the label is their argmax; the model is better than chance.
  let agree = 0;
  for (let r = 0; r < out.rowCount; r++) {
    const p = model.classes!.map((c) => out.cell(r, `proba=${c}`) as number);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(out.cell(r, 'prediction'), model.classes![p.indexOf(Math.max(...p))]);
    if (out.cell(r, 'prediction') === fixture(340).cell(300 + r, 'label')) agree++;
  }
  assert.ok(agree / out.rowCount > 0.7, `accuracy ${agree / out.rowCount}`);
});

test('the registry exposes the same predictors by model kind', () => {
  const own = { ...linear.predictors, ...logistic.predictors, ...tree.predictors };
  assert.deepEqual(Object.keys(own), ['linear-regression', 'logistic-regression', 'decision-tree']);
  for (const [kind, fn] of Object.entries(own)) assert.equal(predictors.get(kind), fn, kind);
});

test("'column' renames the label; 'probabilities: false' leaves the proba columns out", async () => {
  const table = fixture(60);
  const model = await (tree.stages[0] as ModelStage).train(table, fakeContext({ target: 'label', max_depth: 3 }));
  const out = await predict.run(table, fakeContext({ column: 'guess', probabilities: false }, { model }));
  assert.deepEqual(out.names, ['x1', 'x2', 'label', 'guess']);
  assert.deepEqual(cells(out, 'guess'), cells(await predict.run(table, fakeContext({}, { model })), 'prediction'));
});

test('regression models add one number column', async () => {
  const table = new Table([numberColumn('x', [0, 1, 2, 3]), numberColumn('y', [1, 3, 5, 7])]);
  const model = await (linear.stages[0] as ModelStage).train(table, fakeContext({ target: 'y' }));
  const out = await predict.run(table.drop(['y']), fakeContext({}, { model }));
  assert.deepEqual(out.names, ['x', 'prediction']);
  assert.equal(out.column('prediction').type, 'number');
  cells(out, 'prediction').forEach((v, i) => assert.ok(Math.abs((v as number) - (1 + 2 * i)) < 1e-12));
});

test('clear errors: no model, a missing feature, missing values, an unknown model kind', async () => {
  const table = fixture(10);
  await assert.rejects(async () => predict.run(table, fakeContext({}, { stage: 'score' })), /score \(predict\) needs a model: .*run with a version that has a saved model/);
  const model = await logisticStage.train(table, fakeContext({ target: 'label', epochs: 3 }));
  await assert.rejects(async () => predict.run(table.drop(['x2']), fakeContext({}, { model, stage: 'score' })), /score: the model \(logistic-regression\) needs feature column\(s\) 'x2'/);
  const holes = table.withColumn(numberColumn('x1', Array.from({ length: 10 }, (_, i) => (i < 4 ? null : i))));
  await assert.rejects(async () => predict.run(holes, fakeContext({}, { model, stage: 'score' })), /score: feature 'x1' has 4 missing value\(s\)/);
  assert.throws(() => predictWith('predict', { ...model, kind: 'svm' }, table), /no predictor for model kind 'svm'/);
});

test('every model, metrics and predict stage has a closed, documented params schema that ajv compiles', () => {
  const all = [...linear.stages, ...logistic.stages, ...tree.stages, ...metrics.stages, ...predictStages];
  assert.deepEqual(all.map((s) => s.type), ['linear-regression', 'logistic-regression', 'decision-tree', 'classification-metrics', 'regression-metrics', 'predict']);
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
  for (const stage of all) {
    assert.ok(stage.summary.length > 10 && !stage.summary.includes('\n'), `${stage.type} summary`);
    assert.equal(stage.params.additionalProperties, false);
    for (const [name, prop] of Object.entries(stage.params.properties)) {
      assert.equal(typeof prop.description, 'string', `${stage.type}.${name} description`);
      assert.ok(prop.type, `${stage.type}.${name} type`);
    }
    const validate = ajv.compile(stage.params);
    assert.equal(validate({ nonsense: 1 }), false, `${stage.type} rejects unknown params`);
  }
  const validate = ajv.compile(logistic.stages[0].params);
  const params: Record<string, unknown> = { target: 'y' };
  assert.ok(validate(params));
  assert.deepEqual(params, { target: 'y', epochs: 100, learning_rate: 0.1, l2: 0 });
  assert.equal(validate({ learning_rate: 0 }), false);
  assert.equal(validate({ epochs: 1.5 }), false);
});

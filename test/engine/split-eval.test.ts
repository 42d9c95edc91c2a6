// The train run's protocol: held-out rows are separated before anything is fitted, go
// through exactly the inference path, and the evaluation stages score those predictions.
// Inference output is the input's own columns plus predictions, in input order, with
// unscorable rows handled by `rejects:`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipeline, readTable, runPipeline, Store, type EngineEvent } from '../../runtime';
import { BASE_PIPELINE, makeCsv, workspace } from './fixture';

/** BASE_PIPELINE with its held-out rows in a data.test file instead of split.test. */
const WITH_TEST_FILE = BASE_PIPELINE.replace('  inference: data/new.csv\n', '  test: data/test.csv\n  inference: data/new.csv\n').replace(
  'split: { test: 0.25, seed: "${params.seed}" }\n',
  '',
);

/** makeCsv rows with x and y moved far outside the training range (x + 1000, y × 50). */
function farCsv(rows: number): string {
  const [header, ...lines] = makeCsv(rows, 5).trim().split('\n');
  return [header, ...lines.map((l) => {
    const [x, y, plan, label] = l.split(',');
    return [x === '' ? '' : String(Number(x) + 1000), String(Number(y) * 50), plan, label].join(',');
  })].join('\n') + '\n';
}

function numbers(csv: string, column: number): number[] {
  return csv.trim().split('\n').slice(1).map((l) => l.split(',')[column]).filter((v) => v !== '').map(Number);
}

test('data.test far outside the training range: fitted state sees the training rows only, metrics come from the inference path', async () => {
  const ws = workspace(WITH_TEST_FILE);
  try {
    const test = farCsv(60);
    ws.write('data/test.csv', test);
    const spec = await loadPipeline(ws.file);
    const trained = await runPipeline(spec);
    assert.equal(trained.status, 'ok', trained.error?.message);

    // By hand, from the training file alone: the median of x, then mean and population std
    // of the imputed x and of y. Had a single held-out row been fitted on, these would be far off.
    const trainCsv = fs.readFileSync(path.join(ws.dir, 'data/train.csv'), 'utf8');
    const xs = numbers(trainCsv, 0).sort((a, b) => a - b);
    const median = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
    const rows = trainCsv.trim().split('\n').length - 1;
    const imputedX = [...xs, ...Array(rows - xs.length).fill(median)];
    const ys = numbers(trainCsv, 1);
    const meanStd = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean: m, scale: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) };
    };
    const impute = trained.states.impute as { fills: Record<string, number> };
    assert.equal(impute.fills.x, median);
    const scale = trained.states.scale as { columns: Record<string, { mean: number; scale: number }> };
    for (const [name, values] of [['x', imputedX], ['y', ys]] as const) {
      const want = meanStd(values);
      assert.ok(Math.abs(scale.columns[name].mean - want.mean) < 1e-9, `${name} mean ${scale.columns[name].mean} vs ${want.mean}`);
      assert.ok(Math.abs(scale.columns[name].scale - want.scale) < 1e-9, `${name} scale ${scale.columns[name].scale} vs ${want.scale}`);
    }
    assert.ok(scale.columns.x.mean < 10, 'no held-out x (≥ 1000) reached the scaler');

    // The evaluation's accuracy equals serving the test file with the saved version and
    // counting hits by hand: the metrics measure what inference serves.
    const served = await runPipeline(spec, { mode: 'inference', version: trained.version, data: path.join(ws.dir, 'data/test.csv') });
    assert.equal(served.status, 'ok', served.error?.message);
    const truth = test.trim().split('\n').slice(1).map((l) => l.split(',')[3]);
    const predicted = served.output.toRows().map((r) => r.prediction);
    const hits = truth.filter((t, i) => t === predicted[i]).length;
    assert.equal(trained.metrics.accuracy, hits / truth.length);
    // The far-off rows really are off the training distribution: most are predicted 'yes'.
    assert.ok(predicted.filter((p) => p === 'yes').length > 50);

    // The version says how it was evaluated.
    const saved = await new Store(spec.store).loadVersion('toy', trained.version!);
    assert.equal((saved.config as { test?: string }).test, 'test.csv');
  } finally {
    ws.cleanup();
  }
});

test('split.test: feature stages fit on the training rows; the held-out rows are replayed, never fitted', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    const events: EngineEvent[] = [];
    const trained = await runPipeline(spec, { store: false, onEvent: (e) => events.push(e) });
    assert.equal(trained.status, 'ok', trained.error?.message);
    const ends = events.filter((e): e is Extract<EngineEvent, { type: 'stage-end' }> => e.type === 'stage-end');
    const rowsOf = (stage: string, phase: string) => ends.find((e) => e.ref.stage === stage && e.ref.phase === phase)!.rowsIn;
    // 400 rows: ceil(400 × 0.25) = 100 held out, 300 for fitting.
    assert.equal(rowsOf('impute', 'fit'), 300);
    assert.equal(rowsOf('fit', 'fit'), 300);
    assert.equal(rowsOf('impute', 'evaluate'), 100);
    assert.equal(rowsOf('evaluate', 'evaluate'), 100);
    const logs = events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
    assert.ok(logs.includes('split: 300 training rows, 100 held-out rows (test=0.25, seed 3)'), logs.join('\n'));
    // What the evaluation stage saw: the held-out rows' own columns (x unscaled) plus predictions.
    assert.deepEqual(trained.output.names, ['x', 'y', 'plan', 'label', 'prediction', 'proba=no', 'proba=yes']);
    assert.ok((trained.output.column('x') as { values: Float64Array }).values.some((v) => v > 2), 'original, unscaled x');
  } finally {
    ws.cleanup();
  }
});

test('cross-validation: per-fold and mean ± std metrics in the version; the final model is fitted on all training rows', async () => {
  const ws = workspace(BASE_PIPELINE.replace('split: { test: 0.25, seed: "${params.seed}" }', 'split: { folds: 4, seed: 1, stratify: true }'));
  try {
    const spec = await loadPipeline(ws.file);
    const events: EngineEvent[] = [];
    const trained = await runPipeline(spec, { onEvent: (e) => events.push(e) });
    assert.equal(trained.status, 'ok', trained.error?.message);
    const folds = [1, 2, 3, 4].map((f) => trained.metrics[`cv.fold${f}.accuracy`]);
    for (const a of folds) assert.ok(a > 0.7 && a <= 1, `fold accuracy ${a}`);
    const mean = folds.reduce((a, b) => a + b, 0) / 4;
    const std = Math.sqrt(folds.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    assert.ok(Math.abs(trained.metrics['cv.accuracy.mean'] - mean) < 1e-12);
    assert.ok(Math.abs(trained.metrics['cv.accuracy.std'] - std) < 1e-12);
    // No test rows: no plain `accuracy` (that name means held-out test rows scored by the final model).
    assert.equal(trained.metrics.accuracy, undefined);
    // Each fold fits on 3/4 of the 400 rows and scores the other 100; the final fit sees all 400.
    const fits = events.filter((e): e is Extract<EngineEvent, { type: 'stage-start' }> => e.type === 'stage-start' && e.ref.stage === 'fit');
    assert.deepEqual(fits.map((e) => [e.ref.fold ?? 'final', e.rowsIn]), [[1, 300], [2, 300], [3, 300], [4, 300], ['final', 400]]);
    const saved = await new Store(spec.store).loadVersion('toy', trained.version!);
    const metrics = saved.metrics as Record<string, unknown>;
    assert.equal(metrics['cv.accuracy.mean'], trained.metrics['cv.accuracy.mean']);
    assert.ok(metrics['cv.fold2.confusion_matrix'], 'per-fold reports are kept');
    // The record keeps each execution apart: one `fit` record per fold plus the final one.
    assert.equal(trained.record.stages.filter((s) => s.stage === 'fit').length, 5);
  } finally {
    ws.cleanup();
  }
});

test('split.column marks the held-out rows, and is dropped before fitting', async () => {
  const csv = makeCsv(200, 1).trim().split('\n');
  const marked = [`${csv[0]},is_test`, ...csv.slice(1).map((l, i) => `${l},${i % 5 === 0 ? 'yes' : 'no'}`)].join('\n') + '\n';
  const ws = workspace(BASE_PIPELINE.replace('split: { test: 0.25, seed: "${params.seed}" }', 'split: { column: is_test }'));
  try {
    ws.write('data/train.csv', marked);
    const trained = await runPipeline(await loadPipeline(ws.file), { store: false });
    assert.equal(trained.status, 'ok', trained.error?.message);
    assert.equal(trained.output.rowCount, 40);
    assert.ok(!trained.output.has('is_test'));
    assert.ok(!(trained.model!.features as string[]).includes('is_test'));
  } finally {
    ws.cleanup();
  }
});

/** BASE_PIPELINE with a row filter in feature and a rejects policy. */
function filtering(rejects: string): string {
  return BASE_PIPELINE.replace('feature:\n', `${rejects}feature:\n  - stage: keep\n    uses: filter\n    with: { where: "y < 1.9" }\n`);
}

test('inference output: the input rows\' own columns plus predictions, in input order', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    assert.equal((await runPipeline(spec)).status, 'ok');
    const served = await runPipeline(spec, { mode: 'inference' });
    assert.equal(served.status, 'ok', served.error?.message);
    const input = await readTable(spec.data.inference);
    assert.deepEqual(served.output.names, ['x', 'y', 'plan', 'prediction', 'proba=no', 'proba=yes']);
    assert.deepEqual(served.output.select(input.names).toRows(), input.toRows());
  } finally {
    ws.cleanup();
  }
});

test('rejects: fail (default) fails the batch naming the rows; reject writes them with a reason and counts them', async () => {
  // New rows with y ≥ 1.9 are removed by the filter, and one has x missing with the imputer
  // dropped from the pipeline, so it cannot be scored either.
  const newRows = 'x,y,plan\n1,0.5,pro\n2,1.95,basic\n,0.7,pro\n3,0.2,basic\n';
  const noImpute = (text: string) => text.replace('  - stage: impute\n    uses: impute\n    with: { strategy: median }\n', '');
  // Training rows all pass the filter and have x (so the train run's held-out rows score).
  const clean = makeCsv(400, 1).split('\n').filter((l) => !l.startsWith(',') && !(Number(l.split(',')[1]) >= 1.9)).join('\n');
  const failing = workspace(filtering(''));
  try {
    failing.write('data/train.csv', clean);
    failing.write('toy.pipeline.yaml', noImpute(filtering('')));
    const spec = await loadPipeline(failing.file);
    const trained = await runPipeline(spec);
    assert.equal(trained.status, 'ok', trained.error?.message);
    failing.write('data/new.csv', newRows);
    const served = await runPipeline(spec, { mode: 'inference' });
    assert.equal(served.status, 'failed');
    assert.match(served.error!.message, /2 rows cannot be scored \(input row 2: removed by stage 'keep'; input row 3: feature 'x' is missing after the feature stages\)\. The batch fails/);
    assert.match(served.error!.message, /rejects: \{ policy: reject, file: out\/rejects\.csv \}/);
  } finally {
    failing.cleanup();
  }

  const ws = workspace(noImpute(filtering('rejects: { policy: reject, file: out/rejects.csv }\n')));
  try {
    ws.write('data/train.csv', clean);
    const spec = await loadPipeline(ws.file);
    assert.equal((await runPipeline(spec)).status, 'ok');
    ws.write('data/new.csv', newRows);
    const served = await runPipeline(spec, { mode: 'inference' });
    assert.equal(served.status, 'ok', served.error?.message);
    assert.deepEqual(served.output.toRows().map((r) => [r.x, r.y, r.plan]), [[1, 0.5, 'pro'], [3, 0.2, 'basic']]);
    assert.ok(served.output.has('prediction'));
    const rejects = await readTable(path.join(ws.dir, 'out/rejects.csv'));
    assert.deepEqual(rejects.toRows().map((r) => ({ ...r })), [
      { x: 2, y: 1.95, plan: 'basic', reason: "removed by stage 'keep'" },
      { x: null, y: 0.7, plan: 'pro', reason: "feature 'x' is missing after the feature stages" },
    ]);
    assert.deepEqual(served.record.rejects, { rows: 2, file: path.join(ws.dir, 'out/rejects.csv') });
  } finally {
    ws.cleanup();
  }
});

test('rejects in a train run: unscorable held-out rows are left out of the evaluation and counted, not written', async () => {
  // No imputer: held-out rows with x missing cannot be scored. Training rows all have x.
  const text = BASE_PIPELINE.replace('  - stage: impute\n    uses: impute\n    with: { strategy: median }\n', '').replace(
    'feature:\n',
    'rejects: { policy: reject, file: out/rejects.csv }\nfeature:\n',
  );
  const ws = workspace(text);
  try {
    const lines = makeCsv(400, 1).trim().split('\n');
    // Every 17th row (x missing) goes to the end, so with shuffle: false they are all held out.
    const complete = lines.slice(1).filter((l) => !l.startsWith(','));
    const missing = lines.slice(1).filter((l) => l.startsWith(','));
    ws.write('data/train.csv', [lines[0], ...complete, ...missing].join('\n') + '\n');
    ws.write('toy.pipeline.yaml', text.replace('split: { test: 0.25, seed: "${params.seed}" }', 'split: { test: 0.25, shuffle: false }'));
    const trained = await runPipeline(await loadPipeline(ws.file));
    assert.equal(trained.status, 'ok', trained.error?.message);
    assert.equal(trained.output.rowCount, 100 - missing.length, 'the evaluation scored the scorable held-out rows only');
    assert.deepEqual(trained.record.rejects, { rows: missing.length });
    assert.ok(!fs.existsSync(path.join(ws.dir, 'out/rejects.csv')), 'a train run counts held-out rejects; only inference writes the file');
  } finally {
    ws.cleanup();
  }
});

test('without a predict stage in inference, held-out rows get the built-in predict (an implicit stage at the evaluation: line)', async () => {
  const text = BASE_PIPELINE.replace('inference:\n  - stage: predict\n    uses: predict\n', '');
  const ws = workspace(text);
  try {
    const events: EngineEvent[] = [];
    const trained = await runPipeline(await loadPipeline(ws.file), { store: false, onEvent: (e) => events.push(e) });
    assert.equal(trained.status, 'ok', trained.error?.message);
    const predict = events.find((e): e is Extract<EngineEvent, { type: 'stage-start' }> => e.type === 'stage-start' && e.ref.stage === 'predict');
    assert.ok(predict, 'an implicit predict ran');
    assert.equal(predict.ref.line, text.split('\n').indexOf('evaluation:') + 1);
    assert.ok(trained.metrics.accuracy > 0.7);
  } finally {
    ws.cleanup();
  }
});

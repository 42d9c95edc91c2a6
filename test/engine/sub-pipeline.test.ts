// A sub-pipeline in the feature section: the engine runs the flat stage list, keys fitted
// state by full names (`prep/impute`), and inference replays exactly what training fitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadPipeline, runPipeline, Store } from '../../runtime';
import type { Table } from '../../runtime/table/table';
import { workspace, BASE_PIPELINE, PREP_PIPELINE as PREP, WITH_SUB_PIPELINE as WITH_SUB } from './fixture';


function cells(t: Table): unknown[][] {
  const out: unknown[][] = [];
  for (let r = 0; r < t.rowCount; r++) out.push(t.columns.map((c) => t.cell(r, c.name)));
  return out;
}

test('sub-pipeline: train then inference replays the included stages from the saved state, identical to the same stages written inline', async () => {
  assert.notEqual(WITH_SUB, BASE_PIPELINE);
  const flat = workspace();
  const sub = workspace(WITH_SUB);
  try {
    sub.write('shared/prep.pipeline.yaml', PREP);
    const flatSpec = await loadPipeline(flat.file);
    const subSpec = await loadPipeline(sub.file);
    assert.deepEqual(subSpec.feature.map((s) => s.name), ['prep/impute', 'prep/scale', 'encode']);

    const flatTrain = await runPipeline(flatSpec, { mode: 'train' });
    const subTrain = await runPipeline(subSpec, { mode: 'train' });
    assert.equal(subTrain.status, 'ok', subTrain.error?.message);
    assert.deepEqual(Object.keys(subTrain.states).sort(), ['encode', 'prep/impute', 'prep/scale']);
    assert.deepEqual(subTrain.states['prep/impute'], flatTrain.states.impute);
    assert.deepEqual(subTrain.states['prep/scale'], flatTrain.states.scale);
    assert.deepEqual(subTrain.metrics, flatTrain.metrics);
    assert.deepEqual(subTrain.record.stages.map((s) => s.stage), ['prep/impute', 'prep/scale', 'encode', 'split', 'fit', 'evaluate']);

    const saved = await new Store(subSpec.store).loadVersion('toy', 1);
    assert.deepEqual(Object.keys(saved.state as object).sort(), ['encode', 'prep/impute', 'prep/scale']);

    // Far-off rows: a refit would centre them; a replay uses the training statistics.
    for (const ws of [flat, sub]) ws.write('data/new.csv', 'x,y,plan\n100,100,pro\n,101,basic\n3,1,pro\n');
    assert.equal(subSpec.store, path.join(sub.dir, '.plumb'));
    const flatFeat = await runPipeline(flatSpec, { mode: 'inference', stopAfter: 'encode' });
    const subFeat = await runPipeline(subSpec, { mode: 'inference', stopAfter: 'encode' });
    assert.equal(subFeat.status, 'ok', subFeat.error?.message);
    assert.equal(flatFeat.status, 'ok', flatFeat.error?.message);
    assert.equal(subFeat.output.rowCount, 3);
    assert.deepEqual(cells(subFeat.output), cells(flatFeat.output));
    assert.ok((subFeat.output.cell(0, 'x') as number) > 10, 'scaled with the training mean, not refitted');

    const flatServed = await runPipeline(flatSpec, { mode: 'inference' });
    const subServed = await runPipeline(subSpec, { mode: 'inference' });
    assert.equal(subServed.status, 'ok', subServed.error?.message);
    assert.equal(subServed.output.rowCount, 3);
    assert.deepEqual(cells(subServed.output), cells(flatServed.output));
  } finally {
    flat.cleanup();
    sub.cleanup();
  }
});

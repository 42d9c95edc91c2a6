import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  loadPipeline,
  runPipeline,
  Store,
  type EngineEvent,
  type Controller,
  type NumberColumn,
  type PipelineSpec,
  type StageSpec,
  type StageContext,
  type ModelArtifact,
  type RunResult,
  Table,
  readTable,
  builtinStages,
} from '../../runtime';
import { workspace, BASE_PIPELINE } from './fixture';

test('train saves a version; inference replays the saved state and matches the in-process model', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    const trained = await runPipeline(spec, { mode: 'train' });
    assert.equal(trained.status, 'ok', trained.error?.message);
    assert.equal(trained.version, 1);
    assert.ok(trained.metrics.accuracy > 0.8, `accuracy ${trained.metrics.accuracy}`);
    assert.deepEqual(Object.keys(trained.states).sort(), ['encode', 'impute', 'scale']);

    const store = new Store(spec.store);
    const saved = await store.loadVersion('toy', 1);
    assert.deepEqual(saved.state, trained.states);
    assert.deepEqual(saved.model, trained.model);
    assert.equal(saved.manifest.pipelineFileHash, spec.fileHash);

    const served = await runPipeline(spec, { mode: 'inference', version: 1 });
    assert.equal(served.status, 'ok', served.error?.message);
    assert.equal(served.version, 1);
    assert.equal(served.output.rowCount, 50);

    // Expected, computed in process without the store: the new rows through each feature
    // stage's transform with the training run's own states, then the predict stage with its
    // in-memory model. Every column (labels and each probability) must match exactly.
    const expected = await replayInProcess(spec, trained);
    assert.deepEqual(served.output.names, expected.names);
    assert.ok(expected.names.includes('prediction') && expected.names.some((n) => n.startsWith('proba=')), expected.names.join());
    for (const name of expected.names) {
      assert.deepEqual(columnCells(served.output, name), columnCells(expected, name), `column ${name}`);
    }
  } finally {
    ws.cleanup();
  }
});

/** The cells of one column, as plain values (numbers compared exactly, NaN for missing). */
function columnCells(t: Table, name: string): unknown[] {
  const out: unknown[] = [];
  for (let r = 0; r < t.rowCount; r++) out.push(t.cell(r, name));
  return out;
}

/** A stage context for calling built-in stages directly, as the engine would in inference. */
function directContext(spec: PipelineSpec, s: StageSpec, model?: ModelArtifact): StageContext {
  return {
    stage: s.name,
    uses: s.uses,
    mode: 'inference',
    params: s.with,
    pipelineParams: spec.params,
    attempt: 1,
    signal: new AbortController().signal,
    baseDir: path.dirname(spec.file),
    seed: 0,
    target: spec.target,
    log() {},
    warn() {},
    metric() {},
    step: async () => {},
    report() {},
    progress() {},
    model,
    getTable: () => undefined,
    setTable() {},
  } as unknown as StageContext;
}

/** The inference the engine should do, by hand: read, transform with fitted states, predict. */
async function replayInProcess(spec: PipelineSpec, trained: RunResult): Promise<Table> {
  let t = await readTable(spec.data.inference);
  for (const s of spec.feature) {
    const def = builtinStages.get(s.uses)!;
    assert.equal(def.kind, 'fitted', `${s.name} is a fitted stage`);
    if (def.kind === 'fitted') t = await def.transform(t, trained.states[s.name] as never, directContext(spec, s));
  }
  for (const s of spec.inference) {
    const def = builtinStages.get(s.uses)!;
    if (def.kind === 'transform') t = await def.run(t, directContext(spec, s, trained.model));
  }
  return t;
}

test('inference never refits: scaling uses the mean learned in training', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    const trained = await runPipeline(spec, { mode: 'train' });
    assert.equal(trained.status, 'ok', trained.error?.message);
    // New data far from the training distribution: a refit would centre it on 0.
    ws.write('data/new.csv', 'x,y,plan\n100,100,pro\n101,101,basic\n');
    const served = await runPipeline(spec, { mode: 'inference', stopAfter: 'scale' });
    assert.equal(served.status, 'ok', served.error?.message);
    const x = served.output.column('x') as NumberColumn;
    assert.ok(x.values[0] > 10, `x scaled with training statistics, got ${x.values[0]}`);
    assert.ok(x.values[1] > x.values[0]);
  } finally {
    ws.cleanup();
  }
});

test('events cover the run and the monitor record is saved in the store', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    const events: EngineEvent[] = [];
    const r = await runPipeline(spec, { onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'ok');
    const types = new Set(events.map((e) => e.type));
    for (const t of ['run-start', 'section-start', 'stage-start', 'attempt-start', 'attempt-end', 'stage-end', 'metric', 'step', 'run-end']) {
      assert.ok(types.has(t as EngineEvent['type']), `missing ${t}`);
    }
    const starts = events.filter((e) => e.type === 'stage-start').map((e) => (e as { ref: { stage: string } }).ref.stage);
    assert.deepEqual(starts, ['impute', 'scale', 'encode', 'split', 'fit', 'evaluate']);
    const steps = events.filter((e) => e.type === 'step');
    assert.equal(steps.length, 40, 'one inner step per epoch');
    const runs = await new Store(spec.store).listRuns('toy');
    assert.equal(runs.length, 1);
    assert.equal((runs[0] as { runId: string }).runId, r.runId);
  } finally {
    ws.cleanup();
  }
});

test('controller: pauses before each stage at its line, sees epochs, reruns with edited params, goes back', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    const seen: string[] = [];
    let steps = 0;
    let reran = false;
    let wentBack = false;
    const controller: Controller = {
      beforeStage(p) {
        seen.push(`${p.ref.stage}@${p.ref.line}`);
        if (p.ref.stage === 'evaluate' && !wentBack) {
          wentBack = true;
          return { action: 'goto', index: 3 }; // back to split
        }
      },
      atStep() {
        steps++;
      },
      afterStage(p) {
        if (p.ref.stage === 'fit' && !reran) {
          reran = true;
          p.params.epochs = 5;
          return { action: 'rerun' };
        }
      },
    };
    const r = await runPipeline(spec, { controller, store: false });
    assert.equal(r.status, 'ok', r.error?.message);
    const lines = BASE_PIPELINE.split('\n');
    const lineOf = (name: string): number => lines.findIndex((l) => l.includes(`stage: ${name}`)) + 1;
    assert.deepEqual(seen, [
      `impute@${lineOf('impute')}`,
      `scale@${lineOf('scale')}`,
      `encode@${lineOf('encode')}`,
      `split@${lineOf('split')}`,
      `fit@${lineOf('fit')}`,
      `fit@${lineOf('fit')}`,
      `evaluate@${lineOf('evaluate')}`,
      `split@${lineOf('split')}`,
      `fit@${lineOf('fit')}`,
      `evaluate@${lineOf('evaluate')}`,
    ]);
    // 40 epochs, then the rerun with 5, then 5 again after going back (params stay edited).
    assert.equal(steps, 50);
  } finally {
    ws.cleanup();
  }
});

test('cancellation mid-stage ends the run as cancelled and saves no version', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    const abort = new AbortController();
    const r = await runPipeline(spec, {
      signal: abort.signal,
      controller: {
        atStep(p) {
          if (p.index === 2) abort.abort();
        },
      },
    });
    assert.equal(r.status, 'cancelled');
    assert.deepEqual(await new Store(spec.store).listVersions('toy'), []);
  } finally {
    ws.cleanup();
  }
});

test('a user TypeScript stage that fails transiently is retried by its policy; attempts are recorded', async () => {
  const ws = workspace(
    BASE_PIPELINE.replace(
      'inference:\n  - stage: predict\n    uses: predict\n',
      `inference:
  - stage: predict
    uses: predict
  - stage: flaky
    uses: ./stages/flaky.ts
    retry: { attempts: 3, backoff: fixed, initial: 10ms, on: [TransientError] }
`,
    ),
  );
  try {
    ws.write(
      'stages/flaky.ts',
      `import { TransientError, type Table, type StageContext } from 'plumb';
export default function flaky(input: Table, ctx: StageContext): Table {
  if (ctx.attempt < 3) throw new TransientError('service busy (attempt ' + ctx.attempt + ')');
  return input;
}
`,
    );
    const spec = await loadPipeline(ws.file);
    assert.equal((await runPipeline(spec)).status, 'ok');
    const r = await runPipeline(spec, { mode: 'inference' });
    assert.equal(r.status, 'ok', r.error?.message);
    const stage = r.record.stages.find((s) => s.stage === 'flaky')!;
    assert.equal(stage.attempts.length, 3);
    assert.deepEqual(stage.attempts.map((a) => a.ok), [false, false, true]);
    assert.equal(r.record.retry.totalRetries, 2);
  } finally {
    ws.cleanup();
  }
});

test('a stage that keeps failing fails the run, names the stage, and the record says so', async () => {
  const ws = workspace(
    BASE_PIPELINE.replace(
      '  - stage: evaluate\n    uses: classification-metrics\n',
      `  - stage: evaluate
    uses: classification-metrics
  - stage: broken
    uses: ./stages/broken.js
    retry: { attempts: 2, backoff: immediate }
`,
    ),
  );
  try {
    ws.write('stages/broken.js', `module.exports = function broken() { throw new RangeError('no luck'); };\n`);
    const spec = await loadPipeline(ws.file);
    const r = await runPipeline(spec);
    assert.equal(r.status, 'failed');
    assert.match(r.error!.message, /stage 'broken'.*no luck/);
    const rec = r.record.stages.find((s) => s.stage === 'broken')!;
    assert.equal(rec.status, 'failed');
    assert.equal(rec.attempts.length, 2);
    assert.deepEqual(await new Store(spec.store).listVersions('toy'), [], 'a failed run saves no version');
  } finally {
    ws.cleanup();
  }
});

test('data warnings: a stage producing infinities is flagged', async () => {
  const ws = workspace(
    BASE_PIPELINE.replace(
      'feature:\n',
      `feature:
  - stage: ratio
    uses: ./stages/ratio.ts
`,
    ),
  );
  try {
    ws.write(
      'stages/ratio.ts',
      `import { numberColumn, type Table } from 'plumb';
export default (input: Table): Table => {
  const y = input.numberColumn('y').values;
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = 1 / (y[i] - y[i]);
  const col = { ...numberColumn('inv', out), missing: null };
  return input.withColumn(col);
};
`,
    );
    const spec = await loadPipeline(ws.file);
    const warnings: string[] = [];
    await runPipeline(spec, { store: false, stopAfter: 'ratio', onEvent: (e) => e.type === 'warning' && warnings.push(`${e.code}: ${e.message}`) });
    assert.ok(warnings.some((w) => w.startsWith('non-finite:') && w.includes("'inv'")), warnings.join('\n'));
  } finally {
    ws.cleanup();
  }
});

test('inference refuses a version whose feature state does not match the pipeline', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    assert.equal((await runPipeline(spec)).status, 'ok');
    fs.writeFileSync(ws.file, BASE_PIPELINE.replace('  - stage: scale\n    uses: standard-scale\n', '  - stage: minmax\n    uses: min-max-scale\n'));
    const changed = await loadPipeline(ws.file);
    const r = await runPipeline(changed, { mode: 'inference' });
    assert.equal(r.status, 'failed');
    assert.match(r.error!.message, /no fitted state for feature stage 'minmax'/);
    assert.ok(fs.existsSync(path.join(ws.dir, '.plumb')));
  } finally {
    ws.cleanup();
  }
});

test('a user stage inside the repository that builds a new Table gets the engine\'s Table class', async () => {
  const stage = path.resolve(__dirname, 'fixtures/new-table.ts');
  const ws = workspace(BASE_PIPELINE.replace('feature:\n', `feature:\n  - stage: doubled\n    uses: ${stage}\n`));
  try {
    const spec = await loadPipeline(ws.file);
    const r = await runPipeline(spec, { store: false, stopAfter: 'doubled' });
    assert.equal(r.status, 'ok', r.error?.message);
    assert.deepEqual(r.output.names, ['twice_y']);
  } finally {
    ws.cleanup();
  }
});

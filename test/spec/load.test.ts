// A correct file loads to the expected spec: typed params, absolute paths, interpolated
// `with:` values, effective retry policies and the source ranges the debugger uses.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PipelineError } from '../../runtime/errors';
import { NO_RETRY } from '../../runtime/retry/types';
import { loadPipeline } from '../../runtime/spec/load';
import { FIXTURES, tempDir, testStages, writeFiles } from './helpers';

const GOOD = path.join(FIXTURES, 'good.pipeline.yaml');
const at = (line: number, col: number, endLine: number, endCol: number) => ({
  start: { line, col },
  end: { line: endLine, col: endCol },
});

// The pipeline-wide `retry: { attempts: 2, backoff: fixed, initial: 500ms }` over the
// retry defaults (coefficient 2, max 30s, no jitter).
const PIPELINE_RETRY = { attempts: 2, backoff: 'fixed', initialMs: 500, coefficient: 2, maxMs: 30_000, jitter: 0, on: [], never: [] };

test('load: the good file resolves to the full spec', async () => {
  const spec = await loadPipeline(GOOD, { stages: testStages });
  const text = readFileSync(GOOD, 'utf8');
  assert.equal(spec.file, GOOD);
  assert.equal(spec.fileHash, createHash('sha256').update(text).digest('hex'));
  assert.match(spec.fileHash, /^[0-9a-f]{64}$/);
  assert.equal(spec.name, 'churn');
  assert.deepEqual(spec.nameRange, at(1, 11, 1, 16));
  assert.equal(spec.target, 'churned');
  assert.deepEqual(spec.params, { seed: 42, test_size: 0.2, model: { lr: 0.1 }, run: 'v1' });
  assert.deepEqual(spec.data, {
    train: path.join(FIXTURES, 'data/churn.csv'),
    inference: path.join(FIXTURES, 'data/new-v1.csv'), // data/new-${params.run}.csv
  });
  assert.equal(spec.store, path.join(FIXTURES, '.plumb'));
  assert.deepEqual(spec.retry, PIPELINE_RETRY);

  assert.deepEqual(spec.feature, [
    {
      name: 'impute',
      uses: 'impute',
      section: 'feature',
      with: { strategy: 'median' },
      retry: PIPELINE_RETRY,
      range: at(8, 5, 10, 31),
      nameRange: at(8, 12, 8, 18),
      usesRange: at(9, 11, 9, 17),
      withRanges: { strategy: at(10, 23, 10, 29) },
      file: spec.file,
      parents: [],
    },
    {
      name: 'scale',
      uses: 'standard-scale',
      section: 'feature',
      with: {},
      retry: PIPELINE_RETRY,
      range: at(11, 5, 12, 25),
      nameRange: at(11, 12, 11, 17),
      usesRange: at(12, 11, 12, 25),
      withRanges: {},
      file: spec.file,
      parents: [],
    },
  ]);

  const [split, fit] = spec.training;
  // `${params.test_size}` inside a flow map keeps the param's type.
  assert.deepEqual(split.with, { test: 0.2, seed: 42 });
  assert.deepEqual(split.withRanges, { test: at(16, 19, 16, 38), seed: at(16, 46, 16, 60) });
  assert.deepEqual(split.range, at(14, 5, 16, 62));
  assert.deepEqual(fit.with, { epochs: 200, learning_rate: 0.1 });
  assert.deepEqual(fit.range, at(17, 5, 23, 36));
  // The stage's own policy, on top of the pipeline default (coefficient 2 from the defaults).
  assert.deepEqual(fit.retry, {
    attempts: 3,
    backoff: 'exponential',
    initialMs: 1000,
    coefficient: 2,
    maxMs: 30_000,
    jitter: 0.2,
    on: ['TransientError'],
    never: [],
  });

  assert.deepEqual(
    spec.inference.map((s) => [s.name, s.uses, s.section, s.module, s.nameRange.start.line]),
    [
      ['predict', 'predict', 'inference', undefined, 25],
      ['export', './stages/export.ts', 'inference', path.join(FIXTURES, 'stages/export.ts'), 27],
    ],
  );
  // Embedded references are stringified; `$${` is a literal `${`.
  assert.deepEqual(spec.inference[1].with, { path: 'out/v1.csv', literal: '${params.run}' });
});

test('load: overrides change params before interpolation, typed as YAML', async () => {
  const spec = await loadPipeline(GOOD, {
    stages: testStages,
    overrides: ['test_size=0.3', 'seed=7', 'model.lr=0.05', 'run=v2'],
    checkData: false,
  });
  assert.deepEqual(spec.params, { seed: 7, test_size: 0.3, model: { lr: 0.05 }, run: 'v2' });
  assert.deepEqual(spec.training[0].with, { test: 0.3, seed: 7 });
  assert.equal(spec.training[1].with.learning_rate, 0.05);
  assert.equal(spec.data.inference, path.join(FIXTURES, 'data/new-v2.csv'));
  assert.deepEqual(spec.inference[1].with, { path: 'out/v2.csv', literal: '${params.run}' });

  const typed = await loadPipeline(GOOD, { stages: testStages, overrides: { 'model.lr': 1, test_size: 0.5 } });
  assert.deepEqual(typed.params.model, { lr: 1 });
  assert.deepEqual(typed.training[0].with, { test: 0.5, seed: 42 });
});

test('load: defaults when optional keys are absent; explicit store is resolved', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'min.pipeline.yaml': 'pipeline: min\nfeature:\n  - stage: s\n    uses: standard-scale\n    with:\n',
    'store.pipeline.yaml': 'pipeline: s.1\nparams: { where: runs }\nstore: ../${params.where}/store\n',
  });
  const min = await loadPipeline(path.join(dir, 'min.pipeline.yaml'), { stages: testStages });
  assert.equal(min.store, path.join(dir, '.plumb'));
  assert.equal(min.retry, undefined);
  assert.deepEqual(min.params, {});
  assert.deepEqual(min.data, {});
  assert.equal(min.target, undefined);
  assert.deepEqual(min.training, []);
  assert.deepEqual(min.feature[0].with, {});
  assert.deepEqual(min.feature[0].retry, NO_RETRY);
  const store = await loadPipeline(path.join(dir, 'store.pipeline.yaml'), { stages: testStages });
  assert.equal(store.store, path.join(path.dirname(dir), 'runs', 'store'));
  assert.equal(store.name, 's.1');
});

test('load: relative file paths become absolute; text option skips the disk', async (t) => {
  const dir = tempDir(t);
  const rel = path.relative(process.cwd(), path.join(dir, 'virtual.pipeline.yaml'));
  const spec = await loadPipeline(rel, { text: 'pipeline: v\n', stages: testStages });
  assert.equal(spec.file, path.join(dir, 'virtual.pipeline.yaml'));
  assert.equal(spec.fileHash, createHash('sha256').update('pipeline: v\n').digest('hex'));
});

test('load: a missing file is a PipelineError naming it', async () => {
  await assert.rejects(loadPipeline(path.join(FIXTURES, 'absent.pipeline.yaml'), { stages: testStages }), (e: unknown) => {
    assert.ok(e instanceof PipelineError);
    assert.equal(e.message, `${path.join(FIXTURES, 'absent.pipeline.yaml')}: cannot read pipeline file: file not found`);
    return true;
  });
});

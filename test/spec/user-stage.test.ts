// User stage modules: TypeScript and JavaScript, each accepted shape, and clear errors.
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { validatePipeline, loadPipeline } from '../../runtime/spec/load';
import { loadUserStage } from '../../runtime/stages/user';
import type { StageContext } from '../../runtime/stages/types';
import type { Table } from '../../runtime/table/table';
import { formatted, STAGE_FIXTURES, tempDir, testStages, writeFiles } from './helpers';

// The fixtures are typed loosely (they do not import Plumb), so the tests pass plain values.
const asTable = (v: unknown) => v as Table;
const ctxWith = (params: Record<string, unknown>) => ({ params, target: 'y' }) as unknown as StageContext;

test('user stage: a TypeScript function that imports its own helper', async () => {
  const def = await loadUserStage(path.join(STAGE_FIXTURES, 'fn-stage.ts'));
  assert.equal(def.kind, 'transform');
  if (def.kind !== 'transform') return;
  // double(5) * factor 3 = 30
  assert.deepEqual(await def.run(asTable({ rowCount: 5 }), ctxWith({ factor: 3 })), { rows: 30 });
  // No params schema: any `with:` keys are accepted.
  assert.equal(def.params.additionalProperties, true);
});

test('user stage: a TypeScript object with fit and transform, params and summary', async () => {
  const def = await loadUserStage(path.join(STAGE_FIXTURES, 'fitted-stage.ts'));
  assert.equal(def.kind, 'fitted');
  if (def.kind !== 'fitted') return;
  assert.equal(def.summary, 'Subtract the mean learnt in fit.');
  assert.deepEqual(Object.keys(def.params.properties), ['offset']);
  const state = await def.fit(asTable([1, 2, 3, 6]), ctxWith({}));
  assert.deepEqual(state, { mean: 3 });
  assert.deepEqual(await def.transform(asTable([1, 5]), state, ctxWith({ offset: 10 })), [8, 12]);
});

test('user stage: CommonJS run() and an ES module train()', async () => {
  const js = await loadUserStage(path.join(STAGE_FIXTURES, 'js-stage.js'));
  assert.equal(js.kind, 'transform');
  assert.equal(js.summary, 'Counts rows.');
  if (js.kind === 'transform') assert.deepEqual(await js.run(asTable([1, 2, 3]), ctxWith({})), { count: 3 });
  const model = await loadUserStage(path.join(STAGE_FIXTURES, 'model-stage.mjs'));
  assert.equal(model.kind, 'model');
  if (model.kind === 'model') {
    const artifact = await model.train(asTable([1, 2]), ctxWith({}));
    assert.deepEqual(artifact, { kind: 'constant', task: 'regression', target: 'y', features: [], data: { value: 2 } });
  }
});

test('user stage: missing files, wrong shapes and syntax errors name the module', async () => {
  const missing = path.join(STAGE_FIXTURES, 'nope.ts');
  await assert.rejects(loadUserStage(missing), { message: `user stage module not found: ${missing}` });
  const wrong = path.join(STAGE_FIXTURES, 'wrong-export.ts');
  await assert.rejects(loadUserStage(wrong), {
    message: `${wrong}: a user stage must export a function (input, ctx) => table, or an object with fit and transform, or run, or train; found an object with keys fitt, name`,
  });
  const half = path.join(STAGE_FIXTURES, 'half-fitted.ts');
  await assert.rejects(loadUserStage(half), { message: /half-fitted\.ts: a user stage must export .*; found fit but no transform function$/ });
  const broken = path.join(STAGE_FIXTURES, 'syntax-error.js');
  await assert.rejects(loadUserStage(broken), { message: new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: cannot compile user stage: `) });
  await assert.rejects(loadUserStage(path.join(STAGE_FIXTURES, 'helpers')), { message: /must be a \.ts, \.mts, \.cts, \.js, \.mjs, \.cjs file/ });
});

test('user stage: reloaded when the module or one of its imports changes', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'stage.ts': "import { k } from './k';\nexport default (x: number) => x * k;\n",
    'k.ts': 'export const k = 2;\n',
  });
  const file = path.join(dir, 'stage.ts');
  const run = async (x: number) => {
    const def = await loadUserStage(file);
    return def.kind === 'transform' ? def.run(asTable(x), ctxWith({})) : undefined;
  };
  assert.equal(await run(5), 10);
  assert.equal(await loadUserStage(file), await loadUserStage(file), 'unchanged files hit the cache');
  writeFileSync(path.join(dir, 'k.ts'), 'export const k = 3;\n');
  const later = new Date(Date.now() + 5000);
  utimesSync(path.join(dir, 'k.ts'), later, later); // a distinct mtime even on coarse clocks
  assert.equal(await run(5), 15);
  writeFileSync(file, 'export default { run: (x: number) => -x };\n');
  utimesSync(file, later, new Date(Date.now() + 10_000));
  assert.equal(await run(5), -5);
});

test('user stage: its params schema checks with:, and a stage without one accepts any keys', async (t) => {
  const dir = tempDir(t);
  const fitted = path.relative(dir, path.join(STAGE_FIXTURES, 'fitted-stage.ts'));
  const fn = path.relative(dir, path.join(STAGE_FIXTURES, 'fn-stage.ts'));
  writeFiles(dir, {
    'u.pipeline.yaml': [
      'pipeline: u',
      'feature:',
      '  - stage: center',
      `    uses: ${fitted}`,
      '    with: { offset: high, ofset: 1 }',
      '  - stage: double',
      `    uses: ${fn}`,
      '    with: { factor: 3, anything: [1, 2] }',
      '',
    ].join('\n'),
  });
  const file = path.join(dir, 'u.pipeline.yaml');
  assert.deepEqual(formatted(await validatePipeline(file, { stages: testStages })), [
    // `    with: { offset: high, ofset: 1 }`: 'high' starts at column 21, 'ofset' at 27.
    "u.pipeline.yaml:5:21: stage 'center': with.offset: expected number, got string 'high'",
    `u.pipeline.yaml:5:27: stage 'center': unknown parameter 'ofset' for ${fitted} (did you mean 'offset'?)`,
  ]);
  writeFileSync(file, readFileSync(file, 'utf8').replace('{ offset: high, ofset: 1 }', '{ offset: 1 }'));
  const spec = await loadPipeline(file, { stages: testStages });
  assert.deepEqual(
    spec.feature.map((s) => [s.name, s.module, s.with]),
    [
      ['center', path.join(STAGE_FIXTURES, 'fitted-stage.ts'), { offset: 1 }],
      ['double', path.join(STAGE_FIXTURES, 'fn-stage.ts'), { factor: 3, anything: [1, 2] }],
    ],
  );
});

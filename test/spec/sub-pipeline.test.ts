// Sub-pipelines: `uses: ./x.pipeline.yaml` includes that file's stages of the same section.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadPipeline, validatePipeline } from '../../runtime/spec/load';
import { PipelineError } from '../../runtime/errors';
import { STAGE_FIXTURES, formatted, tempDir, testStages, writeFiles } from './helpers';

const opts = { stages: testStages, checkData: false };

const PREP = `pipeline: prep
params: { threshold: 1, strategy: mean }
data: { train: not-there.csv }
store: elsewhere
target: ignored
feature:
  - stage: impute
    uses: impute
    with: { strategy: \${params.strategy} }
  - stage: scale
    uses: standard-scale
training:
  - stage: unused
    uses: predict
`;

const MAIN = `pipeline: main
params: { strat: median }
target: y
feature:
  - stage: clean
    uses: impute
  - stage: prep
    uses: ./shared/prep.pipeline.yaml
    with: { strategy: \${params.strat} }
  - stage: last
    uses: standard-scale
training:
  - stage: fit
    uses: logistic-regression
`;

test('sub-pipeline: its stages take the including stage\'s place, with full names, files and parents', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { 'main.pipeline.yaml': MAIN, 'shared/prep.pipeline.yaml': PREP });
  const main = path.join(dir, 'main.pipeline.yaml');
  const sub = path.join(dir, 'shared/prep.pipeline.yaml');
  const spec = await loadPipeline(main, opts);
  assert.deepEqual(spec.feature.map((s) => s.name), ['clean', 'prep/impute', 'prep/scale', 'last']);
  assert.deepEqual(spec.training.map((s) => s.name), ['fit'], 'only the section it is included in comes along');
  assert.deepEqual(spec.feature.map((s) => s.file), [main, sub, sub, main]);
  const impute = spec.feature[1];
  // with: overrides the sub file's params (interpolated with the parent's params).
  assert.deepEqual(impute.with, { strategy: 'median' });
  assert.equal(impute.section, 'feature');
  assert.equal(impute.nameRange.start.line, 7, 'positions are in the sub file');
  assert.deepEqual(impute.parents?.map((p) => ({ name: p.name, uses: p.uses, file: p.file, line: p.nameRange.start.line })), [
    { name: 'prep', uses: './shared/prep.pipeline.yaml', file: main, line: 7 },
  ]);
  assert.deepEqual(spec.feature[0].parents, []);
  // The sub file's data, store and target are ignored.
  assert.equal(spec.target, 'y');
  assert.equal(spec.store, path.join(dir, '.plumb'));
  assert.deepEqual(spec.data, {});
});

test('sub-pipeline: a param the including stage does not set keeps the sub file\'s default', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'main.pipeline.yaml': 'pipeline: main\nfeature:\n  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n',
    'shared/prep.pipeline.yaml': PREP,
  });
  const spec = await loadPipeline(path.join(dir, 'main.pipeline.yaml'), opts);
  assert.deepEqual(spec.feature[0].with, { strategy: 'mean' });
});

test('sub-pipeline: an unknown with: key is an error at that key, listing the sub-pipeline\'s params', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'main.pipeline.yaml': 'pipeline: main\nfeature:\n  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n    with: { treshold: 2, other: 1 }\n',
    'shared/prep.pipeline.yaml': PREP,
  });
  const diags = await validatePipeline(path.join(dir, 'main.pipeline.yaml'), opts);
  assert.deepEqual(formatted(diags), [
    "main.pipeline.yaml:5:13: stage 'prep': unknown param 'treshold' for ./shared/prep.pipeline.yaml (did you mean 'threshold'?)",
    "main.pipeline.yaml:5:26: stage 'prep': unknown param 'other' for ./shared/prep.pipeline.yaml (its params: threshold, strategy)",
  ]);
});

test('sub-pipeline: errors in the sub file keep their place, and the parent gets one summary at uses:', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'main.pipeline.yaml': 'pipeline: main\nfeature:\n  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n',
    'shared/prep.pipeline.yaml': 'pipeline: prep\nfeature:\n  - stage: a\n    uses: imptue\n  - stage: b\n    uses: impute\n    with: { strategy: wrong }\n',
  });
  const main = path.join(dir, 'main.pipeline.yaml');
  const diags = await validatePipeline(main, opts);
  const sub = path.join(dir, 'shared/prep.pipeline.yaml');
  assert.deepEqual(diags.map((d) => [d.file, d.range?.start.line, d.range?.start.col, d.code]), [
    [main, 4, 11, 'sub-pipeline-errors'],
    [sub, 4, 11, 'unknown-stage'],
    [sub, 7, 23, 'bad-param'],
  ]);
  assert.match(diags[0].message, /^\.\/shared\/prep\.pipeline\.yaml has 2 problems; first: shared\/prep\.pipeline\.yaml:4:11: stage 'a': unknown stage type 'imptue'/);
  await assert.rejects(loadPipeline(main, opts), (e: unknown) => e instanceof PipelineError && e.diagnostics.length === 3);
});

test('sub-pipeline: a missing file and an empty section are clear errors at uses:', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'main.pipeline.yaml': 'pipeline: main\nfeature:\n  - stage: gone\n    uses: ./nope.pipeline.yaml\ntraining:\n  - stage: t\n    uses: ./shared/prep.pipeline.yml\n',
    'shared/prep.pipeline.yml': PREP.replace(/training:[\s\S]*$/, ''),
  });
  const diags = await validatePipeline(path.join(dir, 'main.pipeline.yaml'), opts);
  assert.deepEqual(formatted(diags), [
    `main.pipeline.yaml:4:11: stage 'gone': cannot read sub-pipeline ${path.join(dir, 'nope.pipeline.yaml')}: file not found`,
    "main.pipeline.yaml:7:11: stage 't': ./shared/prep.pipeline.yml has no 'training' stages (a sub-pipeline included in 'training' runs the stages of its own 'training:' section)",
  ]);
});

test('sub-pipeline: a cycle is an error at the uses: that closes it, naming the chain', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'a.pipeline.yaml': 'pipeline: a\nfeature:\n  - stage: b\n    uses: ./sub/b.pipeline.yaml\n',
    'sub/b.pipeline.yaml': 'pipeline: b\nfeature:\n  - stage: back\n    uses: ../a.pipeline.yaml\n',
  });
  const diags = await validatePipeline(path.join(dir, 'a.pipeline.yaml'), opts);
  assert.deepEqual(formatted(diags), [
    "a.pipeline.yaml:4:11: ./sub/b.pipeline.yaml has 1 problem; first: sub/b.pipeline.yaml:4:11: stage 'back': sub-pipelines include each other in a cycle: a.pipeline.yaml → sub/b.pipeline.yaml → a.pipeline.yaml",
    "b.pipeline.yaml:4:11: stage 'back': sub-pipelines include each other in a cycle: a.pipeline.yaml → sub/b.pipeline.yaml → a.pipeline.yaml",
  ]);
  // A file including itself is the shortest cycle.
  writeFiles(dir, { 'self.pipeline.yaml': 'pipeline: s\nfeature:\n  - stage: me\n    uses: ./self.pipeline.yaml\n' });
  const self = await validatePipeline(path.join(dir, 'self.pipeline.yaml'), opts);
  assert.deepEqual(formatted(self), ["self.pipeline.yaml:4:11: stage 'me': sub-pipelines include each other in a cycle: self.pipeline.yaml → self.pipeline.yaml"]);
});

test('sub-pipeline: nested includes flatten with the whole path of names; parents outermost first', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'main.pipeline.yaml': 'pipeline: main\nparams: { s: median }\nfeature:\n  - stage: outer\n    uses: ./a/outer.pipeline.yaml\n    with: { strategy: ${params.s} }\n',
    'a/outer.pipeline.yaml': 'pipeline: outer\nparams: { strategy: mean }\nfeature:\n  - stage: first\n    uses: standard-scale\n  - stage: inner\n    uses: ./b/inner.pipeline.yaml\n    with: { how: ${params.strategy} }\n',
    'a/b/inner.pipeline.yaml': 'pipeline: inner\nparams: { how: mean }\nfeature:\n  - stage: fill\n    uses: impute\n    with: { strategy: ${params.how} }\n',
  });
  const spec = await loadPipeline(path.join(dir, 'main.pipeline.yaml'), opts);
  assert.deepEqual(spec.feature.map((s) => s.name), ['outer/first', 'outer/inner/fill']);
  const fill = spec.feature[1];
  assert.deepEqual(fill.with, { strategy: 'median' });
  assert.equal(fill.file, path.join(dir, 'a/b/inner.pipeline.yaml'));
  assert.deepEqual(fill.parents?.map((p) => [p.name, path.relative(dir, p.file), p.nameRange.start.line]), [
    ['outer', 'main.pipeline.yaml', 4],
    ['outer/inner', 'a/outer.pipeline.yaml', 6],
  ]);
});

test('sub-pipeline: nesting deeper than the limit is an error', async (t) => {
  const dir = tempDir(t);
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) files[`p${i}.pipeline.yaml`] = `pipeline: p${i}\nfeature:\n  - stage: s\n    uses: ./p${i + 1}.pipeline.yaml\n`;
  files['p12.pipeline.yaml'] = 'pipeline: p12\nfeature:\n  - stage: s\n    uses: impute\n';
  writeFiles(dir, files);
  const diags = await validatePipeline(path.join(dir, 'p0.pipeline.yaml'), opts);
  assert.ok(diags.some((d) => d.code === 'sub-pipeline-depth' && /nested more than 8 deep/.test(d.message)), formatted(diags).join('\n'));
});

test('sub-pipeline: a file that fans out (each level including the next many times) stops at the include budget', async (t) => {
  const dir = tempDir(t);
  const files: Record<string, string> = {};
  // 6 levels × 10 includes each would be 10^6 analyses without a budget.
  for (let i = 0; i < 6; i++) {
    const stages = Array.from({ length: 10 }, (_, k) => `  - stage: s${k}\n    uses: ./p${i + 1}.pipeline.yaml\n`).join('');
    files[`p${i}.pipeline.yaml`] = `pipeline: p${i}\nfeature:\n${stages}`;
  }
  files['p6.pipeline.yaml'] = 'pipeline: p6\nfeature:\n  - stage: s\n    uses: impute\n';
  writeFiles(dir, files);
  const diags = await validatePipeline(path.join(dir, 'p0.pipeline.yaml'), opts);
  assert.ok(diags.some((d) => d.code === 'sub-pipeline-budget' && /more than 256 sub-pipeline includes/.test(d.message)), formatted(diags).slice(0, 5).join('\n'));
  // A fan-out within the budget still loads: 3 × 3 includes, 9 stages.
  files['q0.pipeline.yaml'] = 'pipeline: q0\nfeature:\n' + [0, 1, 2].map((k) => `  - stage: a${k}\n    uses: ./q1.pipeline.yaml\n`).join('');
  files['q1.pipeline.yaml'] = 'pipeline: q1\nfeature:\n' + [0, 1, 2].map((k) => `  - stage: b${k}\n    uses: impute\n`).join('');
  writeFiles(dir, files);
  const spec = await loadPipeline(path.join(dir, 'q0.pipeline.yaml'), opts);
  assert.equal(spec.feature.length, 9);
  assert.equal(spec.feature[4].name, 'a1/b1');
});

test('sub-pipeline: user stage modules resolve relative to the sub file', async (t) => {
  const dir = tempDir(t);
  cpSync(STAGE_FIXTURES, path.join(dir, 'shared/stages'), { recursive: true });
  writeFiles(dir, {
    'main.pipeline.yaml': 'pipeline: main\nfeature:\n  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n',
    'shared/prep.pipeline.yaml': 'pipeline: prep\nfeature:\n  - stage: user\n    uses: ./stages/fn-stage.ts\n    with: { factor: 2 }\n',
  });
  const spec = await loadPipeline(path.join(dir, 'main.pipeline.yaml'), opts);
  assert.equal(spec.feature[0].name, 'prep/user');
  assert.equal(spec.feature[0].module, path.join(dir, 'shared/stages/fn-stage.ts'));
});

test('sub-pipeline: the same file included twice gives distinct full names; the lineage hash covers it', async (t) => {
  const dir = tempDir(t);
  const main = 'pipeline: main\nfeature:\n  - stage: a\n    uses: ./shared/prep.pipeline.yaml\n  - stage: b\n    uses: ./shared/prep.pipeline.yaml\n    with: { strategy: median }\n';
  writeFiles(dir, { 'main.pipeline.yaml': main, 'shared/prep.pipeline.yaml': PREP });
  const file = path.join(dir, 'main.pipeline.yaml');
  const spec = await loadPipeline(file, opts);
  assert.deepEqual(spec.feature.map((s) => `${s.name}:${String(s.with.strategy ?? '')}`), ['a/impute:mean', 'a/scale:', 'b/impute:median', 'b/scale:']);
  writeFiles(dir, { 'shared/prep.pipeline.yaml': PREP.replace('threshold: 1', 'threshold: 2') });
  const again = await loadPipeline(file, opts);
  assert.notEqual(again.fileHash, spec.fileHash, 'editing the sub file changes the pipeline hash');
  // A duplicate group name is caught like any duplicate stage name.
  writeFiles(dir, { 'main.pipeline.yaml': main.replace('stage: b', 'stage: a') });
  const diags = await validatePipeline(file, opts);
  assert.deepEqual(diags.map((d) => d.code), ['duplicate-stage']);
});

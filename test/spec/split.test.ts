// `split:`, `data.test`, `evaluation:` and `rejects:`: what the loader accepts, and the
// located errors for what it does not (old files that split inside `training` included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline, validatePipeline } from '../../runtime';
import { formatDiagnostic } from '../../runtime/errors';

const FILE = '/virtual/p.pipeline.yaml';

async function problems(text: string): Promise<string[]> {
  const diags = await validatePipeline(FILE, { text, checkData: false });
  return diags.filter((d) => d.severity === 'error').map((d) => formatDiagnostic({ ...d, file: 'p.pipeline.yaml' }));
}

const HEAD = `pipeline: p
target: label
params: { seed: 7 }
data: { train: train.csv }
`;
const FIT = `training:
  - stage: fit
    uses: logistic-regression
`;
const SCORE = `evaluation:
  - stage: score
    uses: classification-metrics
`;

test('an old file that splits inside training gets a located error saying what to write instead', async () => {
  const text = `${HEAD}training:
  - stage: split
    uses: train-test-split
    with: { test: 0.3, seed: 7, stratify: true }
  - stage: fit
    uses: logistic-regression
  - stage: evaluate
    uses: classification-metrics
`;
  const got = await problems(text);
  assert.equal(got.length, 2, got.join('\n'));
  assert.match(got[0], /^p\.pipeline\.yaml:7:11: stage 'split': train-test-split is no longer a stage: the held-out rows are now chosen before anything is fitted\. Remove this stage and write at the top level split: \{ test: 0\.3, seed: 7, stratify: true \}; then put metrics stages in an 'evaluation:' section/);
  assert.match(got[1], /^p\.pipeline\.yaml:12:11: stage 'evaluate': classification-metrics scores predictions on held-out rows: move it to an 'evaluation:' section and declare the held-out rows with a top-level split:/);
});

test('model stages belong in training, fitted stages in feature', async () => {
  const got = await problems(`${HEAD}split: { test: 0.2 }
feature:
  - stage: model
    uses: logistic-regression
${FIT}${SCORE}inference:
  - stage: scale
    uses: standard-scale
`);
  assert.deepEqual(got, [
    "p.pipeline.yaml:8:11: stage 'model': logistic-regression trains a model: it belongs in 'training:' (models see the training rows only)",
    "p.pipeline.yaml:17:11: stage 'scale': standard-scale is fitted: it belongs in 'feature:' (fitted on the training rows, replayed everywhere else)",
  ]);
});

test('evaluation needs held-out rows; split.test and data.test exclude each other', async () => {
  assert.deepEqual(await problems(`${HEAD}${FIT}${SCORE}`), [
    "p.pipeline.yaml:8:1: 'evaluation' scores held-out rows, but the pipeline declares none: add a top-level split: { test: 0.2, seed: 7 } (or folds: 5), or a data.test file",
  ]);
  const both = HEAD.replace('data: { train: train.csv }', 'data: { train: train.csv, test: test.csv }') + `split: { test: 0.2, seed: 1 }\n${FIT}${SCORE}`;
  assert.deepEqual(await problems(both), [
    'p.pipeline.yaml:5:16: split.test cannot be used with data.test: the held-out rows are the data.test file; remove split.test (or data.test)',
  ]);
  // data.test alone, a split column, folds alone: all fine.
  assert.deepEqual(await problems(HEAD.replace('train.csv }', 'train.csv, test: test.csv }') + FIT + SCORE), []);
  assert.deepEqual(await problems(`${HEAD}split: { column: is_test }\n${FIT}${SCORE}`), []);
  assert.deepEqual(await problems(`${HEAD}split: { folds: 5, stratify: true }\n${FIT}${SCORE}`), []);
});

test('split values are checked where they are written', async () => {
  assert.deepEqual(await problems(`${HEAD}split: { test: 1.5, folds: 1, stratify: 3, colour: red }\n${FIT}${SCORE}`), [
    "p.pipeline.yaml:5:16: split.test must be a fraction between 0 and 1 (exclusive), e.g. 0.2; got 1.5",
    'p.pipeline.yaml:5:28: split.folds must be an integer from 2 to 100 (k of k-fold cross-validation), got 1',
    'p.pipeline.yaml:5:41: split.stratify must be true (the target), false, or a column name; got 3',
    "p.pipeline.yaml:5:44: unknown key 'colour' in 'split' (known keys: test, column, seed, stratify, shuffle, folds)",
  ]);
  assert.deepEqual(await problems(`${HEAD}split: { folds: 5 }\n${FIT}`), [
    "p.pipeline.yaml:5:17: split.folds: cross-validation scores each fold with the 'evaluation' stages, but there are none: add e.g. evaluation: [{ stage: score, uses: classification-metrics }]",
  ]);
  assert.deepEqual(await problems(`${HEAD.replace('target: label\n', '')}split: { test: 0.2, stratify: true }\n`), [
    "p.pipeline.yaml:4:31: split.stratify: true means the pipeline's target column, but the pipeline declares no 'target:'",
  ]);
});

test('rejects: fail by default; reject needs a file', async () => {
  assert.deepEqual(await problems(`${HEAD}rejects: { policy: reject }\n`), [
    'p.pipeline.yaml:5:20: rejects.policy reject needs rejects.file: where the rejected rows are written (with a reason column)',
  ]);
  assert.deepEqual(await problems(`${HEAD}rejects: { policy: drop }\n`), [
    `p.pipeline.yaml:5:20: rejects.policy must be 'fail' (an unscorable row fails the batch) or 'reject' (it goes to rejects.file), got "drop"`,
  ]);
  const spec = await loadPipeline(FILE, { text: `${HEAD}rejects: { policy: reject, file: out/r.csv }\n`, checkData: false });
  assert.deepEqual(spec.rejects, { policy: 'reject', file: '/virtual/out/r.csv', range: spec.rejects.range });
  assert.deepEqual((await loadPipeline(FILE, { text: HEAD, checkData: false })).rejects, { policy: 'fail' });
});

test('the spec keeps each top-level key\'s range and the file text', async () => {
  const text = `${HEAD}split: { test: 0.25, seed: "\${params.seed}", stratify: true }\n${FIT}${SCORE}`;
  const spec = await loadPipeline(FILE, { text, checkData: false });
  assert.equal(spec.texts[FILE], text);
  assert.equal(spec.sections.training?.key.start.line, 6);
  assert.equal(spec.sections.evaluation?.key.start.line, 9);
  assert.deepEqual(spec.sections.split?.key, { start: { line: 5, col: 1 }, end: { line: 5, col: 6 } });
  assert.deepEqual({ ...spec.split, range: undefined }, { test: 0.25, seed: 7, stratify: 'label', shuffle: true, range: undefined });
  assert.deepEqual(spec.evaluation.map((s) => [s.name, s.section]), [['score', 'evaluation']]);
});

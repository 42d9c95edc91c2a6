// One fixture per class of mistake: the exact `file:line:col: message` text each yields.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { PipelineError } from '../../runtime/errors';
import { loadPipeline, validatePipeline } from '../../runtime/spec/load';
import { copyFixture, FIXTURES, formatted, tempDir, testStages } from './helpers';

async function check(name: string, opts: { checkData?: boolean } = {}) {
  const diags = await validatePipeline(path.join(FIXTURES, `${name}.pipeline.yaml`), { stages: testStages, checkData: false, ...opts });
  return { diags, lines: formatted(diags), codes: diags.map((d) => d.code) };
}

const cases: [string, string[], string[]][] = [
  [
    'yaml-syntax',
    ['yaml-syntax', 'yaml-syntax'],
    [
      'yaml-syntax.pipeline.yaml:6:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
      'yaml-syntax.pipeline.yaml:7:1: YAML syntax error: Tabs are not allowed as indentation',
    ],
  ],
  [
    'duplicate-key',
    ['duplicate-key', 'duplicate-key'],
    [
      "duplicate-key.pipeline.yaml:4:3: duplicate key 'seed' (first at line 3)",
      "duplicate-key.pipeline.yaml:8:5: duplicate key 'uses' (first at line 7)",
    ],
  ],
  [
    'unknown-key',
    ['unknown-key', 'unknown-key'],
    [
      "unknown-key.pipeline.yaml:2:1: unknown top-level key 'featur' (did you mean 'feature'?)",
      "unknown-key.pipeline.yaml:5:1: unknown top-level key 'colour' (known keys: pipeline, description, target, params, data, retry, store, feature, training, inference)",
    ],
  ],
  ['missing-pipeline', ['missing-pipeline'], ["missing-pipeline.pipeline.yaml:2:1: missing 'pipeline: <name>' (the pipeline's name)"]],
  [
    'bad-pipeline-name',
    ['bad-pipeline-name'],
    ["bad-pipeline-name.pipeline.yaml:1:11: bad pipeline name 'my pipeline!': use letters, digits, '.', '_' and '-', starting with a letter or digit"],
  ],
  [
    'section-not-list',
    ['section-not-list', 'section-not-list'],
    [
      "section-not-list.pipeline.yaml:2:10: 'feature' must be a list of stages (each item starting with '- stage:'), got string 'impute'",
      "section-not-list.pipeline.yaml:4:3: 'training' must be a list of stages (each item starting with '- stage:'), got a map",
    ],
  ],
  [
    'stage-not-map',
    ['stage-not-map', 'stage-not-map'],
    [
      "stage-not-map.pipeline.yaml:3:5: each item of 'feature' must be a stage map like '- stage: name' + 'uses: type', got string 'impute'",
      "stage-not-map.pipeline.yaml:4:5: each item of 'feature' must be a stage map like '- stage: name' + 'uses: type', got a list",
    ],
  ],
  [
    'missing-stage-uses',
    ['missing-stage', 'missing-uses'],
    [
      "missing-stage-uses.pipeline.yaml:3:5: stage in 'feature' has no 'stage:' name",
      "missing-stage-uses.pipeline.yaml:4:12: stage 'scale' has no 'uses:' (a built-in stage type or a ./module.ts path)",
    ],
  ],
  ['unknown-stage-key', ['unknown-stage-key'], ["unknown-stage-key.pipeline.yaml:5:5: unknown key 'wth' in a stage (did you mean 'with'?)"]],
  ['duplicate-stage', ['duplicate-stage'], ["duplicate-stage.pipeline.yaml:6:12: duplicate stage name 'prep' (first defined at line 3)"]],
  [
    'bad-stage-name',
    ['bad-stage-name'],
    ["bad-stage-name.pipeline.yaml:3:12: bad stage name '1st step': use letters, digits, '_', '.' and '-', starting with a letter or '_'"],
  ],
  [
    'unknown-stage',
    ['unknown-stage', 'unknown-stage'],
    [
      "unknown-stage.pipeline.yaml:4:11: stage 'scale': unknown stage type 'standard-scaler' (did you mean 'standard-scale'?)",
      "unknown-stage.pipeline.yaml:6:11: stage 'export': unknown stage type 'stages/export.ts' (a user stage module path must start with ./ or ../, e.g. ./stages/export.ts)",
    ],
  ],
  [
    'bad-params',
    ['bad-param', 'unknown-param', 'bad-param', 'bad-param', 'bad-param', 'bad-param', 'bad-param'],
    [
      "bad-params.pipeline.yaml:6:17: stage 'impute': with.strategy: expected one of 'mean', 'median', 'most-frequent', got string 'medain' (did you mean 'median'?)",
      "bad-params.pipeline.yaml:7:7: stage 'impute': unknown parameter 'colums' for impute (did you mean 'columns'?)",
      "bad-params.pipeline.yaml:9:11: stage 'encode': missing required parameter 'columns' for one-hot",
      "bad-params.pipeline.yaml:13:19: stage 'split': with.test: expected number, got string 'abc'",
      "bad-params.pipeline.yaml:13:30: stage 'split': with.seed: expected integer, got number 1.5",
      "bad-params.pipeline.yaml:16:21: stage 'fit': with.epochs: must be >= 1, got 0",
      "bad-params.pipeline.yaml:19:29: stage 'encode2': with.columns[1]: expected string, got number 3",
    ],
  ],
  [
    'bad-retry',
    ['bad-retry', 'bad-retry', 'bad-retry', 'bad-retry'],
    [
      'bad-retry.pipeline.yaml:2:20: retry: attempts must be a whole number from 1 to 100 (total tries, 1 = no retry), got number 0',
      "bad-retry.pipeline.yaml:7:16: stage 'fit': retry: backoff must be one of immediate, fixed, exponential, got 'sometimes'",
      "bad-retry.pipeline.yaml:8:16: stage 'fit': retry: initial must be a duration such as 250ms, 1s, 1.5s, 2m, 1h or a number of milliseconds, got 'soon'",
      "bad-retry.pipeline.yaml:9:28: stage 'fit': retry: on[1] must be a non-empty error name, got number 42",
    ],
  ],
  [
    'unknown-param-ref',
    ['bad-interpolation', 'unknown-param-ref', 'unknown-param-ref', 'unknown-param-ref'],
    [
      // Columns are those of the `${` inside the scalar, not the scalar's start.
      "unknown-param-ref.pipeline.yaml:3:37: cannot interpolate '${env.USER}': only ${params.<name>} is supported",
      "unknown-param-ref.pipeline.yaml:3:49: unknown param 'nope' in '${params.nope}'",
      "unknown-param-ref.pipeline.yaml:7:30: unknown param 'sed' in '${params.sed}' (did you mean 'seed'?)",
      "unknown-param-ref.pipeline.yaml:12:15: unknown param 'model.epochs' in '${params.model.epochs}'",
    ],
  ],
];

for (const [name, codes, lines] of cases) {
  test(`diagnostics: ${name}`, async () => {
    const got = await check(name);
    assert.deepEqual(got.lines, lines);
    assert.deepEqual(got.codes, codes);
    assert.ok(got.diags.every((d) => d.severity === 'error' && d.file === path.join(FIXTURES, `${name}.pipeline.yaml`)));
  });
}

test('diagnostics: a missing data file is reported at its path, only when checkData', async (t) => {
  const dir = tempDir(t);
  const file = copyFixture(dir, 'missing-data.pipeline.yaml');
  const diags = await validatePipeline(file, { stages: testStages });
  assert.deepEqual(formatted(diags), [
    `missing-data.pipeline.yaml:3:10: data file not found: ${path.join(dir, 'data/nope.csv')} (data.train)`,
    `missing-data.pipeline.yaml:4:14: data file not found: ${path.join(dir, 'data/churn.csv')} (data.inference)`,
  ]);
  assert.deepEqual(diags.map((d) => d.code), ['missing-data', 'missing-data']);
  // In a mode, only the data that mode reads must exist.
  const inference = await validatePipeline(file, { stages: testStages, mode: 'inference' });
  assert.deepEqual(inference.map((d) => d.range?.start.line), [4]);
  assert.deepEqual(await validatePipeline(file, { stages: testStages, checkData: false }), []);
});

test('diagnostics: user stage modules that are missing or export the wrong shape', async () => {
  const got = await check('user-stage');
  const wrong = path.resolve(FIXTURES, '../../fixtures/stages/wrong-export.ts');
  assert.deepEqual(got.lines, [
    `user-stage.pipeline.yaml:4:11: stage 'missing': user stage module not found: ${path.join(FIXTURES, 'stages/does-not-exist.ts')}`,
    `user-stage.pipeline.yaml:6:11: stage 'wrong': ${wrong}: a user stage must export a function (input, ctx) => table, or an object with fit and transform, or run, or train; found an object with keys fitt, name`,
  ]);
  assert.deepEqual(got.codes, ['bad-user-stage', 'bad-user-stage']);
});

test('diagnostics: a file with five different mistakes reports all five, sorted by position', async () => {
  const got = await check('five-mistakes');
  assert.deepEqual(got.lines, [
    "five-mistakes.pipeline.yaml:3:1: unknown top-level key 'featrue' (did you mean 'feature'?)",
    "five-mistakes.pipeline.yaml:8:11: stage 'split': unknown stage type 'train-tset-split' (did you mean 'train-test-split'?)",
    "five-mistakes.pipeline.yaml:9:19: unknown param 'sede' in '${params.sede}' (did you mean 'seed'?)",
    "five-mistakes.pipeline.yaml:12:21: stage 'fit': with.epochs: expected integer, got string 'many'",
    "five-mistakes.pipeline.yaml:13:12: duplicate stage name 'split' (first defined at line 7)",
  ]);
  // loadPipeline throws one PipelineError carrying all of them.
  await assert.rejects(
    loadPipeline(path.join(FIXTURES, 'five-mistakes.pipeline.yaml'), { stages: testStages, checkData: false }),
    (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.diagnostics.length, 5);
      assert.equal(e.message.split('\n').length, 5);
      assert.match(e.message, /five-mistakes\.pipeline\.yaml:13:12: duplicate stage name 'split'/);
      return true;
    },
  );
});

test('diagnostics: YAML syntax errors and checks on other lines are reported together', async () => {
  const text = 'pipeline: mixed\nfeature:\n  - stage: a\n    uses: imputer\n  - stage: b\n    uses: [impute\n';
  const diags = await validatePipeline('/virtual/mixed.pipeline.yaml', { text, stages: testStages });
  assert.deepEqual(diags.map((d) => [d.code, d.range?.start.line]), [
    ['unknown-stage', 4],
    ['yaml-syntax', 7],
  ]);
});

test('diagnostics: editor text wins over the file on disk, and validate never throws', async () => {
  const file = path.join(FIXTURES, 'good.pipeline.yaml');
  const diags = await validatePipeline(file, { text: 'pipeline: 9 lives\n', stages: testStages });
  assert.deepEqual(formatted(diags), [
    "good.pipeline.yaml:1:11: bad pipeline name '9 lives': use letters, digits, '.', '_' and '-', starting with a letter or digit",
  ]);
  const missing = await validatePipeline(path.join(FIXTURES, 'nope.pipeline.yaml'), { stages: testStages });
  assert.deepEqual(formatted(missing), ['nope.pipeline.yaml: cannot read pipeline file: file not found']);
  const empty = await validatePipeline('/virtual/empty.pipeline.yaml', { text: '', stages: testStages });
  assert.deepEqual(formatted(empty), ["empty.pipeline.yaml:1:1: empty pipeline file: expected at least 'pipeline: <name>'"]);
  const list = await validatePipeline('/virtual/list.pipeline.yaml', { text: '- a\n- b\n', stages: testStages });
  assert.deepEqual(list.map((d) => d.code), ['not-a-map']);
});

test('diagnostics: bad --set overrides are errors without a range', async () => {
  const file = path.join(FIXTURES, 'good.pipeline.yaml');
  const diags = await validatePipeline(file, {
    stages: testStages,
    overrides: ['test_sise=0.3', 'seed', 'model.lrr=1', 'bad key=1'],
  });
  assert.deepEqual(formatted(diags), [
    'good.pipeline.yaml: --set seed: expected key=value, e.g. --set test_size=0.3',
    "good.pipeline.yaml: --set bad key=1: 'bad key' is not a param name (letters, digits, _ and -, dotted for nested params)",
    "good.pipeline.yaml: --set test_sise=0.3: unknown param 'test_sise' (did you mean 'test_size'?)",
    "good.pipeline.yaml: --set model.lrr=1: unknown param 'model.lrr' (did you mean 'model.lr'?)",
  ]);
  assert.ok(diags.every((d) => d.code === 'bad-override' && d.range === undefined));
});

test('diagnostics: an override that makes a value the wrong type is blamed on the use site', async () => {
  const file = path.join(FIXTURES, 'good.pipeline.yaml');
  const diags = await validatePipeline(file, { stages: testStages, overrides: ['test_size=abc'] });
  assert.deepEqual(formatted(diags), ["good.pipeline.yaml:16:19: stage 'split': with.test: expected number, got string 'abc'"]);
});

test('diagnostics: anchors are checked where they are written; one document per file', async () => {
  const text = [
    'pipeline: anchors',
    'feature:',
    '  - stage: a',
    '    uses: impute',
    '    with: &fill { strategy: medain }',
    '  - stage: b',
    '    uses: impute',
    '    with: *fill',
    '',
  ].join('\n');
  const diags = await validatePipeline('/virtual/anchors.pipeline.yaml', { text, stages: testStages });
  // Both stages use the anchored map; its one bad value (column 29) is reported once.
  assert.deepEqual(formatted(diags), [
    "anchors.pipeline.yaml:5:29: stage 'a': with.strategy: expected one of 'mean', 'median', 'most-frequent', got string 'medain' (did you mean 'median'?)",
  ]);
  const multi = await validatePipeline('/virtual/multi.pipeline.yaml', { text: 'pipeline: a\n---\npipeline: b\n', stages: testStages });
  assert.deepEqual(formatted(multi), ["multi.pipeline.yaml:2:1: YAML syntax error: a pipeline file holds one YAML document; remove the extra '---'"]);
});

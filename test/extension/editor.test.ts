// The editor help logic: outline, completions, hovers, CodeLens, run-result text.
// Plain modules over the real built-in stage registry and real engine events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinCatalog, makeCatalog, stageInfo } from '../../src/editor/catalog';
import { completionsAt } from '../../src/editor/completions';
import { hoverAt } from '../../src/editor/hover';
import { stageLenses } from '../../src/editor/lenses';
import * as path from 'node:path';
import { InspectClient } from '../../src/editor/inspect-client';
import { describeNamedModules, findStageModules, localStageInfos } from '../../src/editor/local-stages';
import { outlinePipeline } from '../../src/editor/outline';
import { RunResults, okText } from '../../src/editor/run-results';
import { loadPipeline, runPipeline, type EngineEvent } from '../../runtime/index';
import { workspace, BASE_PIPELINE } from '../engine/fixture';

const catalog = makeCatalog(builtinCatalog());

/** Text with a `|` cursor marker → [text, line, character]. */
function at(marked: string): [string, number, number] {
  const i = marked.indexOf('|');
  const before = marked.slice(0, i);
  const line = before.split('\n').length - 1;
  return [marked.slice(0, i) + marked.slice(i + 1), line, before.length - before.lastIndexOf('\n') - 1];
}

const DOC = `pipeline: toy
params: { seed: 3, ratio: 0.2 }
feature:
  - stage: impute
    uses: impute
    with: { strategy: median }
training:
  - stage: split
    uses: train-test-split
    with: { test: \${params.ratio}, seed: \${params.seed} }
  - stage: fit
    uses: logistic-regression
    with:
      epochs: 10
inference:
  - stage: predict
    uses: predict
`;

test('outline finds every stage with its section, uses and with keys, even with ${} unquoted in a flow map', () => {
  const o = outlinePipeline(DOC);
  assert.equal(o.name, 'toy');
  assert.deepEqual(
    o.stages.map((s) => [s.name, s.section, s.uses, s.nameSpan.line]),
    [
      ['impute', 'feature', 'impute', 3],
      ['split', 'training', 'train-test-split', 7],
      ['fit', 'training', 'logistic-regression', 10],
      ['predict', 'inference', 'predict', 15],
    ],
  );
  const split = o.stages[1];
  assert.deepEqual(split.withKeys.map((w) => [w.key, w.value]), [['test', '${params.ratio}'], ['seed', '${params.seed}']]);
  assert.equal(split.withKeys[1].keySpan.line, 9);
});

test('uses: completion lists built-ins with their summary and local modules after them', () => {
  const local = stageInfo('./stages/clean.ts', { summary: 'drops bad rows', params: { type: 'object', properties: {}, additionalProperties: false } }, false);
  const cat = makeCatalog([...builtinCatalog(), local]);
  const [text, line, ch] = at(DOC.replace('    uses: impute', '    uses: imp|'));
  const items = completionsAt(text, line, ch, cat);
  const impute = items.find((i) => i.label === 'impute');
  assert.ok(impute, 'impute offered');
  assert.equal(impute.start, '    uses: '.length);
  assert.match(impute.detail ?? '', /fitted/);
  assert.match(impute.documentation ?? '', /strategy/);
  const mod = items.find((i) => i.label === './stages/clean.ts');
  assert.equal(mod?.kind, 'module');
  assert.ok((impute.sortText ?? '') < (mod?.sortText ?? ''), 'built-ins sort first');
  assert.ok(items.length >= builtinCatalog().length + 1);
});

test('with: key completion inside a flow map offers the stage params not yet written', () => {
  const [text, line, ch] = at(DOC.replace('with: { strategy: median }', 'with: { strategy: median, |}'));
  const labels = completionsAt(text, line, ch, catalog).map((i) => i.label);
  assert.ok(labels.includes('columns'), labels.join());
  assert.ok(!labels.includes('strategy'), 'already present');
  const item = completionsAt(text, line, ch, catalog).find((i) => i.label === 'columns')!;
  assert.equal(item.insertText, 'columns: ');
  assert.match(item.documentation ?? '', /columns/);
});

test('with: key completion in a block map, and enum value completion', () => {
  const [text, line, ch] = at(DOC.replace('      epochs: 10\n', '      epochs: 10\n      le|\n'));
  const items = completionsAt(text, line, ch, catalog);
  const lr = items.find((i) => i.label === 'learning_rate');
  assert.ok(lr, items.map((i) => i.label).join());
  assert.equal(lr.start, 6);
  assert.ok(!items.some((i) => i.label === 'epochs'), 'already present');

  const [t2, l2, c2] = at(DOC.replace('with: { strategy: median }', 'with: { strategy: m| }'));
  const values = completionsAt(t2, l2, c2, catalog).map((i) => i.label);
  assert.deepEqual(values.sort(), ['constant', 'mean', 'median', 'most_frequent']);
});

test('no completion outside uses/with', () => {
  const [text, line, ch] = at(DOC.replace('pipeline: toy', 'pipeline: to|y'));
  assert.deepEqual(completionsAt(text, line, ch, catalog), []);
});

test('hover on uses shows the stage summary and param table; on a with key its docs', () => {
  const o = outlinePipeline(DOC);
  const uses = hoverAt(o, 4, 12, catalog);
  assert.ok(uses);
  assert.match(uses.markdown, /\*\*impute\*\*/);
  assert.match(uses.markdown, /\| `strategy` \|/);
  const key = hoverAt(o, 5, 14, catalog); // on `strategy`
  assert.ok(key);
  assert.match(key.markdown, /\*\*strategy\*\*/);
  assert.match(key.markdown, /Default: `mean`/);
  assert.equal(hoverAt(o, 0, 2, catalog), undefined);
});

test('code lenses: run to here stops after the stage; debug from here pauses before it', () => {
  const lenses = stageLenses(outlinePipeline(DOC));
  const find = (stage: string, title: string) => lenses.find((l) => l.stage === stage && l.title.includes(title))!;
  assert.deepEqual(find('split', 'Run').launch, { mode: 'train', stopAfterStage: 'split' });
  assert.deepEqual(find('split', 'Debug').launch, { mode: 'train', stopAfterStage: 'impute' });
  assert.deepEqual(find('impute', 'Debug').launch, { mode: 'train', stopOnEntry: true });
  // Inference runs feature then inference: the stage before `predict` is `impute`.
  assert.deepEqual(find('predict', 'Debug').launch, { mode: 'inference', stopAfterStage: 'impute' });
  assert.equal(find('fit', 'Run').span.line, 10);
});

test('local stage modules are listed by name; the ones a stage uses are loaded (in the inspect host) for their schema', async () => {
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: path.resolve(__dirname, '../../dist/inspect-host.js') });
  try {
    ws.write('stages/double.ts', `export default {\n  summary: 'doubles a column',\n  params: { type: 'object', properties: { factor: { type: 'number', default: 2, description: 'how much' } }, additionalProperties: false },\n  run: (t: unknown) => t,\n};\n`);
    ws.write('stages/broken.js', 'this is not javascript');
    ws.write('node_modules/x/index.js', 'module.exports = 1');
    assert.deepEqual(await findStageModules(ws.dir), ['./stages/broken.js', './stages/double.ts']);
    const listed = await localStageInfos(ws.dir);
    assert.deepEqual(listed.filter((i) => i.kind === 'module').map((i) => [i.uses, i.loaded]), [['./stages/broken.js', false], ['./stages/double.ts', false]]);
    const text = 'pipeline: toy\nfeature:\n  - stage: a\n    uses: ./stages/double.ts\n  - stage: b\n    uses: ./stages/broken.js\n';
    const infos = await describeNamedModules(listed, ws.file, text, inspector);
    const dbl = infos.find((i) => i.uses === './stages/double.ts')!;
    assert.equal(dbl.summary, 'doubles a column');
    assert.deepEqual(dbl.params.map((p) => [p.name, p.type, p.default]), [['factor', 'number', 2]]);
    assert.match(infos.find((i) => i.uses === './stages/broken.js')!.summary, /could not load/);
  } finally {
    inspector.dispose();
    ws.cleanup();
  }
});

test('run results from a real run: one ✓ line per stage with duration and rows, ✗ for a failure', async () => {
  const ws = workspace(BASE_PIPELINE.replace('learning_rate: "${params.lr}"', 'learning_rate: "${params.lr}", batch_size: -1'), 120);
  try {
    // A valid run first.
    ws.write('toy.pipeline.yaml', BASE_PIPELINE);
    const events: EngineEvent[] = [];
    await runPipeline(await loadPipeline(ws.file), { store: false, onEvent: (e) => events.push(e) });
    const results = new RunResults();
    for (const e of events) results.apply(e);
    const lines = results.resultsFor(ws.file);
    assert.equal(lines.length, 6);
    assert.ok(lines.every((r) => r.kind === 'ok'), JSON.stringify(lines));
    const impute = lines.find((r) => r.stage === 'impute')!;
    assert.equal(impute.line, 8);
    assert.match(impute.text, /^✓ [\d.]+ (ms|s) · 120 rows$/);
    const split = lines.find((r) => r.stage === 'split')!;
    assert.match(split.text, /120 → \d+ rows/);

    // A failing stage module gives ✗ with its message.
    ws.write('stages/boom.ts', `export default () => { throw new Error('kaboom at row 7'); };\n`);
    ws.write('toy.pipeline.yaml', BASE_PIPELINE.replace('  - stage: scale\n', '  - stage: boom\n    uses: ./stages/boom.ts\n  - stage: scale\n'));
    const failed: EngineEvent[] = [];
    await runPipeline(await loadPipeline(ws.file), { store: false, onEvent: (e) => failed.push(e) });
    for (const e of failed) results.apply(e);
    const after = results.resultsFor(ws.file);
    assert.equal(after.length, 2, 'a new run replaces the old results');
    assert.equal(after[1].kind, 'error');
    assert.match(after[1].text, /^✗ kaboom at row 7/);
  } finally {
    ws.cleanup();
  }
});

test('okText formats rows with separators and shows attempts', () => {
  assert.equal(okText({ durationMs: 120, rowsIn: 10000, rowsOut: 9812, attempts: 1 }), '✓ 120 ms · 10,000 → 9,812 rows');
  assert.equal(okText({ durationMs: 2500, rowsIn: 5, rowsOut: 5, attempts: 3 }), '✓ 2.50 s · 5 rows · 3 attempts');
});


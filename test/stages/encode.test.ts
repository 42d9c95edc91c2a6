import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table } from '../../runtime/table/table';
import { stages } from '../../runtime/stages/encode';
import type { FittedStage } from '../../runtime/stages/types';
import { cells, fakeContext, sync, assertStageSchemas } from './helpers';

const oneHot = stages.find((s) => s.type === 'one-hot') as FittedStage;
const labelEncode = stages.find((s) => s.type === 'label-encode') as FittedStage;

// Categories are sorted by code point, as scikit-learn 1.2.1 does:
//   OneHotEncoder().fit([['gold'], ['basic'], ['Pro'], ['basic'], ['éclair'], ['gold']]).categories_
//   -> ['Pro', 'basic', 'gold', 'éclair']
const plans = ['gold', 'basic', 'Pro', 'basic', 'éclair', 'gold'];
const fixture = () =>
  new Table([
    numberColumn('id', [1, 2, 3, 4, 5, 6]),
    categoryColumn('plan', plans),
    categoryColumn('churn', ['no', 'yes', 'no', 'no', 'yes', 'no']),
    numberColumn('pclass', [3, 1, 2, 3, 1, null]),
  ]);

function run(stage: FittedStage, params: Record<string, unknown>, input = fixture()) {
  const ctx = fakeContext(params, { uses: stage.type, target: 'churn' });
  const state = sync(stage.fit(input, ctx));
  return { state, output: sync(stage.transform(input, state, ctx)), ctx };
}

test('encode stages have strict, documented param schemas', () => {
  assertStageSchemas(stages);
});

test('one-hot makes sorted <col>=<value> 0/1 columns in place of the original, skipping the target', () => {
  const { state, output } = run(oneHot, {});
  assert.deepEqual(state.columns, [{ name: 'plan', type: 'category', categories: ['Pro', 'basic', 'gold', 'éclair'] }]);
  assert.deepEqual(output.names, ['id', 'plan=Pro', 'plan=basic', 'plan=gold', 'plan=éclair', 'churn', 'pclass']);
  // OneHotEncoder().fit_transform(plans) columns
  assert.deepEqual(cells(output, 'plan=Pro'), [0, 0, 1, 0, 0, 0]);
  assert.deepEqual(cells(output, 'plan=basic'), [0, 1, 0, 1, 0, 0]);
  assert.deepEqual(cells(output, 'plan=gold'), [1, 0, 0, 0, 0, 1]);
  assert.deepEqual(cells(output, 'plan=éclair'), [0, 0, 0, 0, 1, 0]);
  assert.equal(output.numberColumn('plan=gold').missing, null);
});

test('one-hot keeps the original when asked and encodes listed number columns; missing -> all zeros', () => {
  const { state, output } = run(oneHot, { columns: ['pclass', 'plan'], drop_original: false });
  assert.deepEqual(state.columns[0], { name: 'pclass', type: 'number', categories: [1, 2, 3] });
  assert.deepEqual(output.names, [
    'id', 'plan', 'plan=Pro', 'plan=basic', 'plan=gold', 'plan=éclair', 'churn', 'pclass', 'pclass=1', 'pclass=2', 'pclass=3',
  ]);
  assert.deepEqual(cells(output, 'pclass=1'), [0, 1, 0, 0, 1, 0]);
  assert.deepEqual(cells(output, 'pclass=3'), [1, 0, 0, 1, 0, 0]);
  assert.deepEqual(cells(output, 'plan'), plans);
});

test('one-hot on new data: unknown categories give zeros and one warning per column, or an error', () => {
  const { state } = run(oneHot, { columns: ['plan', 'pclass'] });
  const saved = JSON.parse(JSON.stringify(state));
  const fresh = new Table([
    categoryColumn('plan', ['platinum', 'basic', null, 'platinum']),
    numberColumn('pclass', [4, 2, 2, 2]),
  ]);
  const ctx = fakeContext({}, { uses: 'one-hot', mode: 'inference' });
  const out = sync(oneHot.transform(fresh, saved, ctx));
  assert.deepEqual(out.names, ['plan=Pro', 'plan=basic', 'plan=gold', 'plan=éclair', 'pclass=1', 'pclass=2', 'pclass=3']);
  // sklearn OneHotEncoder(handle_unknown='ignore') encodes an unknown row as all zeros.
  assert.deepEqual(out.toRows().map((r) => Object.values(r)), [
    [0, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 1, 0],
    [0, 0, 0, 0, 0, 1, 0],
    [0, 0, 0, 0, 0, 1, 0],
  ]);
  assert.deepEqual(ctx.warnings.map((w) => w.code), ['unknown-category', 'unknown-category']);
  assert.match(ctx.warnings[0].message, /2 rows of 'plan' hold categories not seen at fit \(e\.g\. 'platinum'\)/);
  assert.match(ctx.warnings[1].message, /1 row of 'pclass' .*'4'/);

  const strict = JSON.parse(JSON.stringify(run(oneHot, { handle_unknown: 'error' }).state));
  assert.throws(
    () => oneHot.transform(fresh, strict, fakeContext({}, { uses: 'one-hot' })),
    /column 'plan' has category 'platinum' not seen at fit \(2 rows; known: Pro, basic, gold, éclair\)/,
  );
});

test('one-hot replays identically from a JSON state and reports name clashes and bad columns', () => {
  const { state, output } = run(oneHot, {});
  const replay = sync(oneHot.transform(fixture(), JSON.parse(JSON.stringify(state)), fakeContext({}, { uses: 'one-hot' })));
  assert.deepEqual(replay.toRows(), output.toRows());
  const clash = fixture().withColumn(numberColumn('plan=gold', [0, 0, 0, 0, 0, 0]));
  assert.throws(() => run(oneHot, { columns: ['plan'] }, clash), /output column 'plan=gold' clashes/);
  assert.throws(() => run(oneHot, { columns: ['plann'] }), /no column 'plann' \(available: 'id', 'plan', 'churn', 'pclass'\)/);
  assert.throws(
    () => oneHot.transform(fixture().drop(['plan']), state, fakeContext({}, { uses: 'one-hot' })),
    /column 'plan' was encoded at fit but is not in the input/,
  );
});

test('label-encode gives sorted codes; unknown values become missing with a warning', () => {
  // OrdinalEncoder().fit_transform(plans) -> [2, 1, 0, 1, 3, 2]
  const { state, output } = run(labelEncode, { columns: ['plan', 'churn'] });
  assert.deepEqual(cells(output, 'plan'), [2, 1, 0, 1, 3, 2]);
  assert.deepEqual(cells(output, 'churn'), [0, 1, 0, 0, 1, 0]);
  assert.equal(output.column('plan').type, 'number');

  const saved = JSON.parse(JSON.stringify(state));
  const fresh = new Table([categoryColumn('plan', ['gold', 'diamond', null]), categoryColumn('churn', ['yes', 'no', 'no'])]);
  const ctx = fakeContext({}, { uses: 'label-encode', mode: 'inference' });
  const out = sync(labelEncode.transform(fresh, saved, ctx));
  assert.deepEqual(cells(out, 'plan'), [2, null, null]);
  assert.deepEqual(cells(out, 'churn'), [1, 0, 0]);
  assert.deepEqual(ctx.warnings.map((w) => w.code), ['unknown-category']);
  assert.match(ctx.warnings[0].message, /1 row of 'plan' .*'diamond'.*missing/);
});

test('label-encode defaults to category columns except the target; all-missing columns warn', () => {
  const { state } = run(labelEncode, {});
  assert.deepEqual(state.columns.map((c: { name: string }) => c.name), ['plan']);
  const input = new Table([categoryColumn('a', ['x', null]), categoryColumn('blank', [null, null])]);
  const { state: s2, output, ctx } = run(labelEncode, {}, input);
  assert.deepEqual(s2.columns.map((c: { name: string }) => c.name), ['a']);
  assert.deepEqual(ctx.warnings.map((w) => w.code), ['all-missing']);
  assert.equal(output.column('blank'), input.column('blank'));
  assert.deepEqual(cells(output, 'a'), [0, null]);
});

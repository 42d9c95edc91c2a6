import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromRows, type Table } from '../../runtime/table/table';
import { evaluateFilter, stages } from '../../runtime/stages/rows';
import type { TransformStage } from '../../runtime/stages/types';
import { cells, fakeContext, sync, assertStageSchemas } from './helpers';

const stage = (type: string) => stages.find((s) => s.type === type) as TransformStage;

const people = () =>
  tableFromRows([
    { id: 1, age: 22, plan: 'free', 'Beak Length (mm)': 39.1, score: 3 },
    { id: 2, age: null, plan: 'pro', 'Beak Length (mm)': 46.1, score: 5 },
    { id: 3, age: 38, plan: null, 'Beak Length (mm)': null, score: 38 },
    { id: 4, age: 54, plan: 'team', 'Beak Length (mm)': 50.5, score: 1 },
    { id: 5, age: 17, plan: 'pro', 'Beak Length (mm)': 35, score: 17 },
  ]);

function filterIds(where: string, table: Table = people()): (string | number | null)[] {
  const ctx = fakeContext({ where }, { uses: 'filter' });
  return cells(sync(stage('filter').run(table, ctx)), 'id');
}

test('rows stages have strict, documented param schemas', () => {
  assertStageSchemas(stages);
});

test('comparisons on numbers; missing values never match, even with !=', () => {
  assert.deepEqual(filterIds('age > 20'), [1, 3, 4]);
  assert.deepEqual(filterIds('age >= 38'), [3, 4]);
  assert.deepEqual(filterIds('age < 38'), [1, 5]);
  assert.deepEqual(filterIds('age <= 22'), [1, 5]);
  assert.deepEqual(filterIds('age == 38'), [3]);
  assert.deepEqual(filterIds('age != 38'), [1, 4, 5]);
  assert.deepEqual(filterIds('age > -1.5e1'), [1, 3, 4, 5]);
  assert.deepEqual(filterIds('20 < age'), [1, 3, 4]); // literal on the left is mirrored
});

test('comparisons on categories, strings in either quote, ordering by code point', () => {
  assert.deepEqual(filterIds("plan == 'pro'"), [2, 5]);
  assert.deepEqual(filterIds('plan != "pro"'), [1, 4]);
  assert.deepEqual(filterIds("plan < 'pro'"), [1]);
  assert.deepEqual(filterIds("plan == 'gold'"), []);
  assert.deepEqual(filterIds("'team' <= plan"), [4]);
});

test('column against column, backquoted names, is missing', () => {
  assert.deepEqual(filterIds('age == score'), [3, 5]);
  assert.deepEqual(filterIds('`Beak Length (mm)` > 40'), [2, 4]);
  assert.deepEqual(filterIds('`Beak Length (mm)` is missing'), [3]);
  assert.deepEqual(filterIds('age is not missing and plan IS NOT MISSING'), [1, 4, 5]);
  assert.deepEqual(filterIds('plan is missing or age is missing'), [2, 3]);
});

test('and binds tighter than or; not and parentheses', () => {
  assert.deepEqual(filterIds("age < 20 or age > 50 and plan == 'team'"), [4, 5]);
  assert.deepEqual(filterIds("(age < 20 or age > 50) and plan == 'pro'"), [5]);
  // `not` inverts the kept rows, so a missing age (no match for age > 30) is kept.
  assert.deepEqual(filterIds('not age > 30'), [1, 2, 5]);
  assert.deepEqual(filterIds('not (age > 30 or plan == "pro")'), [1]);
  assert.deepEqual(filterIds('not not id == 1'), [1]);
});

test('filter logs the count and returns the input when every row matches', () => {
  const input = people();
  const ctx = fakeContext({ where: 'id > 0' }, { uses: 'filter' });
  assert.equal(sync(stage('filter').run(input, ctx)), input);
  const ctx2 = fakeContext({ where: 'age > 30' }, { uses: 'filter' });
  const out = sync(stage('filter').run(input, ctx2));
  assert.equal(out.rowCount, 2);
  assert.deepEqual(cells(out, 'plan'), [null, 'team']);
  assert.deepEqual(ctx2.logs, ['kept 2 of 5 rows (3 dropped)']);
});

test('parse errors give the 1-based position in the expression', () => {
  const t = people();
  assert.throws(() => evaluateFilter(t, 'age > )'), { message: "filter: unexpected ')' at col 7 of 'age > )'" });
  assert.throws(() => evaluateFilter(t, 'age >'), { message: "filter: unexpected end of expression at col 6 of 'age >'" });
  assert.throws(() => evaluateFilter(t, 'age = 3'), /use '==' to compare\) at col 5/);
  assert.throws(() => evaluateFilter(t, 'age > 3 && id < 2'), /use 'and'\) at col 9/);
  assert.throws(() => evaluateFilter(t, "plan == 'pro"), /unterminated string .* at col 9/);
  assert.throws(() => evaluateFilter(t, '(age > 3'), /expected '\)' to close the '\(' at col 1, found end of expression at col 9/);
  assert.throws(() => evaluateFilter(t, 'age > 3 id'), /unexpected 'id' at col 9/);
  assert.throws(() => evaluateFilter(t, 'age'), /expected a comparison .* found end of expression at col 4/);
  assert.throws(() => evaluateFilter(t, 'age is there'), /expected 'missing' after 'is', found 'there' at col 8/);
  assert.throws(() => evaluateFilter(t, 'age > 1 # x'), /unexpected '#' at col 9/);
});

test('unknown columns and type mismatches are reported with their position', () => {
  const t = people();
  assert.throws(
    () => evaluateFilter(t, 'id > 0 and agee > 3'),
    /filter: no column 'agee' \(available: id, age, plan, Beak Length \(mm\), score\) at col 12/,
  );
  assert.throws(() => evaluateFilter(t, "age > 'old'"), /cannot compare number column 'age' with the string 'old' at col 7/);
  assert.throws(() => evaluateFilter(t, 'plan == 3'), /cannot compare category column 'plan' with the number 3 \(quote it: '3'\) at col 9/);
  assert.throws(() => evaluateFilter(t, 'plan == age'), /cannot compare category column 'plan' with number column 'age'/);
  assert.throws(() => evaluateFilter(t, "'x' is missing"), /'is missing' needs a column/);
});

test('the expression language never evaluates JavaScript', () => {
  const t = people();
  assert.throws(() => evaluateFilter(t, 'process.exit(1)'), /unexpected '\.'/);
  assert.throws(() => evaluateFilter(t, 'constructor == 1'), /no column 'constructor'/);
});

test('drop-missing drops rows with a missing value, in given columns or any column', () => {
  const input = people();
  const ctx = fakeContext({}, { uses: 'drop-missing' });
  const all = sync(stage('drop-missing').run(input, ctx));
  assert.deepEqual(cells(all, 'id'), [1, 4, 5]);
  assert.deepEqual(ctx.logs, ['dropped 2 of 5 rows with a missing value in any column']);

  const ctx2 = fakeContext({ columns: ['plan'] }, { uses: 'drop-missing' });
  assert.deepEqual(cells(sync(stage('drop-missing').run(input, ctx2)), 'id'), [1, 2, 4, 5]);
  assert.deepEqual(ctx2.logs, ["dropped 1 of 5 rows with a missing value in column 'plan'"]);

  const ctx3 = fakeContext({ columns: ['id', 'score'] }, { uses: 'drop-missing' });
  assert.equal(sync(stage('drop-missing').run(input, ctx3)), input);

  assert.throws(() => stage('drop-missing').run(input, fakeContext({ columns: ['nope'] }, { uses: 'drop-missing' })), /no column 'nope'/);
});

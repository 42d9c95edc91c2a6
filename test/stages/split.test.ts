import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table, type Column } from '../../runtime/table/table';
import { stages } from '../../runtime/stages/split';
import type { TransformStage } from '../../runtime/stages/types';
import { cells, fakeContext, sync, assertStageSchemas } from './helpers';

const split = stages.find((s) => s.type === 'train-test-split') as TransformStage;

function rowsTable(n: number, label?: (i: number) => string | null): Table {
  const cols: Column[] = [numberColumn('id', Float64Array.from({ length: n }, (_, i) => i))];
  if (label) cols.push(categoryColumn('y', Array.from({ length: n }, (_, i) => label(i))));
  return new Table(cols);
}

function run(input: Table, params: Record<string, unknown>, extra: { seed?: number; target?: string } = {}) {
  const ctx = fakeContext(params, { uses: 'train-test-split', ...extra });
  const train = sync(split.run(input, ctx));
  const testTable = ctx.getTable('test');
  assert.ok(testTable, 'the test table is set');
  return { train, test: testTable, ctx };
}

const ids = (t: Table) => cells(t, 'id') as number[];

test('split stages have strict, documented param schemas', () => {
  assertStageSchemas(stages);
});

test('sizes follow sklearn (test = ceil(n * test)) and the two tables partition the rows', () => {
  // sklearn train_test_split sizes: (10, 0.3) -> 7/3, (10, 0.25) -> 7/3, (7, 0.5) -> 3/4, (1000, 0.2) -> 800/200
  for (const [n, fraction, nTrain, nTest] of [[10, 0.3, 7, 3], [10, 0.25, 7, 3], [7, 0.5, 3, 4], [1000, 0.2, 800, 200]]) {
    const { train, test: t } = run(rowsTable(n), { test: fraction });
    assert.equal(train.rowCount, nTrain);
    assert.equal(t.rowCount, nTest);
    const all = [...ids(train), ...ids(t)].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
  }
  const { ctx } = run(rowsTable(8), {}, { seed: 42 });
  assert.deepEqual(ctx.logs, ['6 train rows, 2 test rows (test=0.25, seed 42)']);
});

test('the same seed gives the same split, another seed another; default seed is ctx.seed', () => {
  const input = rowsTable(100);
  const a = run(input, { seed: 1 });
  const b = run(input, { seed: 1 });
  const c = run(input, { seed: 2 });
  assert.deepEqual(ids(a.test), ids(b.test));
  assert.deepEqual(ids(a.train), ids(b.train));
  assert.notDeepEqual(ids(a.test), ids(c.test));
  assert.deepEqual(ids(run(input, {}, { seed: 2 }).test), ids(c.test));
  // Random rows, not the last ones; both tables keep the input's row order.
  assert.notDeepEqual(ids(a.test), Array.from({ length: 25 }, (_, i) => 75 + i));
  for (const t of [a.train, a.test, c.train, c.test]) assert.deepEqual(ids(t), [...ids(t)].sort((x, y) => x - y));
});

test('shuffle: false takes the last rows as test, in order', () => {
  const { train, test: t } = run(rowsTable(10), { shuffle: false, test: 0.3 });
  assert.deepEqual(ids(train), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(ids(t), [7, 8, 9]);
});

test('stratified splits keep class proportions, each class split by the same rule', () => {
  // 60 a, 30 b, 10 c, in a scrambled order.
  const label = (i: number) => (i % 10 === 0 ? 'c' : i % 10 <= 3 ? 'b' : 'a');
  const input = rowsTable(100, label);
  const { train, test: t } = run(input, { test: 0.2, stratify: 'y', seed: 5 });
  const count = (table: Table) => {
    const m: Record<string, number> = {};
    for (const v of cells(table, 'y')) m[v as string] = (m[v as string] ?? 0) + 1;
    return m;
  };
  assert.deepEqual(count(t), { a: 12, b: 6, c: 2 });
  assert.deepEqual(count(train), { a: 48, b: 24, c: 8 });
  // Labels still belong to their rows.
  for (const table of [train, t]) for (const r of table.toRows()) assert.equal(r.y, label(r.id as number));

  // Per-class ceil: 7 a and 3 b with test 0.25 -> ceil(1.75) + ceil(0.75) = 2 + 1 test rows.
  const small = rowsTable(10, (i) => (i < 7 ? 'a' : 'b'));
  assert.equal(run(small, { stratify: true }, { target: 'y' }).test.rowCount, 3);
});

test('stratify treats missing labels as a class and warns about single-row classes', () => {
  const input = rowsTable(9, (i) => (i < 4 ? 'a' : i < 8 ? null : 'lonely'));
  const { train, test: t, ctx } = run(input, { test: 0.5, stratify: 'y' });
  assert.equal(cells(t, 'y').filter((v) => v === null).length, 2);
  assert.equal(cells(train, 'y').filter((v) => v === null).length, 2);
  assert.deepEqual(cells(t, 'y').filter((v) => v === 'lonely'), ['lonely']);
  assert.deepEqual(ctx.warnings.map((w) => w.code), ['small-class']);

  // A number column works as a stratum too.
  const numeric = new Table([numberColumn('id', [0, 1, 2, 3, 4, 5, 6, 7]), numberColumn('k', [1, 1, 1, 1, 2, 2, 2, 2])]);
  const r = run(numeric, { test: 0.5, stratify: 'k' });
  assert.deepEqual(cells(r.test, 'k').sort(), [1, 1, 2, 2]);
});

test('bad parameters are reported clearly', () => {
  const input = rowsTable(4, (i) => String(i % 2));
  assert.throws(() => run(input, { test: 1 }), /'test' must be a fraction between 0 and 1/);
  assert.throws(() => run(input, { test: 0 }), /'test' must be a fraction between 0 and 1/);
  assert.throws(() => run(rowsTable(1), {}), /with 1 rows and test=0.25 the train table would be empty/);
  assert.throws(() => run(input, { stratify: 'label' }), /no column 'label' \(available: 'id', 'y'\)/);
  assert.throws(() => run(input, { stratify: true }), /the pipeline declares no 'target:'/);
  assert.throws(() => run(input, { stratify: 'y', shuffle: false }), /'stratify' needs 'shuffle: true'/);
  assert.throws(() => run(input, { seed: 1.5 }), /'seed' must be an integer/);
});

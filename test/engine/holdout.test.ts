import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table, type Column } from '../../runtime/table/table';
import { assignFolds, drawHeldOut, markedHeldOut } from '../../runtime/engine/holdout';
import { cells } from '../stages/helpers';

function rowsTable(n: number, label?: (i: number) => string | null): Table {
  const cols: Column[] = [numberColumn('id', Float64Array.from({ length: n }, (_, i) => i))];
  if (label) cols.push(categoryColumn('y', Array.from({ length: n }, (_, i) => label(i))));
  return new Table(cols);
}

function run(input: Table, params: { test?: number; seed?: number; stratify?: string; shuffle?: boolean }) {
  const rows = drawHeldOut(input, { test: params.test ?? 0.25, seed: params.seed ?? 0, stratify: params.stratify, shuffle: params.shuffle ?? true });
  return { train: input.take(rows.train), test: input.take(rows.test), warnings: rows.warnings };
}

const ids = (t: Table) => cells(t, 'id') as number[];

test('sizes follow sklearn (test = ceil(n * test)) and the two tables partition the rows', () => {
  // sklearn train_test_split sizes: (10, 0.3) -> 7/3, (10, 0.25) -> 7/3, (7, 0.5) -> 3/4, (1000, 0.2) -> 800/200
  for (const [n, fraction, nTrain, nTest] of [[10, 0.3, 7, 3], [10, 0.25, 7, 3], [7, 0.5, 3, 4], [1000, 0.2, 800, 200]]) {
    const { train, test: t } = run(rowsTable(n), { test: fraction });
    assert.equal(train.rowCount, nTrain);
    assert.equal(t.rowCount, nTest);
    const all = [...ids(train), ...ids(t)].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
  }
});

test('the same seed gives the same split, another seed another', () => {
  const input = rowsTable(100);
  const a = run(input, { seed: 1 });
  const b = run(input, { seed: 1 });
  const c = run(input, { seed: 2 });
  assert.deepEqual(ids(a.test), ids(b.test));
  assert.deepEqual(ids(a.train), ids(b.train));
  assert.notDeepEqual(ids(a.test), ids(c.test));
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
  assert.equal(run(small, { stratify: 'y' }).test.rowCount, 3);
});

test('stratify treats missing labels as a class and warns about single-row classes', () => {
  const input = rowsTable(9, (i) => (i < 4 ? 'a' : i < 8 ? null : 'lonely'));
  const { train, test: t, warnings } = run(input, { test: 0.5, stratify: 'y' });
  assert.equal(cells(t, 'y').filter((v) => v === null).length, 2);
  assert.equal(cells(train, 'y').filter((v) => v === null).length, 2);
  assert.deepEqual(cells(t, 'y').filter((v) => v === 'lonely'), ['lonely']);
  assert.deepEqual(warnings.map((w) => w.code), ['small-class']);

  // A number column works as a stratum too.
  const numeric = new Table([numberColumn('id', [0, 1, 2, 3, 4, 5, 6, 7]), numberColumn('k', [1, 1, 1, 1, 2, 2, 2, 2])]);
  const r = run(numeric, { test: 0.5, stratify: 'k' });
  assert.deepEqual(cells(r.test, 'k').sort(), [1, 1, 2, 2]);
});

test('impossible splits are reported clearly', () => {
  const input = rowsTable(4, (i) => String(i % 2));
  assert.throws(() => run(rowsTable(1), {}), /with 1 rows and test=0.25 the training part would be empty/);
  assert.throws(() => run(input, { stratify: 'label' }), /no column 'label'/);
});

test('a column marks held-out rows (true/1/yes/test), and refuses anything else by row', () => {
  const t = new Table([numberColumn('id', [0, 1, 2, 3]), categoryColumn('is_test', ['no', 'yes', 'false', 'TRUE'])]);
  const rows = markedHeldOut(t, 'is_test');
  assert.deepEqual([...rows.test], [1, 3]);
  assert.deepEqual([...rows.train], [0, 2]);
  const bad = new Table([numberColumn('id', [0, 1]), categoryColumn('is_test', ['yes', 'maybe'])]);
  assert.throws(() => markedHeldOut(bad, 'is_test'), /split.column 'is_test': row 2 has 'maybe'/);
  const none = new Table([numberColumn('flag', [0, 0])]);
  assert.throws(() => markedHeldOut(none, 'flag'), /marks no row as held out/);
});

test('folds partition the rows evenly, stratified folds keep class proportions, same seed same folds', () => {
  const label = (i: number) => (i % 4 === 0 ? 'b' : 'a'); // 75 a, 25 b
  const input = rowsTable(100, label);
  const folds = assignFolds(input, 5, { seed: 3, stratify: 'y', shuffle: true });
  for (let f = 0; f < 5; f++) {
    const rows = [...folds.keys()].filter((i) => folds[i] === f);
    assert.equal(rows.length, 20);
    assert.equal(rows.filter((i) => label(i) === 'b').length, 5);
  }
  assert.deepEqual([...assignFolds(input, 5, { seed: 3, stratify: 'y', shuffle: true })], [...folds]);
  assert.notDeepEqual([...assignFolds(input, 5, { seed: 4, stratify: 'y', shuffle: true })], [...folds]);
  // No shuffle: consecutive blocks, the first n % k folds one row longer (sklearn KFold).
  assert.deepEqual([...assignFolds(rowsTable(7), 3, { seed: 0, shuffle: false })], [0, 0, 0, 1, 1, 2, 2]);
  assert.throws(() => assignFolds(rowsTable(2), 3, { seed: 0, shuffle: true }), /3 folds need at least 3 training rows/);
});

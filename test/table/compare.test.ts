import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTables } from '../../runtime/table/compare';
import { Table, categoryColumn, numberColumn } from '../../runtime/table/table';

test('compareTables reports dropped rows, added/removed columns, type and missing changes', () => {
  const before = new Table([
    numberColumn('age', [30, null, 50, null]),
    categoryColumn('plan', ['a', 'b', null, 'a']),
    categoryColumn('zip', ['1', '2', '3', '4']),
    numberColumn('keep', [1, 2, 3, 4]),
  ]);
  const after = new Table([
    numberColumn('age', [30, 40, 50]), // imputed one, one row dropped
    numberColumn('plan', [0, 1, 0]), // encoded: category -> number
    numberColumn('keep', [1, 2, 3]),
    numberColumn('plan_a', [1, 0, 1]),
  ]);
  const d = compareTables(before, after);
  assert.deepEqual(d, {
    rowsBefore: 4,
    rowsAfter: 3,
    rowsDropped: 1,
    rowsAdded: 0,
    columnsAdded: ['plan_a'],
    columnsRemoved: ['zip'],
    typesChanged: [{ name: 'plan', from: 'category', to: 'number' }],
    missingChanged: [
      { name: 'age', before: 2, after: 0 },
      { name: 'plan', before: 1, after: 0 },
    ],
  });
  const same = compareTables(after, after);
  assert.equal(same.rowsDropped + same.rowsAdded + same.columnsAdded.length + same.missingChanged.length, 0);
  assert.equal(compareTables(after, before).rowsAdded, 1);
});

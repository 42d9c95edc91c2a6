import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageColumn, pageRows } from '../../runtime/table/page';
import { Table, type CategoryColumn, type NumberColumn } from '../../runtime/table/table';

function bigTable(n: number): Table {
  const values = new Float64Array(n);
  const missing = new Uint8Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = i * 0.5;
    if (i % 1000 === 999) {
      values[i] = NaN;
      missing[i] = 1;
    }
    codes[i] = i % 5 === 4 ? -1 : i % 3;
  }
  const x: NumberColumn = { type: 'number', name: 'x', values, missing };
  const c: CategoryColumn = { type: 'category', name: 'c', codes, dictionary: ['a', 'b', 'c'] };
  return new Table([x, c]);
}

test('a page of a 2,000,000-row table holds exactly the rows asked for', () => {
  const t = bigTable(2_000_000);
  const p = pageRows(t, 1_234_995, 10);
  assert.equal(p.start, 1_234_995);
  assert.equal(p.count, 10);
  assert.equal(p.rows.length, 10);
  p.rows.forEach((row, k) => {
    const i = 1_234_995 + k;
    assert.deepEqual(row, [i % 1000 === 999 ? null : i * 0.5, i % 5 === 4 ? null : ['a', 'b', 'c'][i % 3]]);
  });
  assert.deepEqual(pageColumn(t.column('x'), 1_999_998, 5), [999_999, null]);
});

test('requests are clamped to the table', () => {
  const t = bigTable(10);
  assert.deepEqual(pageRows(t, 8, 5).rows.map((r) => r[0]), [4, 4.5]);
  assert.deepEqual(pageRows(t, -3, 2), { start: 0, count: 2, rows: [[0, 'a'], [0.5, 'b']] });
  assert.deepEqual(pageRows(t, 50, 5), { start: 10, count: 0, rows: [] });
  assert.deepEqual(pageRows(t, 2, -1).rows, []);
  assert.deepEqual(pageColumn(t.column('c'), 3, 3), ['a', null, 'c']);
});

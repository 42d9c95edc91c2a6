import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { summarizeColumn, summarizeTable } from '../../runtime/table/summary';
import { Table, categoryColumn, numberColumn } from '../../runtime/table/table';

// Fixture and expected numbers from pandas 1.5.3 (numpy 1.24.2, bottleneck installed):
//   s = pd.Series(X, dtype='float64')
//   s.mean(), s.std(), s.min(), s.max(), s.quantile([.25, .5, .75]), s.isna().sum(),
//   s.nunique(), s.value_counts()
// and for C: c.value_counts(), c.nunique(), c.isna().sum().
const X = [3.2, null, 1.5, 7.25, 1.5, 10.0, -2.75, 4.4, null, 0.1, 8.8, 1.5, 6.02, 3.3, 9.9, 0.7, 2.2, 5.55, 10.0, 4.05];
const C = ['b', 'a', null, 'c', 'a', 'b', 'b', null, 'a', 'd'];

test('number column statistics equal pandas exactly', () => {
  const s = summarizeColumn(numberColumn('x', X), { topK: 3 });
  assert.equal(s.name, 'x');
  assert.equal(s.type, 'number');
  assert.equal(s.missing, 2);
  assert.equal(s.distinct, 15);
  assert.equal(s.mean, 4.29);
  assert.equal(s.std, 3.7599014380073066);
  assert.equal(s.min, -2.75);
  assert.equal(s.max, 10.0);
  assert.deepEqual(s.quantiles, { p25: 1.5, p50: 3.675, p75: 6.9425 });
  // value_counts: 1.5 x3, 10.0 x2, then the first value seen once (3.2).
  assert.deepEqual(s.top, [
    { value: 1.5, count: 3 },
    { value: 10, count: 2 },
    { value: 3.2, count: 1 },
  ]);
});

test('category column: counts, distinct, ties broken by first appearance', () => {
  const s = summarizeColumn(categoryColumn('c', C));
  assert.equal(s.missing, 2);
  assert.equal(s.distinct, 4);
  assert.deepEqual(s.top, [
    { value: 'b', count: 3 },
    { value: 'a', count: 3 },
    { value: 'c', count: 1 },
    { value: 'd', count: 1 },
  ]);
  assert.equal(s.mean, undefined);
  // Dictionary entries no row uses are not counted as distinct values.
  const sparse = summarizeColumn({ type: 'category', name: 'c', codes: Int32Array.from([1, 1, -1]), dictionary: ['unused', 'z'] });
  assert.equal(sparse.distinct, 1);
  assert.deepEqual(sparse.top, [{ value: 'z', count: 2 }]);
});

test('edge cases: all missing, a single value', () => {
  const none = summarizeColumn(numberColumn('n', [null, null]));
  assert.equal(none.missing, 2);
  assert.equal(none.mean, undefined);
  assert.deepEqual(none.top, []);
  const one = summarizeColumn(numberColumn('n', [7]));
  assert.equal(one.mean, 7);
  assert.equal(one.std, undefined);
  assert.deepEqual(one.quantiles, { p25: 7, p50: 7, p75: 7 });
});

test('summarizeTable reports shape, bytes and one summary per column', () => {
  const t = new Table([numberColumn('x', X), categoryColumn('c', [...C, ...C])]);
  const s = summarizeTable(t, { topK: 1 });
  assert.equal(s.rows, 20);
  assert.equal(s.columns, 2);
  assert.equal(s.bytes, t.byteSize);
  assert.deepEqual(s.columnSummaries.map((c) => [c.name, c.type, c.missing, c.top.length]), [
    ['x', 'number', 2, 1],
    ['c', 'category', 4, 1],
  ]);
});

test('top values and distinct count match a plain Map count on random columns (ties by first appearance)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(NaN, -0, 0, 0.5)), { maxLength: 200 }),
      fc.integer({ min: 0, max: 6 }),
      (values, topK) => {
        const counts = new Map<number, number>();
        for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
        const expected = [...counts].sort((a, b) => b[1] - a[1]).slice(0, topK).map(([value, count]) => ({ value, count }));
        // NaN would be missing in a column built from numbers, so keep it as a plain value here.
        const col = { type: 'number' as const, name: 'x', values: Float64Array.from(values), missing: null };
        const s = summarizeColumn(col, { topK });
        assert.equal(s.distinct, counts.size);
        assert.deepEqual(s.top, expected);
      },
    ),
    { numRuns: 500 },
  );
});

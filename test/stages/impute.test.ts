import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberColumn, Table, tableFromRows } from '../../runtime/table/table';
import { mostFrequentNumber, nanMedian, stages } from '../../runtime/stages/impute';
import { seededRandom } from '../../runtime/stages/common';
import type { FittedStage } from '../../runtime/stages/types';
import { assertClose, cells, fakeContext, sync, assertStageSchemas } from './helpers';

const impute = stages.find((s) => s.type === 'impute') as FittedStage;

// Titanic-like fixture. Expected statistics come from scikit-learn 1.2.1:
//   SimpleImputer(strategy=s).fit(X).statistics_  with X = [age, fare]
const age = [22, null, 38, 26, null, 35, 54, 2];
const fare = [7.25, 71.2833, null, 8.05, 53.1, 8.05, null, 21.075];
const embarked = ['S', 'C', null, 'S', 'Q', 'C', null, 'Q'];
const survived = [0, 1, null, 1, 0, 1, 0, null];
const titanic = () =>
  tableFromRows(age.map((a, i) => ({ age: a, fare: fare[i], embarked: embarked[i], survived: survived[i] })));

function fitTransform(params: Record<string, unknown>, input: Table = titanic(), target = 'survived') {
  const ctx = fakeContext(params, { uses: 'impute', target });
  const state = sync(impute.fit(input, ctx));
  const output = sync(impute.transform(input, state, ctx));
  return { state, output, ctx, input };
}

test('impute stages have strict, documented param schemas', () => {
  assertStageSchemas(stages);
});

test('mean fills number columns except the target (sklearn: [29.5, 28.134716666666666])', () => {
  const { state, output, ctx, input } = fitTransform({});
  assert.equal(state.strategy, 'mean');
  assert.deepEqual(Object.keys(state.fills), ['age', 'fare']);
  assertClose([state.fills.age, state.fills.fare], [29.5, 28.134716666666666]);
  assertClose(cells(output, 'age'), [22, 29.5, 38, 26, 29.5, 35, 54, 2]);
  assert.equal(output.numberColumn('age').missing, null);
  assert.equal(output.numberColumn('fare').values[2], state.fills.fare);
  // The target and the category column are untouched (same column objects).
  assert.equal(output.column('survived'), input.column('survived'));
  assert.equal(output.column('embarked'), input.column('embarked'));
  assert.deepEqual(cells(output, 'survived'), survived);
  assert.deepEqual(cells(output, 'embarked'), embarked);
  assert.deepEqual(ctx.logs, ['filled 4 missing values in 2 of 2 columns']);
});

test('median like numpy (sklearn: [30.5, 14.5625]; odd count [5, 1, nan, 3] -> 3)', () => {
  const { state, output } = fitTransform({ strategy: 'median' });
  assert.deepEqual(state.fills, { age: 30.5, fare: 14.5625 });
  assertClose(cells(output, 'fare'), [7.25, 71.2833, 14.5625, 8.05, 53.1, 8.05, 14.5625, 21.075]);
  const odd = new Table([numberColumn('x', [5, 1, null, 3])]);
  assert.deepEqual(fitTransform({ strategy: 'median' }, odd).state.fills, { x: 3 });
});

test('median by selection agrees with sorting on random data with many ties', () => {
  const random = seededRandom(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(random() * 60);
    const values = Array.from({ length: n }, () => (random() < 0.1 ? null : Math.floor(random() * 10) - 3));
    const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    const m = present.length;
    const expected = m === 0 ? NaN : m % 2 ? present[(m - 1) / 2] : (present[m / 2 - 1] + present[m / 2]) / 2;
    assert.deepEqual(nanMedian(numberColumn('x', values)), expected, JSON.stringify(values));
  }
});

/** The median by the book: sort the present values, take the middle one or two. */
function sortedMedian(values: Float64Array): number {
  const present = Array.from(values).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const m = present.length;
  return m === 0 ? NaN : m % 2 ? present[(m - 1) / 2] : (present[m / 2 - 1] + present[m / 2]) / 2;
}

test('median of big columns (sampled bracket + selection) equals the sort-based median', () => {
  const random = seededRandom(11);
  const n = 50_000;
  const stride = Math.floor(n / 4096);
  const shapes: [string, (i: number) => number][] = [
    ['gaussian-ish with 5% missing', () => (random() < 0.05 ? NaN : (random() + random() + random() - 1.5) * 100)],
    ['few distinct values (ties at the middle)', () => (random() < 0.1 ? NaN : Math.floor(random() * 4))],
    ['sorted ascending', (i) => i * 0.5],
    ['sorted descending with a missing block', (i) => (i > 1000 && i < 9000 ? NaN : -i)],
    // Every sampled position holds an outlier, so the bracket misses: the fallback must answer.
    ['adversarial to the evenly spaced sample', (i) => (i % stride === 0 ? 1e9 : random())],
    ['signed zeros and tiny values', () => (random() < 0.5 ? (random() < 0.5 ? -0 : 0) : (random() - 0.5) * 1e-300)],
    ['mostly missing', () => (random() < 0.9 ? NaN : random() * 10)],
    ['all missing', () => NaN],
  ];
  for (const [label, make] of shapes) {
    for (const size of [n, n + 1]) {
      const values = Float64Array.from({ length: size }, (_, i) => make(i));
      const got = nanMedian(numberColumn('x', values));
      const want = sortedMedian(values);
      // === so that -0 and 0 count as equal (either may sit in the middle); NaN only for no values.
      assert.ok(got === want || (Number.isNaN(got) && Number.isNaN(want)), `${label}, ${size} rows: ${got} vs ${want}`);
    }
  }
});

test('most_frequent picks the smallest value on ties, for numbers and strings (sklearn: 8.05, 2.0, C, 1)', () => {
  const { state, output } = fitTransform({ strategy: 'most_frequent' });
  // Every column except the target; age has no repeat, so the smallest value wins.
  assert.deepEqual(state.fills, { age: 2, fare: 8.05, embarked: 'C' });
  assert.deepEqual(cells(output, 'embarked'), ['S', 'C', 'C', 'S', 'Q', 'C', 'C', 'Q']);
  assert.equal(missingIn(output, 'embarked'), 0);
  const ties = new Table([numberColumn('x', [3, 1, 3, 1, null])]);
  assert.deepEqual(fitTransform({ strategy: 'most_frequent' }, ties).state.fills, { x: 1 });
});

function missingIn(t: Table, name: string): number {
  return cells(t, name).filter((v) => v === null).length;
}

test('constant fills by the kind of fill_value, or the listed columns', () => {
  const numeric = fitTransform({ strategy: 'constant', fill_value: -1 });
  assert.deepEqual(numeric.state.fills, { age: -1, fare: -1 });
  assert.deepEqual(cells(numeric.output, 'embarked'), embarked);

  const text = fitTransform({ strategy: 'constant', fill_value: 'unknown' });
  assert.deepEqual(text.state.fills, { embarked: 'unknown' });
  assert.deepEqual(cells(text.output, 'embarked'), ['S', 'C', 'unknown', 'S', 'Q', 'C', 'unknown', 'Q']);

  const listed = fitTransform({ strategy: 'constant', fill_value: 0, columns: ['embarked', 'survived'] });
  assert.deepEqual(listed.state.fills, { embarked: '0', survived: 0 });
  assert.deepEqual(cells(listed.output, 'survived'), [0, 1, 0, 1, 0, 1, 0, 0]);

  assert.throws(() => fitTransform({ strategy: 'constant' }), /strategy 'constant' needs 'fill_value'/);
  assert.throws(
    () => fitTransform({ strategy: 'constant', fill_value: 'x', columns: ['age'] }),
    /cannot fill number column 'age' with the string 'x'/,
  );
});

test('a column with no values at fit is warned about and left as it is', () => {
  const input = tableFromRows([
    { a: 1, empty: null },
    { a: null, empty: null },
  ]);
  const { state, output, ctx } = fitTransform({ strategy: 'median' }, input);
  assert.deepEqual(state.fills, { a: 1 });
  assert.equal(ctx.warnings.length, 1);
  assert.equal(ctx.warnings[0].code, 'all-missing');
  assert.match(ctx.warnings[0].message, /'empty'/);
  assert.equal(output.column('empty'), input.column('empty'));
});

test('state survives JSON and inference applies it without refitting', () => {
  const { state, output } = fitTransform({ strategy: 'most_frequent' });
  const saved = JSON.parse(JSON.stringify(state));
  const ctx = fakeContext({ strategy: 'most_frequent' }, { uses: 'impute', mode: 'inference', target: 'survived' });
  const replay = sync(impute.transform(titanic(), saved, ctx));
  for (const name of output.names) assert.deepEqual(cells(replay, name), cells(output, name));

  // New data: different missing slots, a category never seen at fit; fills come from the state.
  const fresh = tableFromRows([
    { age: null, fare: 1, embarked: 'X', survived: 1 },
    { age: 80, fare: null, embarked: null, survived: 0 },
  ]);
  const out = sync(impute.transform(fresh, saved, ctx));
  assert.deepEqual(cells(out, 'age'), [2, 80]);
  assert.deepEqual(cells(out, 'fare'), [1, 8.05]);
  assert.deepEqual(cells(out, 'embarked'), ['X', 'C']);
  // Columns without missing values are passed through untouched.
  const complete = tableFromRows([{ age: 1, fare: 2, embarked: 'S', survived: 1 }]);
  const same = sync(impute.transform(complete, saved, ctx));
  for (const name of complete.names) assert.equal(same.column(name), complete.column(name));
});

test('bad columns are named', () => {
  assert.throws(() => fitTransform({ columns: ['embarked'] }), /'embarked' is a category column; this stage needs number columns/);
  assert.throws(() => fitTransform({ columns: ['agee'] }), /no column 'agee' \(available: 'age', 'fare', 'embarked', 'survived'\)/);
  assert.throws(() => fitTransform({ strategy: 'mode' }), /unknown strategy 'mode'/);
  const { state } = fitTransform({});
  const ctx = fakeContext({}, { uses: 'impute' });
  assert.throws(() => impute.transform(titanic().drop(['fare']), state, ctx), /column 'fare' was imputed at fit but is not in the input/);
});

test('most frequent number by hashing agrees with counting by sort, across table growth and -0', () => {
  const random = seededRandom(11);
  for (const spread of [3, 50, 5000]) {
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(random() * 20000);
      const values = Array.from({ length: n }, () => {
        const r = random();
        return r < 0.05 ? null : r < 0.08 ? -0 : Math.floor(random() * spread) / 4;
      });
      const counts = new Map<number, number>();
      for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      let expected = NaN;
      let best = 0;
      for (const [v, c] of [...counts].sort((a, b) => a[0] - b[0])) if (c > best) [expected, best] = [v, c];
      assert.equal(mostFrequentNumber(numberColumn('x', values)), expected, `spread ${spread}, n ${n}`);
    }
  }
  assert.ok(Number.isNaN(mostFrequentNumber(numberColumn('x', [null, null]))));
});

// The built-in stages record, for each column they write, the missing and non-finite counts the
// engine's data checks would otherwise read the column again for. Those counts must be exactly
// what a fresh scan finds, whatever the input (missing values, infinities, all missing, fills).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, knownCounts, missingCount, numberColumn, Table, type Column } from '../../runtime/table/table';
import { parseCsv } from '../../runtime/table/csv';
import { stages as imputeStages } from '../../runtime/stages/impute';
import { stages as scaleStages } from '../../runtime/stages/scale';
import { stages as encodeStages } from '../../runtime/stages/encode';
import type { FittedStage } from '../../runtime/stages/types';
import { fakeContext, sync } from './helpers';

const stage = (list: unknown[], type: string): FittedStage =>
  (list as FittedStage[]).find((s) => s.type === type) as FittedStage;

function scanned(c: Column): { missing: number; nonFinite: number } {
  let nonFinite = 0;
  if (c.type === 'number') {
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i];
      if (!Number.isFinite(v) && (c.missing === null || c.missing[i] === 0)) nonFinite++;
    }
  }
  return { missing: missingCount(c), nonFinite };
}

/** Runs fit + transform; every column the stage wrote must carry counts equal to a scan. */
function assertCounted(type: string, params: Record<string, unknown>, input: Table, list: unknown[]): Table {
  const s = stage(list, type);
  const ctx = fakeContext(params, { uses: type });
  const output = sync(s.transform(input, sync(s.fit(input, ctx)), ctx));
  let written = 0;
  for (const col of output.columns) {
    if (input.has(col.name) && input.column(col.name) === col) continue;
    written++;
    const known = knownCounts(col);
    assert.ok(known, `${type}: column '${col.name}' has no recorded counts`);
    assert.deepEqual({ ...known }, scanned(col), `${type}: counts of '${col.name}'`);
  }
  assert.ok(written > 0, `${type} wrote no column`);
  return output;
}

// A big enough column (> 32k rows) takes the sampled median path; small ones the plain one.
function numbers(n: number, at: (i: number) => number | null): (number | null)[] {
  return Array.from({ length: n }, (_, i) => at(i));
}

test('the CSV reader records counts for its number columns', () => {
  const t = parseCsv(new TextEncoder().encode('a,b,c\n1,,x\n2,3,\n,4,y\n'));
  for (const col of t.columns) {
    if (col.type !== 'number') continue;
    assert.deepEqual({ ...knownCounts(col)! }, scanned(col), col.name);
  }
});

test('impute records counts: fills, infinities kept, columns read from CSV; a non-finite fill is an error', () => {
  for (const n of [50, 40_000]) {
    const input = new Table([
      numberColumn('gaps', numbers(n, (i) => (i % 7 === 0 ? null : i))),
      numberColumn('inf', numbers(n, (i) => (i % 5 === 0 ? null : i % 11 === 0 ? Infinity : i))),
      numberColumn('mostly_inf', numbers(n, (i) => (i % 3 === 0 ? null : Infinity))),
      categoryColumn('plan', numbers(n, (i) => i).map((i) => (i! % 4 === 0 ? null : i! % 2 ? 'a' : 'b'))),
    ]);
    assertCounted('impute', { strategy: 'median', columns: ['gaps', 'inf'] }, input, imputeStages);
    assertCounted('impute', { strategy: 'mean', columns: ['gaps'] }, input, imputeStages);
    assertCounted('impute', { strategy: 'most_frequent', columns: ['gaps', 'plan'] }, input, imputeStages);
    assertCounted('impute', { strategy: 'constant', fill_value: 0, columns: ['gaps', 'inf'] }, input, imputeStages);
    // A fill of Infinity could not be saved in the version: the stage says why, by column.
    assert.throws(() => assertCounted('impute', { strategy: 'median' }, input, imputeStages), /column 'mostly_inf': the median is Infinity because the column holds Infinity \(row 1\)/);
    assert.throws(() => assertCounted('impute', { strategy: 'mean', columns: ['inf'] }, input, imputeStages), /column 'inf': the mean is Infinity/);
  }
  // Columns from the reader take the block-copy path (their counts are known).
  const csv = ['a,b'];
  for (let i = 0; i < 40_000; i++) csv.push(`${i % 9 === 0 ? '' : i},${i % 2}`);
  assertCounted('impute', { strategy: 'median' }, parseCsv(new TextEncoder().encode(csv.join('\n'))), imputeStages);
});

test('scale records counts, including NaN from overflow, and leaves masked columns to the check', () => {
  const input = new Table([
    numberColumn('plain', numbers(100, (i) => i * 0.5)),
    numberColumn('huge', numbers(100, () => 1e308)), // the plain sum would overflow; the scaled one does not
    numberColumn('constant', numbers(100, () => 3)),
  ]);
  const out = assertCounted('standard-scale', {}, input, scaleStages);
  assert.equal(knownCounts(out.column('huge'))!.nonFinite, 0);
  assert.ok(out.numberColumn('huge').values.every((v) => v === 0), 'a constant column of 1e308 scales to 0');
  assertCounted('min-max-scale', {}, input, scaleStages);
  // A column with missing values shares its mask: no counts recorded, the engine scans it.
  const masked = new Table([numberColumn('m', [1, null, 3])]);
  const ctx = fakeContext({}, { uses: 'standard-scale' });
  const s = stage(scaleStages, 'standard-scale');
  const scaled = sync(s.transform(masked, sync(s.fit(masked, ctx)), ctx));
  assert.equal(knownCounts(scaled.column('m')), undefined);
});

test('one-hot and label-encode record counts', () => {
  const input = new Table([
    categoryColumn('plan', ['a', null, 'b', 'a', 'c']),
    numberColumn('level', [1, 2, null, 2, 1]),
  ]);
  assertCounted('one-hot', { columns: ['plan', 'level'] }, input, encodeStages);
  assertCounted('label-encode', { columns: ['plan', 'level'] }, input, encodeStages);
});

// Column and table summaries for the debugger's data view (shape, types, missing counts,
// statistics, top values). Statistics follow pandas 1.5 bit for bit, so a number shown in
// Plumb is the number an engineer gets from `df.describe()`:
//  - mean: numpy pairwise summation over the column with missing slots counted as 0,
//    divided by the count of present values (pandas nanops.nanmean);
//  - std: sample standard deviation (ddof = 1) by two plain sequential passes, mean then
//    squared deviations (pandas hands nanstd to bottleneck, which sums sequentially);
//  - quantiles: numpy's default 'linear' method, including its two-sided lerp.
import { type Cell, type Column, type Table, missingCount } from './table';

export interface TopValue {
  value: Cell;
  count: number;
}

export interface ColumnSummary {
  name: string;
  type: Column['type'];
  missing: number;
  /** Distinct present values. */
  distinct?: number;
  mean?: number;
  /** Sample standard deviation (ddof = 1); absent with fewer than two values. */
  std?: number;
  min?: number;
  max?: number;
  quantiles?: { p25: number; p50: number; p75: number };
  /** Most frequent present values, most frequent first; ties in order of first appearance. */
  top: TopValue[];
}

export interface TableSummary {
  rows: number;
  columns: number;
  bytes: number;
  columnSummaries: ColumnSummary[];
}

export interface SummaryOptions {
  /** How many top values to keep per column. Default 5. */
  topK?: number;
}

export function summarizeTable(table: Table, opts: SummaryOptions = {}): TableSummary {
  return {
    rows: table.rowCount,
    columns: table.columnCount,
    bytes: table.byteSize,
    columnSummaries: table.columns.map((c) => summarizeColumn(c, opts)),
  };
}

export function summarizeColumn(column: Column, opts: SummaryOptions = {}): ColumnSummary {
  const topK = Math.max(0, opts.topK ?? 5);
  return column.type === 'number' ? summarizeNumbers(column, topK) : summarizeCategories(column, topK);
}

function summarizeCategories(c: Extract<Column, { type: 'category' }>, topK: number): ColumnSummary {
  const counts = new Int32Array(c.dictionary.length);
  const first = new Int32Array(c.dictionary.length).fill(-1);
  let missing = 0;
  for (let i = 0; i < c.codes.length; i++) {
    const k = c.codes[i];
    if (k < 0) {
      missing++;
      continue;
    }
    if (counts[k]++ === 0) first[k] = i;
  }
  const used: number[] = [];
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0) used.push(k);
  used.sort((a, b) => counts[b] - counts[a] || first[a] - first[b]);
  return {
    name: c.name,
    type: 'category',
    missing,
    distinct: used.length,
    top: used.slice(0, topK).map((k) => ({ value: c.dictionary[k], count: counts[k] })),
  };
}

function summarizeNumbers(c: Extract<Column, { type: 'number' }>, topK: number): ColumnSummary {
  const n = c.values.length;
  const missing = missingCount(c);
  const present = new Float64Array(n - missing);
  // Missing slots as 0, to sum exactly as pandas does (see the file comment).
  const zeroFilled = missing ? new Float64Array(n) : c.values;
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (c.missing !== null && c.missing[i] === 1) continue;
    const v = c.values[i];
    present[j++] = v;
    if (missing) zeroFilled[i] = v;
  }
  const m = present.length;
  const sorted = present.slice().sort();
  const { distinct, top } = topNumbers(present, sorted, topK);
  const summary: ColumnSummary = { name: c.name, type: 'number', missing, distinct, top };
  if (m === 0) return summary;

  summary.mean = pairwiseSum(zeroFilled, 0, n) / m;
  if (m > 1) {
    let s = 0;
    for (let i = 0; i < m; i++) s += present[i];
    const avg = s / m;
    let sq = 0;
    for (let i = 0; i < m; i++) sq += (present[i] - avg) * (present[i] - avg);
    summary.std = Math.sqrt(sq / (m - 1));
  }
  summary.min = sorted[0];
  summary.max = sorted[m - 1];
  summary.quantiles = { p25: quantile(sorted, 0.25), p50: quantile(sorted, 0.5), p75: quantile(sorted, 0.75) };
  return summary;
}

/**
 * Distinct count and the topK most frequent values, ties in order of first appearance
 * (as pandas' value_counts). Counted from the sorted copy the quantiles need anyway, not
 * with a hash map of every value: on a million distinct values that halves the summary.
 * `present` is in row order, `sorted` the same values sorted (equal values adjacent; NaN
 * counts as one value, and -0 as 0, like a Map key).
 */
function topNumbers(present: Float64Array, sorted: Float64Array, topK: number): { distinct: number; top: TopValue[] } {
  const m = sorted.length;
  const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);
  // Runs of equal values: uniq[k] with cnt[k].
  const uniq = new Float64Array(m);
  const cnt = new Int32Array(m);
  let d = 0;
  for (let i = 0; i < m; i++) {
    if (d > 0 && same(sorted[i], uniq[d - 1])) cnt[d - 1]++;
    else {
      uniq[d] = sorted[i];
      cnt[d++] = 1;
    }
  }
  if (topK === 0 || d === 0) return { distinct: d, top: [] };
  // The K-th largest count: values counted more are all in; values counted exactly that
  // many fill the rest in order of first appearance.
  const best: number[] = [];
  for (let k = 0; k < d; k++) {
    if (best.length < topK) best.push(cnt[k]);
    else if (cnt[k] > best[best.length - 1]) best[best.length - 1] = cnt[k];
    else continue;
    best.sort((a, b) => b - a);
  }
  const threshold = best[best.length - 1];
  const indexOf = (v: number): number => {
    if (v !== v) return d - 1; // NaN sorts last
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (uniq[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const seen = new Uint8Array(d);
  const above: { value: number; count: number }[] = [];
  const ties: { value: number; count: number }[] = [];
  for (let i = 0; i < m; i++) {
    const k = indexOf(present[i]);
    if (seen[k] || cnt[k] < threshold) continue;
    seen[k] = 1;
    const value = uniq[k] === 0 ? 0 : uniq[k]; // -0 and 0 are one value, shown as 0
    if (cnt[k] > threshold) above.push({ value, count: cnt[k] });
    else if (ties.length < topK) ties.push({ value, count: cnt[k] });
  }
  above.sort((a, b) => b.count - a.count); // stable: first appearance among equal counts
  return { distinct: d, top: [...above, ...ties].slice(0, topK) };
}

/** numpy's pairwise_sum: exact same grouping, so the rounding matches numpy's. */
export function pairwiseSum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** numpy.quantile(method='linear') on sorted values, with numpy's lerp. */
export function quantile(sorted: Float64Array, q: number): number {
  const m = sorted.length;
  const pos = q * (m - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, m - 1);
  return numpyLerp(sorted[lo], sorted[hi], pos - lo);
}

/** numpy's lerp between neighbours a <= b: from the nearer end, so the result stays within [a, b]. */
export function numpyLerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

// Which rows are held out: the `split:` declaration, applied by the engine before anything
// is fitted (a test fraction, a column marking test rows, and/or k folds).
//
// Sizes follow scikit-learn: test = ceil(n * test), train = the rest. Test rows are drawn
// with a seeded PRNG (mulberry32), so a seed always gives the same split. The draw differs
// from NumPy's, so the chosen rows differ from scikit-learn's for the same seed. Unlike
// scikit-learn, both tables keep the input's row order (a random subset, not a shuffle):
// it is much faster to gather and easier to compare in the debugger; model stages shuffle
// per epoch themselves. With `shuffle: false` the last rows form the test table.
//
// Stratified: each class (missing values form a class of their own) is split by the same
// rule, test = ceil(n_class * test), and the parts are combined. Class proportions are
// kept; the test table can exceed ceil(n * test) by less than one row per class.
import type { Table } from '../table/table';
import { compareStrings, maskToRows, requireColumns, rowRange, seededRandom } from '../stages/common';

/** Rows grouped by class, groups in sorted class order (missing last). */
function groupRows(table: Table, name: string): Int32Array[] {
  const c = table.column(name);
  const n = table.rowCount;
  // Class id per row, then a counting sort into one array per class.
  const classOf = new Int32Array(n);
  let order: number[];
  if (c.type === 'category') {
    const dict = c.dictionary;
    const missingId = dict.length;
    for (let i = 0; i < n; i++) classOf[i] = c.codes[i] < 0 ? missingId : c.codes[i];
    order = dict.map((_, k) => k).sort((a, b) => compareStrings(dict[a], dict[b]));
    order.push(missingId);
  } else {
    const ids = new Map<number, number>();
    const keys: number[] = [];
    const v = c.values;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      const key = x === x ? x : NaN; // Map treats every NaN as one key: the missing class
      let id = ids.get(key);
      if (id === undefined) {
        id = keys.length;
        keys.push(key);
        ids.set(key, id);
      }
      classOf[i] = id;
    }
    order = keys.map((_, k) => k).sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      return x !== x ? 1 : y !== y ? -1 : x - y;
    });
  }
  const counts = new Int32Array(order.length + 1);
  for (let i = 0; i < n; i++) counts[classOf[i]]++;
  const groups = order.map((id) => new Int32Array(counts[id]));
  const slotOf = new Int32Array(counts.length).fill(-1);
  order.forEach((id, g) => (slotOf[id] = g));
  const fill = new Int32Array(order.length);
  for (let i = 0; i < n; i++) {
    const g = slotOf[classOf[i]];
    groups[g][fill[g]++] = i;
  }
  return groups.filter((g) => g.length > 0);
}

/** Marks `k` rows of `rows` chosen uniformly at random (a partial Fisher–Yates shuffle). */
function pickRandom(rows: Int32Array, k: number, random: () => number, marks: Uint8Array): void {
  const n = rows.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = rows[i];
    rows[i] = rows[j];
    rows[j] = t;
    marks[rows[i]] = 1;
  }
}

export interface DrawOptions {
  /** Fraction of rows held out: ceil(n × test). */
  test: number;
  seed: number;
  /** Column whose class proportions are kept. */
  stratify?: string;
  /** false: the last rows are the test rows. */
  shuffle: boolean;
}

export interface HeldOutRows {
  /** Row indices of the training rows and of the held-out rows, each in input order. */
  train: Int32Array;
  test: Int32Array;
  /** Problems worth a warning (e.g. single-row classes). */
  warnings: { message: string; code: string }[];
}

/** Draws ceil(n × test) held-out rows (seeded, optionally stratified); both parts keep the input order. */
export function drawHeldOut(input: Table, o: DrawOptions): HeldOutRows {
  const n = input.rowCount;
  const nTest = Math.ceil(n * o.test);
  if (nTest === 0 || nTest === n) {
    throw new Error(`split: with ${n} rows and test=${o.test} the ${nTest === 0 ? 'held-out' : 'training'} part would be empty`);
  }
  const warnings: HeldOutRows['warnings'] = [];
  if (o.stratify !== undefined) requireColumns(input, [o.stratify], 'split');
  if (!o.shuffle) {
    return { train: rowRange(n - nTest), test: rowRange(nTest).map((i) => i + n - nTest), warnings };
  }
  const random = seededRandom(o.seed);
  // 1 marks a held-out row. Chosen at random, but both parts keep the input's order:
  // reading rows in order is several times faster than a random gather.
  const isTest = new Uint8Array(n);
  if (o.stratify === undefined) {
    pickRandom(rowRange(n), nTest, random, isTest);
  } else {
    let singletons = 0;
    for (const g of groupRows(input, o.stratify)) {
      pickRandom(g, Math.ceil(g.length * o.test), random, isTest);
      if (g.length === 1) singletons++;
    }
    if (singletons > 0) {
      warnings.push({
        message: `split: ${singletons} class${singletons === 1 ? '' : 'es'} of '${o.stratify}' ${singletons === 1 ? 'has' : 'have'} a single row, which went to the held-out rows`,
        code: 'small-class',
      });
    }
  }
  const test = maskToRows(isTest);
  const train = new Int32Array(n - test.length);
  for (let i = 0, k = 0; i < n; i++) if (isTest[i] === 0) train[k++] = i;
  if (train.length === 0) throw new Error(`split: stratifying by '${o.stratify}' left no training rows`);
  return { train, test, warnings };
}

const TEST_MARKS = new Set(['true', '1', 'yes', 'test']);
const TRAIN_MARKS = new Set(['false', '0', 'no', 'train']);

/** The held-out rows marked by `column` (true/1/yes/test; false/0/no/train for training rows). */
export function markedHeldOut(input: Table, column: string): HeldOutRows {
  requireColumns(input, [column], 'split.column');
  const c = input.column(column);
  const n = input.rowCount;
  const isTest = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let mark: boolean | undefined;
    if (c.type === 'number') {
      const v = c.values[i];
      mark = c.missing?.[i] === 1 || v !== v ? undefined : v === 1 ? true : v === 0 ? false : undefined;
    } else {
      const s = c.codes[i] < 0 ? '' : c.dictionary[c.codes[i]].trim().toLowerCase();
      mark = TEST_MARKS.has(s) ? true : TRAIN_MARKS.has(s) ? false : undefined;
    }
    if (mark === undefined) {
      const shown = c.type === 'number' ? (c.missing?.[i] === 1 ? 'a missing value' : String(c.values[i])) : c.codes[i] < 0 ? 'a missing value' : `'${c.dictionary[c.codes[i]]}'`;
      throw new Error(`split.column '${column}': row ${i + 1} has ${shown}; use true/false, 1/0, yes/no or test/train to mark held-out rows`);
    }
    if (mark) isTest[i] = 1;
  }
  const test = maskToRows(isTest);
  const train = new Int32Array(n - test.length);
  for (let i = 0, k = 0; i < n; i++) if (isTest[i] === 0) train[k++] = i;
  if (test.length === 0 || train.length === 0) {
    throw new Error(`split.column '${column}' marks ${test.length === 0 ? 'no' : 'every'} row as held out; it must leave both training and held-out rows`);
  }
  return { train, test, warnings: [] };
}

/**
 * k-fold assignment of `table`'s rows: fold[i] in 0..k-1. Shuffled (seeded) and dealt
 * round-robin, per class when stratified, so fold sizes differ by at most one per class.
 * Without shuffle the folds are consecutive blocks, as scikit-learn's KFold.
 */
export function assignFolds(table: Table, k: number, o: Omit<DrawOptions, 'test'>): Int32Array {
  const n = table.rowCount;
  if (n < k) throw new Error(`split.folds: ${k} folds need at least ${k} training rows, there are ${n}`);
  const fold = new Int32Array(n);
  if (!o.shuffle) {
    // sklearn KFold: the first n % k folds get one extra row.
    let row = 0;
    for (let f = 0; f < k; f++) {
      const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
      for (let j = 0; j < size; j++) fold[row++] = f;
    }
    return fold;
  }
  const random = seededRandom(o.seed);
  const groups = o.stratify === undefined ? [rowRange(n)] : (requireColumns(table, [o.stratify], 'split'), groupRows(table, o.stratify));
  let next = 0;
  for (const g of groups) {
    pickRandom(g, g.length, random, new Uint8Array(n));
    // Continue the deal where the previous class stopped: small classes spread over folds.
    for (let j = 0; j < g.length; j++) fold[g[j]] = (next + j) % k;
    next = (next + g.length) % k;
  }
  return fold;
}

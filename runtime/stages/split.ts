// `train-test-split`: the stage's output is the train table; the test table is handed to
// later stages with ctx.setTable('test', ...).
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
import { compareStrings, maskToRows, requireColumns, rowRange, seededRandom, stageLabel } from './common';
import type { StageContext, StageDef, TransformStage } from './types';

interface SplitParams {
  test?: number;
  seed?: number;
  stratify?: string | boolean;
  shuffle?: boolean;
}

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

function readParams(input: Table, ctx: StageContext<SplitParams>): { test: number; seed: number; stratify?: string; shuffle: boolean } {
  const label = stageLabel(ctx);
  const test = ctx.params.test ?? 0.25;
  if (typeof test !== 'number' || !(test > 0 && test < 1)) {
    throw new Error(`${label}: 'test' must be a fraction between 0 and 1 (exclusive), got ${JSON.stringify(test)}`);
  }
  const seed = ctx.params.seed ?? ctx.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`${label}: 'seed' must be an integer, got ${JSON.stringify(seed)}`);
  const shuffle = ctx.params.shuffle ?? true;
  let stratify: string | undefined;
  const s = ctx.params.stratify;
  if (s === true) {
    if (ctx.target === undefined) {
      throw new Error(`${label}: 'stratify: true' means the pipeline's target column, but the pipeline declares no 'target:'`);
    }
    stratify = ctx.target;
  } else if (typeof s === 'string') {
    stratify = s;
  } else if (s !== undefined && s !== false && s !== null) {
    throw new Error(`${label}: 'stratify' must be a column name or true/false`);
  }
  if (stratify !== undefined) {
    requireColumns(input, [stratify], label);
    if (!shuffle) throw new Error(`${label}: 'stratify' needs 'shuffle: true' (as in scikit-learn)`);
  }
  return { test, seed, stratify, shuffle };
}

const trainTestSplit: TransformStage<SplitParams> = {
  type: 'train-test-split',
  kind: 'transform',
  summary: "Split rows into train (the output) and test (ctx table 'test'); test size = ceil(n × test), seeded, optionally stratified.",
  params: {
    type: 'object',
    properties: {
      test: {
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.25,
        description: 'Fraction of rows for the test table; its size is ceil(rows × test), as in scikit-learn.',
      },
      seed: { type: 'integer', description: "Seed for the shuffle. Default: the pipeline's params.seed (else 0)." },
      stratify: {
        type: ['string', 'boolean'],
        default: false,
        description:
          'Keep class proportions: a column name, or true for the pipeline target. Each class is split with the same rule.',
      },
      shuffle: {
        type: 'boolean',
        default: true,
        description: 'Draw the test rows at random (both tables keep the input order). false takes the last rows as the test table (no stratify then).',
      },
    },
    additionalProperties: false,
  },

  run(input, ctx) {
    const label = stageLabel(ctx);
    const { test, seed, stratify, shuffle } = readParams(input, ctx);
    const n = input.rowCount;
    const nTest = Math.ceil(n * test);
    if (nTest === 0 || nTest === n) {
      throw new Error(`${label}: with ${n} rows and test=${test} the ${nTest === 0 ? 'test' : 'train'} table would be empty`);
    }

    let trainRows: Int32Array;
    let testRows: Int32Array;
    if (!shuffle) {
      trainRows = rowRange(n - nTest);
      testRows = rowRange(nTest).map((i) => i + n - nTest);
    } else {
      const random = seededRandom(seed);
      // 1 marks a test row. The rows are chosen at random but both tables keep the input's
      // order: reading rows in order is several times faster than a random gather.
      const isTest = new Uint8Array(n);
      if (stratify === undefined) {
        pickRandom(rowRange(n), nTest, random, isTest);
      } else {
        let singletons = 0;
        for (const g of groupRows(input, stratify)) {
          pickRandom(g, Math.ceil(g.length * test), random, isTest);
          if (g.length === 1) singletons++;
        }
        if (singletons > 0) {
          ctx.warn(
            `${label}: ${singletons} class${singletons === 1 ? '' : 'es'} of '${stratify}' ${singletons === 1 ? 'has' : 'have'} a single row, which went to the test table`,
            'small-class',
          );
        }
      }
      testRows = maskToRows(isTest);
      trainRows = new Int32Array(n - testRows.length);
      for (let i = 0, k = 0; i < n; i++) if (isTest[i] === 0) trainRows[k++] = i;
      if (trainRows.length === 0) throw new Error(`${label}: stratifying by '${stratify}' left the train table empty`);
    }

    ctx.setTable('test', input.take(testRows));
    const how = shuffle ? `seed ${seed}${stratify === undefined ? '' : `, stratified by '${stratify}'`}` : 'no shuffle';
    ctx.log(`${trainRows.length} train rows, ${testRows.length} test rows (test=${test}, ${how})`);
    return input.take(trainRows);
  },
};

export const stages: StageDef[] = [trainTestSplit];

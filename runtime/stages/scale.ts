// Scalers for number columns, matching scikit-learn's StandardScaler and MinMaxScaler:
// statistics are learned at fit (ignoring missing values), transform only reads the state,
// and missing values stay missing. Default columns: every number column except the target.
import { withCounts, type NumberColumn, type Table } from '../table/table';
import { columnListSchema, makeNumberColumn, numericColumns, paramOr, stageLabel, stringListParam } from './common';
import type { FittedStage, StageContext, StageDef } from './types';

export type StandardScaleState = {
  with_mean: boolean;
  with_std: boolean;
  /** Per column: the mean and the scale (population std, or 1 for a constant column). */
  columns: Record<string, { mean: number; scale: number }>;
};

export type MinMaxScaleState = {
  min: number;
  max: number;
  /** Per column: the data range seen at fit; transform computes x * scale + offset. */
  columns: Record<string, { data_min: number; data_max: number; scale: number; offset: number }>;
};

const EPS = Number.EPSILON;

/**
 * Count, mean and population variance of the non-missing values (NaN when none), computed
 * on values / `unit` (squares of values beyond ~1e154 overflow; see standardStats).
 */
export function meanAndVariance(values: Float64Array, unit = 1): { count: number; mean: number; variance: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] / unit;
    if (x === x) {
      sum += x;
      count++;
    }
  }
  if (count === 0) return { count, mean: NaN, variance: NaN };
  const mean = sum / count;
  // Two-pass with the correction term (Chan, Golub & LeVeque), as scikit-learn computes it.
  let d = 0;
  let d2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] / unit;
    if (x === x) {
      const t = x - mean;
      d += t;
      d2 += t * t;
    }
  }
  return { count, mean, variance: (d2 - (d * d) / count) / count };
}

/**
 * A variance indistinguishable from zero given the rounding error of the computation
 * (scikit-learn's `_is_constant_feature`): such a column is scaled by 1, not by ~0.
 */
function isConstant(variance: number, mean: number, count: number): boolean {
  const bound = count * EPS * variance + (count * mean * EPS) ** 2;
  return variance <= bound;
}

/** Largest |x| of the non-missing values (0 when none). */
function maxAbs(values: Float64Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a; // NaN fails the test: missing values are skipped
  }
  return m;
}

/** Beyond this, a value's square overflows a double. */
const SQUARE_SAFE = 1e150;

/**
 * The mean and the scale (std, or 1 for a constant column) of a column, or undefined when it
 * has no values. Large values (1e300 fits a double, its square does not) are computed in units
 * of the largest |x|, which keeps the mean and the std finite: both are at most that large.
 * An infinite value is an error naming the stage, the column and the row.
 */
function standardStats(values: Float64Array, label: string, name: string): { mean: number; scale: number } | undefined {
  const big = maxAbs(values);
  if (big === Infinity) {
    const row = values.findIndex((x) => x === Infinity || x === -Infinity);
    throw new Error(`${label}: column '${name}' holds ${values[row]} (row ${row}); a mean and a standard deviation need finite numbers`);
  }
  const unit = big > SQUARE_SAFE ? big : 1;
  const { count, mean, variance } = meanAndVariance(values, unit);
  if (count === 0) return undefined;
  const scale = isConstant(variance, mean, count) ? 1 : Math.sqrt(variance) * unit;
  return { mean: mean * unit, scale };
}

function numberInput(input: Table, name: string, label: string): NumberColumn {
  if (!input.has(name)) {
    throw new Error(`${label}: column '${name}' was scaled at fit but is not in the input (available: ${input.names.join(', ')})`);
  }
  const c = input.column(name);
  if (c.type !== 'number') throw new Error(`${label}: column '${name}' was a number column at fit but is now a category column`);
  return c;
}

/**
 * out = (x - offset) / divisor, or x * multiplier + offset; missing values stay missing (NaN).
 * Counts the NaN or infinite results in the same pass: with no value missing, that is what the
 * engine's data checks need, so they need not read the new column again.
 */
function affine(c: NumberColumn, sub: number, div: number, mul: number, add: number): NumberColumn {
  const v = c.values;
  const out = new Float64Array(v.length);
  let nonFinite = 0;
  if (mul === 1 && add === 0) {
    for (let i = 0; i < v.length; i++) {
      const y = (v[i] - sub) / div;
      out[i] = y;
      nonFinite += +(y - y !== 0);
    }
  } else {
    for (let i = 0; i < v.length; i++) {
      const y = v[i] * mul + add;
      out[i] = y;
      nonFinite += +(y - y !== 0);
    }
  }
  // The mask is immutable by convention, so the new column can share it.
  const col = makeNumberColumn(c.name, out, c.missing);
  // With a mask, telling missing from unmarked NaN would take another read: left to the check.
  return c.missing === null ? withCounts(col, { missing: 0, nonFinite }) : col;
}

function warnAllMissing(ctx: StageContext, label: string, name: string): void {
  ctx.warn(`column '${name}' has no values at fit time; left unscaled`, 'all-missing');
}

const SCALED_COLUMNS = columnListSchema('Number columns to scale. Default: every number column except the target.');

interface StandardParams {
  columns?: string[];
  with_mean?: boolean;
  with_std?: boolean;
}

const standardScale: FittedStage<StandardParams, StandardScaleState> = {
  type: 'standard-scale',
  kind: 'fitted',
  summary: 'Center to mean 0 and scale to unit (population) variance, like StandardScaler; missing values stay missing.',
  params: {
    type: 'object',
    properties: {
      columns: SCALED_COLUMNS,
      with_mean: { type: 'boolean', default: true, description: 'Subtract the mean learned at fit.' },
      with_std: {
        type: 'boolean',
        default: true,
        description: 'Divide by the standard deviation (ddof=0) learned at fit; a constant column is divided by 1.',
      },
    },
    additionalProperties: false,
  },

  fit(input, ctx) {
    const label = stageLabel(ctx);
    const withMean = paramOr(ctx.params, 'with_mean', true);
    const withStd = paramOr(ctx.params, 'with_std', true);
    const columns: StandardScaleState['columns'] = {};
    for (const name of numericColumns(input, ctx, stringListParam(ctx.params, 'columns', label))) {
      const stats = standardStats(input.numberColumn(name).values, label, name);
      if (stats === undefined) {
        warnAllMissing(ctx, label, name);
        continue;
      }
      columns[name] = stats;
    }
    return { with_mean: withMean, with_std: withStd, columns };
  },

  transform(input, state, ctx) {
    const label = stageLabel(ctx);
    let out = input;
    for (const [name, { mean, scale }] of Object.entries(state.columns)) {
      const c = numberInput(input, name, label);
      const sub = state.with_mean ? mean : 0;
      const div = state.with_std ? scale : 1;
      if (sub === 0 && div === 1) continue; // nothing to do: keep the input column
      out = out.withColumn(affine(c, sub, div, 1, 0));
    }
    return out;
  },
};

interface MinMaxParams {
  columns?: string[];
  min?: number;
  max?: number;
}

const minMaxScale: FittedStage<MinMaxParams, MinMaxScaleState> = {
  type: 'min-max-scale',
  kind: 'fitted',
  summary: 'Map each column linearly from its fitted [min, max] onto [min, max] (default [0, 1]), like MinMaxScaler.',
  params: {
    type: 'object',
    properties: {
      columns: SCALED_COLUMNS,
      min: { type: 'number', default: 0, description: 'Lower end of the output range; a constant column maps here.' },
      max: { type: 'number', default: 1, description: 'Upper end of the output range (must exceed min).' },
    },
    additionalProperties: false,
  },

  fit(input, ctx) {
    const label = stageLabel(ctx);
    const lo = paramOr(ctx.params, 'min', 0);
    const hi = paramOr(ctx.params, 'max', 1);
    if (!(typeof lo === 'number' && typeof hi === 'number' && lo < hi)) {
      throw new Error(`${label}: 'min' (${lo}) must be a number smaller than 'max' (${hi})`);
    }
    const columns: MinMaxScaleState['columns'] = {};
    for (const name of numericColumns(input, ctx, stringListParam(ctx.params, 'columns', label))) {
      const v = input.numberColumn(name).values;
      let dataMin = Infinity;
      let dataMax = -Infinity;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        // NaN fails both tests, so missing values are skipped for free.
        if (x < dataMin) dataMin = x;
        if (x > dataMax) dataMax = x;
      }
      if (dataMin > dataMax) {
        warnAllMissing(ctx, label, name);
        continue;
      }
      if (dataMin === -Infinity || dataMax === Infinity) {
        const row = v.findIndex((x) => x === Infinity || x === -Infinity);
        throw new Error(`${label}: column '${name}' holds ${v[row]} (row ${row}); a range needs finite numbers`);
      }
      // Halves: the range of values beyond ±9e307 overflows, half of it does not.
      let half = dataMax / 2 - dataMin / 2;
      if (half < 5 * EPS) half = 0.5; // a constant column: every value lands on `min`
      const scale = (hi - lo) / 2 / half;
      columns[name] = { data_min: dataMin, data_max: dataMax, scale, offset: lo - dataMin * scale };
    }
    return { min: lo, max: hi, columns };
  },

  transform(input, state, ctx) {
    const label = stageLabel(ctx);
    let out = input;
    for (const [name, { scale, offset }] of Object.entries(state.columns)) {
      out = out.withColumn(affine(numberInput(input, name, label), 0, 1, scale, offset));
    }
    return out;
  },
};

export const stages: StageDef[] = [standardScale, minMaxScale];

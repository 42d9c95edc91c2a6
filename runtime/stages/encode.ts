// Category encoders, matching scikit-learn's OneHotEncoder (categories='auto') and the
// ordinal codes of LabelEncoder: categories are learned at fit, sorted (strings by code
// point, numbers ascending), and transform only reads that list, so inference sees the same
// columns in the same order even when new data holds new or fewer categories.
//
// Both encoders default to every category column except the target; a number column may
// be listed explicitly (e.g. a class number such as `pclass`), its distinct values then act
// as the categories.
import { indicatorColumn, Table, withCounts, type Column } from '../table/table';
import { categoryColumns, columnListSchema, compareStrings, featureColumns, makeNumberColumn, stageLabel, stringListParam } from './common';
import type { FittedStage, StageContext, StageDef } from './types';

/** The sorted categories of one column, as learned at fit. */
export type EncodedColumn =
  | { name: string; type: 'category'; categories: string[] }
  | { name: string; type: 'number'; categories: number[] };

export type OneHotState = {
  handle_unknown: 'ignore' | 'error';
  drop_original: boolean;
  columns: EncodedColumn[];
};

export type LabelEncodeState = { columns: EncodedColumn[] };

const ZERO_COUNTS = { missing: 0, nonFinite: 0 } as const;

/** Many more categories than this is usually an ID column encoded by mistake. */
const MANY_CATEGORIES = 1000;

function learnCategories(c: Column): EncodedColumn {
  if (c.type === 'category') {
    const seen = new Uint8Array(c.dictionary.length);
    const codes = c.codes;
    for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) seen[codes[i]] = 1;
    const categories = c.dictionary.filter((_, k) => seen[k] === 1).sort(compareStrings);
    return { name: c.name, type: 'category', categories };
  }
  const v = c.values;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) n++;
  const present = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) present[k++] = v[i];
  present.sort();
  const categories: number[] = [];
  for (let i = 0; i < present.length; i++) if (i === 0 || present[i] !== present[i - 1]) categories.push(present[i]);
  return { name: c.name, type: 'number', categories };
}

function fitColumns(input: Table, ctx: StageContext, explicit: string[] | undefined, label: string): EncodedColumn[] {
  const names = explicit === undefined ? categoryColumns(input, ctx) : featureColumns(input, ctx, explicit);
  const out: EncodedColumn[] = [];
  for (const name of names) {
    const learned = learnCategories(input.column(name));
    if (learned.categories.length === 0) {
      ctx.warn(`column '${name}' has no values at fit time; left unencoded`, 'all-missing');
      continue;
    }
    if (learned.categories.length > MANY_CATEGORIES) {
      ctx.warn(
        `${label}: column '${name}' has ${learned.categories.length} distinct values; is it an identifier?`,
        'high-cardinality',
      );
    }
    out.push(learned);
  }
  return out;
}

/**
 * For each row, the index of its value in the fitted categories (-1 unknown, -2 missing),
 * the unknown count and one unknown value for messages. Category columns go
 * through a per-dictionary lookup table so the row loop is two array reads.
 */
function categoryIndexes(c: Column, spec: EncodedColumn, label: string): { index: Int32Array; unknown: number; example: string } {
  const n = c.type === 'number' ? c.values.length : c.codes.length;
  const index = new Int32Array(n);
  let unknown = 0;
  let example = '';
  if (c.type === 'category') {
    if (spec.type !== 'category') throw typeChanged(label, spec.name, 'number', 'category');
    const position = new Map(spec.categories.map((s, j) => [s, j] as const));
    // Slot 0 stands for code -1 (missing).
    const lookup = new Int32Array(c.dictionary.length + 1);
    lookup[0] = -2;
    for (let k = 0; k < c.dictionary.length; k++) lookup[k + 1] = position.get(c.dictionary[k]) ?? -1;
    const codes = c.codes;
    for (let i = 0; i < n; i++) {
      const j = lookup[codes[i] + 1];
      index[i] = j;
      if (j === -1) {
        if (unknown === 0) example = c.dictionary[codes[i]];
        unknown++;
      }
    }
  } else {
    if (spec.type !== 'number') throw typeChanged(label, spec.name, 'category', 'number');
    const position = new Map(spec.categories.map((x, j) => [x, j] as const));
    const v = c.values;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (x !== x) {
        index[i] = -2;
        continue;
      }
      const j = position.get(x);
      if (j === undefined) {
        if (unknown === 0) example = String(x);
        unknown++;
        index[i] = -1;
      } else index[i] = j;
    }
  }
  return { index, unknown, example };
}

function typeChanged(label: string, name: string, was: string, now: string): Error {
  return new Error(`${label}: column '${name}' was a ${was} column at fit but is now a ${now} column`);
}

function requireFitted(input: Table, spec: EncodedColumn, label: string): Column {
  if (!input.has(spec.name)) {
    throw new Error(`${label}: column '${spec.name}' was encoded at fit but is not in the input (available: ${input.names.join(', ')})`);
  }
  return input.column(spec.name);
}

function warnUnknown(ctx: StageContext, label: string, name: string, count: number, example: string, outcome: string): void {
  ctx.warn(
    `${label}: ${count} row${count === 1 ? '' : 's'} of '${name}' hold categories not seen at fit (e.g. '${example}'); ${outcome}`,
    'unknown-category',
  );
}

// ---------------------------------------------------------------- one-hot

interface OneHotParams {
  columns?: string[];
  drop_original?: boolean;
  handle_unknown?: 'ignore' | 'error';
}

const oneHot: FittedStage<OneHotParams, OneHotState> = {
  type: 'one-hot',
  kind: 'fitted',
  summary:
    "One 0/1 number column '<col>=<value>' per category learned at fit, in sorted order; missing or unknown values give all zeros.",
  params: {
    type: 'object',
    properties: {
      columns: columnListSchema(
        'Columns to encode. Default: every category column except the target. Number columns may be listed; their distinct values become the categories.',
      ),
      drop_original: {
        type: 'boolean',
        default: true,
        description: 'Replace the encoded column by its 0/1 columns (false keeps it, followed by them).',
      },
      handle_unknown: {
        type: 'string',
        enum: ['ignore', 'error'],
        default: 'ignore',
        description:
          "A category not seen at fit: 'ignore' encodes the row as all zeros and warns once per column; 'error' stops the stage.",
      },
    },
    additionalProperties: false,
  },

  fit(input, ctx) {
    const label = stageLabel(ctx);
    const handle = ctx.params.handle_unknown ?? 'ignore';
    if (handle !== 'ignore' && handle !== 'error') {
      throw new Error(`${label}: 'handle_unknown' must be 'ignore' or 'error', not '${handle}'`);
    }
    return {
      handle_unknown: handle,
      drop_original: ctx.params.drop_original ?? true,
      columns: fitColumns(input, ctx, stringListParam(ctx.params, 'columns', label), label),
    };
  },

  transform(input, state, ctx) {
    const label = stageLabel(ctx);
    const produced = new Map<string, Column[]>();
    for (const spec of state.columns) {
      const c = requireFitted(input, spec, label);
      const { index, unknown, example } = categoryIndexes(c, spec, label);
      if (unknown > 0) {
        if (state.handle_unknown === 'error') {
          throw new Error(
            `${label}: column '${spec.name}' has category '${example}' not seen at fit ` +
              `(${unknown} row${unknown === 1 ? '' : 's'}; known: ${spec.categories.slice(0, 20).join(', ')}` +
              `${spec.categories.length > 20 ? ', ...' : ''})`,
          );
        }
        warnUnknown(ctx, label, spec.name, unknown, example, 'encoded as all zeros');
      }
      const k = spec.categories.length;
      // The k 0/1 columns share the row index (4 bytes a row, no fresh Float64Array per column,
      // see indicatorColumn): a reader that wants floats gets them made on first read.
      const cols: Column[] = state.drop_original ? [] : [c];
      for (let j = 0; j < k; j++) {
        // Only 0s and 1s: nothing for the engine's data checks to read.
        cols.push(withCounts(indicatorColumn(`${spec.name}=${spec.categories[j]}`, index, j, k), ZERO_COUNTS));
      }
      produced.set(spec.name, cols);
    }
    // Encoded columns sit where the original was, so the table reads in the same order.
    const cols: Column[] = [];
    const names = new Set<string>();
    for (const c of input.columns) {
      for (const out of produced.get(c.name) ?? [c]) {
        if (names.has(out.name)) {
          throw new Error(`${label}: output column '${out.name}' clashes with an existing column of that name`);
        }
        names.add(out.name);
        cols.push(out);
      }
    }
    return new Table(cols, input.rowCount);
  },
};

// ---------------------------------------------------------------- label-encode

const labelEncode: FittedStage<{ columns?: string[] }, LabelEncodeState> = {
  type: 'label-encode',
  kind: 'fitted',
  summary: 'Replace categories by their index (0, 1, ...) in the sorted categories learned at fit; unknown values become missing.',
  params: {
    type: 'object',
    properties: {
      columns: columnListSchema(
        'Columns to encode. Default: every category column except the target (list the target to encode it).',
      ),
    },
    additionalProperties: false,
  },

  fit(input, ctx) {
    const label = stageLabel(ctx);
    return { columns: fitColumns(input, ctx, stringListParam(ctx.params, 'columns', label), label) };
  },

  transform(input, state, ctx) {
    const label = stageLabel(ctx);
    let out = input;
    for (const spec of state.columns) {
      const c = requireFitted(input, spec, label);
      const { index, unknown, example } = categoryIndexes(c, spec, label);
      if (unknown > 0) warnUnknown(ctx, label, spec.name, unknown, example, 'encoded as missing');
      const values = new Float64Array(index.length);
      let missing: Uint8Array | null = null;
      let missed = 0;
      for (let i = 0; i < index.length; i++) {
        const j = index[i];
        if (j >= 0) values[i] = j;
        else {
          values[i] = NaN;
          missing ??= new Uint8Array(index.length);
          missing[i] = 1;
          missed++;
        }
      }
      out = out.withColumn(withCounts(makeNumberColumn(spec.name, values, missing), { missing: missed, nonFinite: 0 }));
    }
    return out;
  },
};

export const stages: StageDef[] = [oneHot, labelEncode];

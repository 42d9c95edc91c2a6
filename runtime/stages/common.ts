// Helpers shared by the built-in stages: picking columns, clear errors about them,
// a seeded PRNG, and small pieces of parameter schema.
//
// Column pickers follow one rule: an explicit list is checked and returned as given;
// without one, every column of the right kind except the pipeline's target is used,
// because feature stages must leave the label alone.

import { CancelledError } from '../errors';
import type { CategoryColumn, Column, NumberColumn, Table } from '../table/table';
import type { StageContext } from './types';

type ColumnPickContext = Pick<StageContext, 'target' | 'uses' | 'stage'>;

/** How a stage names itself in errors: `uses`, plus the pipeline's stage name when it differs. */
export function stageLabel(ctx: Pick<StageContext, 'uses' | 'stage'>): string {
  return ctx.stage && ctx.stage !== ctx.uses ? `${ctx.uses} (stage '${ctx.stage}')` : ctx.uses;
}

/** Quoted, comma-separated names, shortened after `max` so huge tables keep errors readable. */
export function formatNames(names: readonly string[], max = 30): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max).map((n) => `'${n}'`);
  return names.length > max ? `${shown.join(', ')}, ... (${names.length} in all)` : shown.join(', ');
}

/** Throws an Error naming every missing column and listing the available ones. */
export function requireColumns(table: Table, names: readonly string[], stage: string): void {
  const absent: string[] = [];
  for (const n of names) if (!table.has(n)) absent.push(n);
  if (absent.length === 0) return;
  const what = absent.length === 1 ? `no column ${formatNames(absent)}` : `no columns ${formatNames(absent)}`;
  throw new Error(`${stage}: ${what} (available: ${formatNames(table.names)})`);
}

/** Throws when a list of column names repeats one (e.g. `columns: [a, a]`). */
export function requireUnique(names: readonly string[], stage: string, param = 'columns'): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`${stage}: '${n}' appears twice in '${param}'`);
    seen.add(n);
  }
}

/** The explicit list (checked), else every column except `ctx.target`. */
export function featureColumns(table: Table, ctx: ColumnPickContext, explicit?: readonly string[]): string[] {
  if (explicit !== undefined) {
    const label = stageLabel(ctx);
    requireColumns(table, explicit, label);
    requireUnique(explicit, label);
    return [...explicit];
  }
  return table.names.filter((n) => n !== ctx.target);
}

/** The explicit list (checked to be number columns), else every number column except the target. */
export function numericColumns(table: Table, ctx: ColumnPickContext, explicit?: readonly string[]): string[] {
  return columnsOfType(table, ctx, 'number', explicit);
}

/** The explicit list (checked to be category columns), else every category column except the target. */
export function categoryColumns(table: Table, ctx: ColumnPickContext, explicit?: readonly string[]): string[] {
  return columnsOfType(table, ctx, 'category', explicit);
}

function columnsOfType(
  table: Table,
  ctx: ColumnPickContext,
  type: Column['type'],
  explicit?: readonly string[],
): string[] {
  const picked = featureColumns(table, ctx, explicit);
  if (explicit === undefined) return picked.filter((n) => table.column(n).type === type);
  const wrong = picked.filter((n) => table.column(n).type !== type);
  if (wrong.length > 0) {
    const other = type === 'number' ? 'category' : 'number';
    throw new Error(
      `${stageLabel(ctx)}: ${formatNames(wrong)} ${wrong.length === 1 ? 'is a' : 'are'} ${other} column` +
        `${wrong.length === 1 ? '' : 's'}; this stage needs ${type} columns`,
    );
  }
  return picked;
}

/**
 * mulberry32: a tiny, well-known 32-bit PRNG. Same seed, same sequence, on every platform.
 * Returns floats in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let a = (Math.trunc(seed) | 0) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of `items` in place with the given random source. */
export function shuffleInPlace(items: Int32Array | number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

/** 0, 1, ..., n-1 as row indices. */
export function rowRange(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** Throws CancelledError when the run was cancelled; call it between long chunks of work. */
export function checkAborted(ctx: Pick<StageContext, 'signal' | 'uses' | 'stage'>): void {
  if (ctx.signal.aborted) throw new CancelledError(`${stageLabel(ctx)}: cancelled`);
}

/**
 * Orders strings by Unicode code point, as Python and NumPy do, so sorted categories match
 * scikit-learn's. (JS `<` compares UTF-16 units, which differs only above U+FFFF.)
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** A number column with the given buffers (no scan for NaN: the caller provides the mask). */
export function makeNumberColumn(name: string, values: Float64Array, missing: Uint8Array | null): NumberColumn {
  return { type: 'number', name, values, missing };
}

/** The same column data under another name; buffers are shared, not copied. */
export function renamed(col: Column, name: string): Column {
  return col.type === 'number'
    ? { type: 'number', name, values: col.values, missing: col.missing }
    : ({ type: 'category', name, codes: col.codes, dictionary: col.dictionary } satisfies CategoryColumn);
}

/** JSON Schema for a list of distinct column names; `extra` (e.g. minItems) goes before the description. */
export function columnListSchema(description: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'array', items: { type: 'string' }, uniqueItems: true, ...extra, description };
}

/** Reads a param, falling back to `fallback` when it is absent (undefined or null). */
export function paramOr<T>(params: Readonly<Record<string, unknown>>, key: string, fallback: T): T {
  const v = params[key];
  return v === undefined || v === null ? fallback : (v as T);
}

/**
 * An optional string-array param, checked (stages can be called without schema validation,
 * e.g. from user code or tests).
 */
export function stringListParam(
  params: Readonly<Record<string, unknown>>,
  key: string,
  stage: string,
): string[] | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new Error(`${stage}: '${key}' must be a list of column names`);
  }
  return v as string[];
}

/** Row indices where `mask[i] === 1`, in order. */
export function maskToRows(mask: Uint8Array, count?: number): Int32Array {
  let n = count ?? -1;
  if (n < 0) {
    n = 0;
    for (let i = 0; i < mask.length; i++) n += mask[i];
  }
  const rows = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) rows[k++] = i;
  return rows;
}

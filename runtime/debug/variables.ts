// Plain values as variables: numbers, strings, JSON objects and arrays (paged when long),
// and tables (delegated to table-view.ts).
import { Table } from '../table/table';
import type { Variable } from './protocol';
import { pageRange, type RefTable } from './refs';
import { tableVariable, type TableCache } from './table-view';

export interface VarEnv {
  refs: RefTable;
  cache: TableCache;
}

/** JS path of a child, for evaluateName: `a.b`, `a['x y']`, `a[3]`. */
export function childPath(parent: string | undefined, key: string | number): string | undefined {
  if (parent === undefined) return undefined;
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

const MAX_PREVIEW = 80;

export function formatScalar(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(12)));
  if (typeof v === 'bigint') return `${v}n`;
  return String(v);
}

type ArrayLikeValue = unknown[] | Float64Array | Float32Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array;

function isArrayLike(v: unknown): v is ArrayLikeValue {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** A short one-line preview: `{a: 1, b: [3]}`, `[1, 2, 3, …]`. O(preview), not O(size). */
export function preview(v: unknown, depth = 0): string {
  if (v instanceof Table) return `${v.rowCount} rows × ${v.columnCount} columns`;
  if (isArrayLike(v)) {
    if (depth > 0) return `[${v.length}]`;
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      const part = preview(v[i], 1);
      if (s.length + part.length > MAX_PREVIEW) return `${s}…] (${v.length})`;
      s += (i ? ', ' : '') + part;
    }
    return `${s}]`;
  }
  if (v !== null && typeof v === 'object') {
    if (depth > 0) return '{…}';
    let s = '{';
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      const part = `${k}: ${preview(x, 1)}`;
      if (s.length + part.length > MAX_PREVIEW) return `${s}, …}`;
      s += (first ? '' : ', ') + part;
      first = false;
    }
    return `${s}}`;
  }
  return formatScalar(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Table) return 'Table';
  if (Array.isArray(v)) return 'array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

/** Any value as a variable; objects and arrays get a reference to expand lazily. */
export function valueVariable(env: VarEnv, name: string, v: unknown, evaluateName?: string): Variable {
  if (v instanceof Table) return tableVariable(env, name, v, evaluateName);
  if (isArrayLike(v)) {
    const arr = v;
    const ref = env.refs.add({
      children: (req) => {
        if (req.filter === 'named') return [];
        const { start, end } = pageRange(arr.length, req);
        const out: Variable[] = [];
        for (let i = start; i < end; i++) out.push(valueVariable(env, String(i), arr[i], childPath(evaluateName, i)));
        return out;
      },
    });
    return { name, value: preview(arr), type: typeOf(arr), ref: arr.length ? ref : 0, indexedVariables: arr.length, evaluateName };
  }
  if (v !== null && typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    const ref = keys.length
      ? env.refs.add({
          children: (req) => (req.filter === 'indexed' ? [] : keys.map((k) => valueVariable(env, k, obj[k], childPath(evaluateName, k)))),
        })
      : 0;
    return { name, value: preview(obj), type: 'object', ref, namedVariables: keys.length, evaluateName };
  }
  return { name, value: formatScalar(v), type: typeOf(v), ref: 0, evaluateName };
}

/** Named children from a plain record, for scopes. */
export function recordChildren(env: VarEnv, obj: Record<string, unknown>, base?: string): Variable[] {
  return Object.keys(obj).map((k) => valueVariable(env, k, obj[k], childPath(base, k)));
}

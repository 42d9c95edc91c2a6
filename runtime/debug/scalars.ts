// How plain values read in the Variables view: a child's JS path, a scalar, a one-line
// preview. The bottom of the debugger's value display: variables.ts and table-view.ts both
// build on it, and it imports neither.
import { Table } from '../table/table';

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

export function isArrayLike(v: unknown): v is ArrayLikeValue {
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

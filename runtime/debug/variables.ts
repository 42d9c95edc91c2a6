// Plain values as variables: numbers, strings, JSON objects and arrays (paged when long),
// and tables (delegated to table-view.ts, which does not import this file back).
import { Table } from '../table/table';
import type { Variable } from './protocol';
import { pageRange } from './refs';
import { childPath, formatScalar, isArrayLike, preview } from './scalars';
import { tableVariable, type VarEnv } from './table-view';

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

// A table in the Variables view, the way Data Wrangler shows one: the node itself costs
// O(1) (its value is the shape), `columns` lists one child per column with a short
// description, a column's full summary is computed only when it is expanded (then
// cached), and `rows` is paged: variables(start, count) reads exactly that page.
import { summarizeColumn, type ColumnSummary } from '../table/summary';
import { type Cell, type Column, type Table, cellOf, columnLength, missingCount } from '../table/table';
import type { Variable } from './protocol';
import { pageRange, type RefTable } from './refs';
import { childPath, formatScalar, valueVariable, type VarEnv } from './variables';

/** Above this many rows a column's one-line description skips the O(rows) counts. */
export const QUICK_STATS_MAX_ROWS = 1_000_000;

/** Per-session caches keyed by column object (columns are immutable). */
export class TableCache {
  private readonly summaries = new WeakMap<Column, ColumnSummary>();
  private readonly quick = new WeakMap<Column, string>();

  summary(c: Column): ColumnSummary {
    let s = this.summaries.get(c);
    if (!s) {
      s = summarizeColumn(c, { topK: 10 });
      this.summaries.set(c, s);
    }
    return s;
  }

  /** `number · 2 missing · mean 43.9`; only the type and size for very long columns. */
  describe(c: Column): string {
    let d = this.quick.get(c);
    if (d !== undefined) return d;
    const n = columnLength(c);
    const full = this.summaries.get(c);
    if (full) d = describeSummary(full);
    else if (n > QUICK_STATS_MAX_ROWS) d = c.type === 'number' ? 'number · expand for statistics' : `category · ${c.dictionary.length} values · expand for statistics`;
    else if (c.type === 'number') {
      const miss = missingCount(c);
      let sum = 0;
      for (let i = 0; i < n; i++) if (c.missing === null || c.missing[i] === 0) sum += c.values[i];
      d = `number · ${miss} missing${n - miss > 0 ? ` · mean ${formatScalar(Number((sum / (n - miss)).toPrecision(4)))}` : ''}`;
    } else {
      d = `category · ${c.dictionary.length} values · ${missingCount(c)} missing`;
    }
    this.quick.set(c, d);
    return d;
  }
}

function describeSummary(s: ColumnSummary): string {
  if (s.type === 'number') return `number · ${s.missing} missing${s.mean !== undefined ? ` · mean ${formatScalar(Number(s.mean.toPrecision(4)))}` : ''}`;
  return `category · ${s.distinct ?? 0} values · ${s.missing} missing`;
}

export function shapeText(t: Table): string {
  return `${t.rowCount} rows × ${t.columnCount} columns`;
}

export function tableVariable(env: VarEnv, name: string, t: Table, evaluateName?: string): Variable {
  const ref = env.refs.add({ children: (req) => (req.filter === 'indexed' ? [] : tableChildren(env, t, evaluateName)) });
  return { name, value: shapeText(t), type: 'Table', ref, namedVariables: 3, evaluateName, menuContext: 'plumbTable' };
}

function tableChildren(env: VarEnv, t: Table, base: string | undefined): Variable[] {
  const { refs } = env;
  const shape: Variable = {
    name: 'shape',
    value: `${t.rowCount} × ${t.columnCount}`,
    type: 'shape',
    ref: refs.add({
      children: () => [
        { name: 'rows', value: String(t.rowCount), type: 'number', ref: 0, evaluateName: childPath(base, 'rows') },
        { name: 'columns', value: String(t.columnCount), type: 'number', ref: 0, evaluateName: childPath(base, 'cols') },
        { name: 'bytes', value: String(t.byteSize), type: 'number', ref: 0 },
      ],
    }),
    namedVariables: 3,
  };
  const columns: Variable = {
    name: 'columns',
    value: `${t.columnCount} columns`,
    type: 'columns',
    ref: t.columnCount ? refs.add({ children: (req) => (req.filter === 'indexed' ? [] : t.columns.map((c) => columnVariable(env, c, childPath(base, c.name)))) }) : 0,
    namedVariables: t.columnCount,
  };
  const rows: Variable = {
    name: 'rows',
    value: `${t.rowCount} rows`,
    type: 'rows',
    ref: t.rowCount ? refs.add({ children: (req) => (req.filter === 'named' ? [] : rowPage(refs, t, req)) }) : 0,
    indexedVariables: t.rowCount,
  };
  return [shape, columns, rows];
}

export function columnVariable(env: VarEnv, c: Column, evaluateName?: string): Variable {
  const ref = env.refs.add({ children: () => summaryChildren(env, env.cache.summary(c)) });
  return { name: c.name, value: env.cache.describe(c), type: c.type, ref, namedVariables: c.type === 'number' ? 11 : 5, evaluateName };
}

function summaryChildren(env: VarEnv, s: ColumnSummary): Variable[] {
  const v = (name: string, value: unknown): Variable => ({ name, value: formatScalar(value), type: typeof value, ref: 0 });
  const out: Variable[] = [v('type', s.type), v('missing', s.missing), v('distinct', s.distinct ?? 0)];
  if (s.type === 'number') {
    for (const k of ['mean', 'std', 'min', 'max'] as const) if (s[k] !== undefined) out.push(v(k, s[k]));
    if (s.quantiles) out.push(v('p25', s.quantiles.p25), v('p50', s.quantiles.p50), v('p75', s.quantiles.p75));
  }
  const top = s.top.map((t) => ({ [formatScalar(t.value)]: t.count }));
  out.push({ ...valueVariable(env, 'top values', Object.assign({}, ...top) as Record<string, number>), value: s.top.map((t) => `${formatScalar(t.value)} (${t.count})`).join(', ') || 'none' });
  return out;
}

function rowPage(refs: RefTable, t: Table, req: { start?: number; count?: number }): Variable[] {
  const { start, end } = pageRange(t.rowCount, req, 100);
  const out: Variable[] = new Array(end - start);
  const cols = t.columns;
  for (let r = start; r < end; r++) {
    const cells: Cell[] = cols.map((c) => cellOf(c, r));
    let value = '{';
    for (let k = 0; k < cols.length && value.length < 100; k++) value += `${k ? ', ' : ''}${cols[k].name}: ${formatScalar(cells[k])}`;
    value += value.length >= 100 && cols.length > 1 ? ', …}' : '}';
    const ref = refs.add({
      children: () => cols.map((c, k) => ({ name: c.name, value: formatScalar(cells[k]), type: cells[k] === null ? 'missing' : c.type, ref: 0 })),
    });
    out[r - start] = { name: String(r), value, type: 'row', ref, namedVariables: cols.length };
  }
  return out;
}

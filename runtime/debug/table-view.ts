// A table in the Variables view, the way Data Wrangler shows one: the node itself costs
// O(1) (its value is the shape), `columns` lists one child per column with a short
// description, a column's summary is computed only when it is expanded (then cached for
// as long as the column lives), and `rows` is paged: variables(start, count) reads exactly
// that page. Summaries come from summarizeColumnFast: a few linear passes, exact except
// the top values of columns with very many distinct values, which are counted in a sample,
// say so, and have an `exact` child that counts them over every row on demand.
// When a table is first shown, its columns are summarised in the background a small step
// at a time (setImmediate between steps, so requests are served in between) for as long
// as the stop that showed it lasts, so that a column is usually ready when expanded.
import { summarizeColumn, type ColumnSummary } from '../table/summary';
import { summarizeColumnFast, summarizeColumnSteps, type FastColumnSummary } from '../table/summary-fast';
import { type Cell, type Column, type Table, cellOf, columnLength, missingCount } from '../table/table';
import type { Variable } from './protocol';
import { pageRange, type RefTable } from './refs';
import { childPath, formatScalar, valueVariable, type VarEnv } from './variables';

/** Above this many rows a column's one-line description skips the O(rows) counts. */
export const QUICK_STATS_MAX_ROWS = 1_000_000;

/** How many top values a column summary keeps. */
export const TOP_VALUES = 10;

/**
 * Per-session caches keyed by column object: tables and columns are immutable snapshots
 * (table.ts), so a summary stays right for as long as its column is reachable, across
 * stops (Step Back, Restart Frame) as well.
 */
export class TableCache {
  private readonly summaries = new WeakMap<Column, FastColumnSummary>();
  private readonly exactSummaries = new WeakMap<Column, ColumnSummary>();
  private readonly quick = new WeakMap<Column, string>();
  /** Columns to summarise in the background, each while the stop that showed it lasts. */
  private queue: { column: Column; alive: () => boolean }[] = [];
  /** Summaries under way (at most the one at the head of the queue), by column. */
  private readonly started = new Map<Column, Generator<void, FastColumnSummary, void>>();
  private scheduled = false;

  /** Exact but for `top` where `topSample` is set and `distinct` where `distinctAbove` is. */
  summary(c: Column): FastColumnSummary {
    let s = this.summaries.get(c);
    if (!s) {
      // Under way in the background: finish that one column now, keeping the steps done.
      const steps = this.started.get(c);
      if (steps) {
        this.started.delete(c);
        let r = steps.next();
        while (!r.done) r = steps.next();
        s = r.value;
      }
      s ??= summarizeColumnFast(c, { topK: TOP_VALUES });
      this.summaries.set(c, s);
    }
    return s;
  }

  /**
   * Summarise these columns in the background, one small step per turn of the event
   * loop, while `alive()` holds (the stop that showed them; checked before every step, so
   * a resume drops the work at once). They go before columns queued earlier.
   */
  prefetch(columns: readonly Column[], alive: () => boolean): void {
    const fresh = columns.filter((c) => c.type === 'number' && !this.summaries.has(c));
    const ahead = new Set(fresh);
    this.queue = [...fresh.map((column) => ({ column, alive })), ...this.queue.filter((j) => !ahead.has(j.column))];
    this.schedule();
  }

  /** Columns waiting for (or under) a background summary, after dropping those whose stop ended. */
  backgroundPending(): number {
    this.dropDead();
    return this.queue.length;
  }

  private dropDead(): void {
    const live = this.queue.filter((j) => j.alive() && !this.summaries.has(j.column));
    if (live.length === this.queue.length) return;
    this.queue = live;
    const kept = new Set(live.map((j) => j.column));
    for (const c of [...this.started.keys()]) if (!kept.has(c)) this.started.delete(c);
  }

  private schedule(): void {
    if (this.scheduled || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.step();
    });
  }

  /** One step of the summary at the head of the queue. */
  private step(): void {
    this.dropDead();
    const job = this.queue[0];
    if (!job) return;
    let steps = this.started.get(job.column);
    if (!steps) this.started.set(job.column, (steps = summarizeColumnSteps(job.column, { topK: TOP_VALUES })));
    const r = steps.next();
    if (r.done) {
      this.started.delete(job.column);
      this.summaries.set(job.column, r.value);
      this.queue.shift();
    }
    this.schedule();
  }

  /** Exact in every field; as costly as a sort of the column when the summary was not. */
  exactSummary(c: Column): ColumnSummary {
    const fast = this.summaries.get(c);
    if (fast && !isSampled(fast)) return fast;
    let s = this.exactSummaries.get(c);
    if (!s) {
      s = summarizeColumn(c, { topK: TOP_VALUES });
      this.exactSummaries.set(c, s);
    }
    return s;
  }

  /** Whether summary(c) / exactSummary(c) would answer without computing. */
  has(c: Column, exact: boolean): boolean {
    const fast = this.summaries.get(c);
    if (!exact) return fast !== undefined;
    return (fast !== undefined && !isSampled(fast)) || this.exactSummaries.has(c);
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

export function isSampled(s: FastColumnSummary): boolean {
  return s.topSample !== undefined || s.distinctAbove !== undefined;
}

function describeSummary(s: ColumnSummary): string {
  if (s.type === 'number') return `number · ${s.missing} missing${s.mean !== undefined ? ` · mean ${formatScalar(Number(s.mean.toPrecision(4)))}` : ''}`;
  return `category · ${s.distinct ?? 0} values · ${s.missing} missing`;
}

export function shapeText(t: Table): string {
  return `${t.rowCount} rows × ${t.columnCount} columns`;
}

export function tableVariable(env: VarEnv, name: string, t: Table, evaluateName?: string): Variable {
  const ref = env.refs.add({ children: (req) => (req.filter === 'indexed' ? [] : tableChildren(env, t, evaluateName, ref)) });
  env.cache.prefetch(t.columns, () => refAlive(env.refs, ref));
  return { name, value: shapeText(t), type: 'Table', ref, namedVariables: 3, evaluateName, menuContext: 'plumbTable' };
}

/** Whether `ref` still resolves: every reference dies when the run resumes (refs.ts). */
function refAlive(refs: RefTable, ref: number): boolean {
  try {
    refs.get(ref);
    return true;
  } catch {
    return false;
  }
}

function tableChildren(env: VarEnv, t: Table, base: string | undefined, tableRef: number): Variable[] {
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
    ref: t.columnCount ? refs.add({ children: (req) => (req.filter === 'indexed' ? [] : listColumns(env, t, base, tableRef)) }) : 0,
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

/** The `columns` node's children; listing them puts this table's columns first in the background queue. */
function listColumns(env: VarEnv, t: Table, base: string | undefined, tableRef: number): Variable[] {
  env.cache.prefetch(t.columns, () => refAlive(env.refs, tableRef));
  return t.columns.map((c) => columnVariable(env, c, childPath(base, c.name)));
}

export function columnVariable(env: VarEnv, c: Column, evaluateName?: string): Variable {
  const ref = env.refs.add({ children: () => summaryChildren(env, c, env.cache.summary(c), columnLength(c)) });
  return { name: c.name, value: env.cache.describe(c), type: c.type, ref, namedVariables: c.type === 'number' ? 11 : 5, evaluateName };
}

function summaryChildren(env: VarEnv, c: Column, s: FastColumnSummary, rows: number): Variable[] {
  const v = (name: string, value: unknown): Variable => ({ name, value: formatScalar(value), type: typeof value, ref: 0 });
  const distinct: Variable =
    s.distinctAbove !== undefined ? { name: 'distinct', value: `more than ${s.distinctAbove}`, type: 'number', ref: 0 } : v('distinct', s.distinct ?? 0);
  const out: Variable[] = [v('type', s.type), v('missing', s.missing), distinct];
  if (s.type === 'number') {
    for (const k of ['mean', 'std', 'min', 'max'] as const) if (s[k] !== undefined) out.push(v(k, s[k]));
    if (s.quantiles) out.push(v('p25', s.quantiles.p25), v('p50', s.quantiles.p50), v('p75', s.quantiles.p75));
  }
  const top = s.top.map((t) => ({ [formatScalar(t.value)]: t.count }));
  const listed = s.top.map((t) => `${formatScalar(t.value)} (${t.count})`).join(', ') || 'none';
  const sampled = s.topSample !== undefined ? ` — counts in a sample of ${s.topSample} of ${rows} rows` : '';
  out.push({ ...valueVariable(env, 'top values', Object.assign({}, ...top) as Record<string, number>), value: listed + sampled });
  if (isSampled(s)) {
    out.push({
      name: 'exact',
      value: `distinct and top values over all ${rows} rows: expand to count (reads the whole column)`,
      type: 'summary',
      ref: env.refs.add({ children: () => summaryChildren(env, c, env.cache.exactSummary(c), rows) }),
      namedVariables: c.type === 'number' ? 11 : 5,
    });
  }
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

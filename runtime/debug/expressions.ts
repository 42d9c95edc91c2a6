// Expressions over a stop (conditions, logpoints, watch, hover, the debug console).
//
// They run with node:vm in a fresh context with a time limit. Nothing from this process
// is put in that context: plain data (params, state, metrics, step values, ...) is
// copied in as JSON parsed *inside* the context, and tables are views built by a small
// bootstrap script inside the context that reach the real table only through a closure
// over one host function. So `input.constructor.constructor('return process')()` and
// the like find only the context's own Function: no `process`, no `require`.
// Tables are never copied: `input.rows`, `input.x.mean` or `input.x[3]` each ask the
// host for one number. Statistics are exact and computed outside the time limit: when an
// expression reads one not yet computed, the host says so, the expression is abandoned,
// the statistic is computed (and cached for the session), and the expression runs again.
// So an expression that reads new statistics may run more than once; one that changes
// the context's globals (`n = (n || 0) + 1`) can see that.
import { createContext, Script, type Context } from 'node:vm';
import type { Table } from '../table/table';
import { cellOf, columnLength } from '../table/table';
import { isSampled, type TableCache } from './table-view';

export const EVAL_TIMEOUT_MS = 500;

/** The host's answer when a statistic is not computed yet (not JSON, so never a value). */
const PENDING = '\u0000pending';
/** Reruns allowed for one evaluation: one per statistic computed on the way. */
const MAX_RERUNS = 1000;

/** What an expression can see. Plain data is copied lazily (on first use of a name). */
export interface ExprScope {
  /** Tables by handle: 'input', 'output', and side tables as 'tables.<name>'. */
  tables: Map<string, Table>;
  /** Plain values by global name (params, state, metrics, model, stage, attempt, step). */
  values: Record<string, unknown>;
}

/** What an expression returned, described so the host can show it. */
export type Described =
  | { kind: 'table'; t: string }
  | { kind: 'column'; t: string; c: string }
  | { kind: 'value'; type: string; text: string }
  | { kind: 'json'; type: string; json: string };

const BOOTSTRAP = String.raw`(function (host, globalNames, tableNames, pending) {
  'use strict';
  const parse = JSON.parse, stringify = JSON.stringify, Err = Error;
  const call = (...args) => {
    const r = host(stringify(args));
    // Thrown from here, so the error is the context's own object, not one of the host's.
    if (r === pending) throw new Err('statistics are being computed; the expression will run again');
    return r === undefined ? undefined : parse(r);
  };
  const views = new WeakMap();
  const STATS = ['mean', 'std', 'min', 'max', 'missing', 'distinct', 'p25', 'p50', 'p75', 'top'];
  function viewProxy(keys, get) {
    return new Proxy(Object.create(null), {
      get(_, k) { return typeof k === 'string' ? get(k) : undefined; },
      has(_, k) { return typeof k === 'string' && get(k) !== undefined; },
      ownKeys() { return keys(); },
      getOwnPropertyDescriptor(_, k) {
        const v = typeof k === 'string' ? get(k) : undefined;
        return v === undefined ? undefined : { value: v, writable: false, enumerable: true, configurable: true };
      },
      getPrototypeOf() { return null; },
      set() { return false; }, defineProperty() { return false; }, deleteProperty() { return false; },
    });
  }
  function columnView(t, c, type, length) {
    const fixed = { name: c, type: type, length: length };
    const p = viewProxy(() => ['name', 'type', 'length'].concat(STATS), (k) => {
      if (k in fixed) return fixed[k];
      if (/^\d+$/.test(k)) return Number(k) < length ? call('cell', t, c, Number(k)) : undefined;
      if (STATS.includes(k)) return call('stat', t, c, k);
      return undefined;
    });
    views.set(p, { t: t, c: c });
    return p;
  }
  function tableView(t) {
    const meta = call('table', t);
    const cols = Object.create(null);
    const names = meta.columns.map((c) => c.name);
    const p = viewProxy(() => ['rows', 'cols', 'columns', 'shape'].concat(names), (k) => {
      if (k === 'rows') return meta.rows;
      if (k === 'cols') return names.length;
      if (k === 'columns') return names.slice();
      if (k === 'shape') return [meta.rows, names.length];
      const i = names.indexOf(k);
      if (i < 0) return undefined;
      return cols[k] || (cols[k] = columnView(t, k, meta.columns[i].type, meta.rows));
    });
    views.set(p, { t: t });
    return p;
  }
  for (const name of globalNames) {
    Object.defineProperty(globalThis, name, {
      configurable: true, enumerable: true,
      get() { const v = call('global', name); Object.defineProperty(globalThis, name, { value: v, writable: true, configurable: true }); return v; },
    });
  }
  const tables = Object.create(null);
  for (const t of tableNames) {
    if (t.startsWith('tables.')) {
      let v; const key = t.slice(7);
      Object.defineProperty(tables, key, { enumerable: true, get() { return v || (v = tableView(t)); } });
    } else {
      let v;
      Object.defineProperty(globalThis, t, { configurable: true, enumerable: true, get() { return v || (v = tableView(t)); } });
    }
  }
  globalThis.tables = tables;
  function describe(v) {
    const view = v !== null && (typeof v === 'object' || typeof v === 'function') ? views.get(v) : undefined;
    if (view) return stringify(view.c === undefined ? { kind: 'table', t: view.t } : { kind: 'column', t: view.t, c: view.c });
    if (v === undefined || v === null || typeof v !== 'object') {
      const text = typeof v === 'string' ? stringify(v) : typeof v === 'function' ? 'ƒ ' + (v.name || 'anonymous') : String(v);
      return stringify({ kind: 'value', type: v === null ? 'null' : typeof v, text: text });
    }
    let json;
    try {
      json = stringify(v, (k, x) => {
        const w = x !== null && typeof x === 'object' ? views.get(x) : undefined;
        if (w) return w.c === undefined ? { $table: w.t } : { $column: w.c, $table: w.t };
        return x;
      });
    } catch (e) {
      return stringify({ kind: 'value', type: 'object', text: String(e && e.message || e) });
    }
    return stringify({ kind: 'json', type: Array.isArray(v) ? 'array' : 'object', json: json === undefined ? 'null' : json });
  }
  function keys(v) {
    if (v === null || v === undefined) return '[]';
    if (typeof v !== 'object') return stringify(typeof v === 'string' ? ['length'] : []);
    if (Array.isArray(v)) return stringify(['length']);
    return stringify(Reflect.ownKeys(v).filter((k) => typeof k === 'string'));
  }
  return { describe: describe, keys: keys };
})`;

interface Tools {
  describe(v: unknown): string;
  keys(v: unknown): string;
}

/** One evaluation context per stop, built on first use and dropped on resume. */
export class ExpressionContext {
  private ctx?: Context;
  private tools?: Tools;
  /** Work the last run asked for outside the time limit. */
  private pending?: () => void;

  constructor(
    private readonly scope: ExprScope,
    private readonly cache: TableCache,
  ) {}

  /** The raw value of an expression (a context value; only pass it back to describe/keys). */
  private run(expr: string): unknown {
    this.init();
    const script = new Script(expr, { filename: 'expression' });
    for (let reruns = 0; ; reruns++) {
      this.pending = undefined;
      let value: unknown;
      let error: unknown;
      let failed = false;
      try {
        value = script.runInContext(this.ctx!, { timeout: EVAL_TIMEOUT_MS, breakOnSigint: false });
      } catch (e) {
        failed = true;
        error = e;
      }
      const work = this.pending as (() => void) | undefined;
      if (work === undefined) {
        if (failed) throw error;
        return value;
      }
      if (reruns >= MAX_RERUNS) throw new Error(`expression reads more than ${MAX_RERUNS} column statistics`);
      work(); // the statistic, computed without the expression's time limit
    }
  }

  evaluate(expr: string): Described {
    const v = this.run(expr);
    return JSON.parse(this.tools!.describe(v)) as Described;
  }

  /** Truthiness, for breakpoint conditions. */
  test(expr: string): boolean {
    return this.run(`!!(${expr}\n)`) === true;
  }

  /** Own keys of what `expr` evaluates to; [] when it throws. */
  keysOf(expr: string): string[] {
    try {
      return JSON.parse(this.tools!.keys(this.run(expr))) as string[];
    } catch {
      return [];
    }
  }

  get globalNames(): string[] {
    return [...Object.keys(this.scope.values), ...[...this.scope.tables.keys()].filter((t) => !t.startsWith('tables.')), 'tables'];
  }

  table(handle: string): Table | undefined {
    return this.scope.tables.get(handle);
  }

  private init(): void {
    if (this.ctx) return;
    // No codeGeneration from strings inside the context: eval / new Function are refused.
    const ctx = createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
    const boot = new Script(BOOTSTRAP, { filename: 'plumb-expressions' }).runInContext(ctx) as (
      host: (args: string) => string | undefined,
      globalNames: unknown,
      tableNames: unknown,
      pending: string,
    ) => Tools;
    const names = new Script('(n) => JSON.parse(n)').runInContext(ctx) as (n: string) => unknown;
    this.tools = boot(
      (args) => this.host(JSON.parse(args) as unknown[]),
      names(JSON.stringify(Object.keys(this.scope.values))),
      names(JSON.stringify([...this.scope.tables.keys()])),
      PENDING,
    );
    this.ctx = ctx;
  }

  /** The only door from the context to this process: answers with JSON text. */
  private host(args: unknown[]): string | undefined {
    const [op, a, b, c] = args as [string, string, string, unknown];
    if (op === 'global') return toJson(this.scope.values[a]);
    const t = this.scope.tables.get(a);
    if (!t) return undefined;
    if (op === 'table') return JSON.stringify({ rows: t.rowCount, columns: t.columns.map((x) => ({ name: x.name, type: x.type })) });
    if (!t.has(b)) return undefined;
    const col = t.column(b);
    if (op === 'cell') {
      const i = Number(c);
      return i >= 0 && i < columnLength(col) ? toJson(cellOf(col, i)) : undefined;
    }
    if (op === 'stat') {
      const k = String(c);
      if (!this.cache.has(col, false)) {
        this.pending = () => this.cache.summary(col);
        return PENDING;
      }
      // distinct and top need the exact summary where the fast one only sampled them.
      const exact = (k === 'distinct' || k === 'top') && isSampled(this.cache.summary(col));
      if (exact && !this.cache.has(col, true)) {
        this.pending = () => this.cache.exactSummary(col);
        return PENDING;
      }
      const s = exact ? this.cache.exactSummary(col) : this.cache.summary(col);
      const v = k === 'p25' || k === 'p50' || k === 'p75' ? s.quantiles?.[k] : k === 'top' ? s.top : (s as unknown as Record<string, unknown>)[k];
      return toJson(v);
    }
    return undefined;
  }
}

/** JSON text for a host value (typed arrays become arrays; non-finite numbers become null). */
function toJson(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) && !(x instanceof DataView) ? Array.from(x as Float64Array) : x));
}

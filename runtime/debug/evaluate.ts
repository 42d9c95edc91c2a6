// Expressions at a stop, as the adapter shows them: evaluate (debug console, watch, hover),
// the text a logpoint prints for `{expr}`, and the names an expression sees at a point.
// The evaluation itself (node:vm, tables as views) is expressions.ts.
import type { Table } from '../table/table';
import { errorMessage } from '../errors';
import type * as P from './protocol';
import { ExpressionContext, type Described, type ExprScope } from './expressions';
import { preview } from './scalars';
import { columnVariable, shapeText, tableVariable, type TableCache, type VarEnv } from './table-view';
import { valueVariable } from './variables';
import type { Stop, StopPoint } from './stop';

/** The names an expression sees at this point: its tables and its plain values. */
export function exprScopeOf(p: StopPoint): ExprScope {
  const tables = new Map<string, Table>([['input', p.input]]);
  if (p.output) tables.set('output', p.output);
  for (const [k, t] of p.tables) tables.set(`tables.${k}`, t);
  const values: Record<string, unknown> = {
    params: p.params,
    state: p.states,
    metrics: p.metrics,
    model: p.model,
    stage: { ...p.ref },
    attempt: p.attempt ?? 1,
  };
  if (p.step) values.step = { label: p.step.label, index: p.step.index, ...p.step.values };
  if (p.error) values.error = { name: p.error.name, message: p.error.message };
  return { tables, values };
}

/** The stop's expression context, made on first use and kept for the stop. */
export function exprOf(stop: Stop, cache: TableCache): ExpressionContext {
  return (stop.expr ??= new ExpressionContext(exprScopeOf(stop.point), cache));
}

export function evaluateAt(env: VarEnv, stop: Stop, expression: string): P.EvaluateResult {
  const ctx = exprOf(stop, env.cache);
  const d = ctx.evaluate(expression);
  switch (d.kind) {
    case 'table': {
      const v = tableVariable(env, expression, ctx.table(d.t)!, expression);
      return { result: v.value, type: 'Table', ref: v.ref, namedVariables: v.namedVariables };
    }
    case 'column': {
      const v = columnVariable(env, ctx.table(d.t)!.column(d.c), expression);
      return { result: v.value, type: 'Column', ref: v.ref, namedVariables: v.namedVariables };
    }
    case 'value':
      return { result: d.text, type: d.type, ref: 0 };
    case 'json': {
      const value = JSON.parse(d.json, (_k, x: unknown) => {
        const o = x as { $table?: string; $column?: string } | null;
        if (o && typeof o === 'object' && typeof o.$table === 'string') {
          const t = ctx.table(o.$table);
          if (t) return o.$column !== undefined ? `${o.$column}: ${env.cache.describe(t.column(o.$column))}` : t;
        }
        return x;
      }) as unknown;
      const v = valueVariable(env, expression, value, expression);
      return { result: v.value, type: d.type, ref: v.ref, namedVariables: v.namedVariables, indexedVariables: v.indexedVariables };
    }
  }
}

/** A logpoint's `{expr}` as text; an error shows as `<message>` in its place. */
export function logPartText(ctx: ExpressionContext, cache: TableCache, expr: string): string {
  try {
    return describedText(ctx, cache, ctx.evaluate(expr));
  } catch (e) {
    return `<${errorMessage(e)}>`;
  }
}

function describedText(ctx: ExpressionContext, cache: TableCache, d: Described): string {
  switch (d.kind) {
    case 'table':
      return shapeText(ctx.table(d.t)!);
    case 'column': {
      const c = ctx.table(d.t)!.column(d.c);
      return `${c.name}: ${cache.describe(c)}`;
    }
    case 'value':
      return d.type === 'string' ? (JSON.parse(d.text) as string) : d.text;
    case 'json':
      return preview(JSON.parse(d.json));
  }
}

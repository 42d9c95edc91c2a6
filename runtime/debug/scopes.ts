// The scopes a stop shows for a frame: a step's values; the pipeline; a sub-pipeline; a
// section's stages; and for a stage its Input, Output, Tables, Changes (against the previous
// stage), Params (editable: the edit applies on the stage's next run), State, Metrics
// (each with its series) and Model.
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkParams } from '../spec/check-with';
import { compareTables } from '../table/compare';
import type { Table } from '../table/table';
import { errorMessage } from '../errors';
import type * as P from './protocol';
import { pageRange } from './refs';
import { childPath, formatScalar } from './scalars';
import { tableVariable, type VarEnv } from './table-view';
import { recordChildren, valueVariable } from './variables';
import { frameTarget } from './frames';
import type { LoadedRun } from './launch';
import type { Stop } from './stop';

/** What the scopes of a stop read besides the stop itself. */
export interface ScopeSources {
  run: LoadedRun;
  env: VarEnv;
  /** The input each stage last started with: the "changes versus previous stage" view. */
  inputs: readonly Table[];
  /** Each metric's values so far. */
  series: ReadonlyMap<string, readonly { step: number; value: number }[]>;
}

export function scopesOf(src: ScopeSources, stop: Stop, frameId: number): P.Scope[] {
  const { run, env } = src;
  const p = stop.point;
  const i = stop.where.index;
  const scope = (name: string, children: () => P.Variable[], extra: Partial<P.Scope> = {}): P.Scope => ({
    name,
    ref: env.refs.add({ children: (req) => (req.filter === 'indexed' ? [] : children()) }),
    expensive: false,
    ...extra,
  });
  const target = frameTarget(run, stop, frameId);
  switch (target.kind) {
    case 'step': {
      const step = p.step!;
      return [scope('Step', () => [valueVariable(env, 'label', step.label, 'step.label'), valueVariable(env, 'index', step.index, 'step.index'), ...recordChildren(env, step.values, 'step.values')], { presentationHint: 'locals' })];
    }
    case 'pipeline': {
      const spec = run.spec;
      return [scope('Pipeline', () => recordChildren(env, { name: spec.name, mode: run.config.mode, file: spec.file, params: spec.params, stages: [...new Set(run.runSpecs.map((s) => `${s.section}/${s.name}`))] }))];
    }
    case 'group': {
      const group = target.group;
      const inside = [...new Set(run.runSpecs)].filter((x) => x.name.startsWith(`${group.name}/`));
      return [scope('Sub-pipeline', () => recordChildren(env, { stage: group.name, uses: group.uses, file: path.resolve(path.dirname(group.file), group.uses), stages: inside.map((x) => x.name) }))];
    }
    case 'section':
      return [scope('Stages', () => [...new Set(run.runSpecs)].filter((s) => s.section === target.section).map((s) => valueVariable(env, s.name, s.uses)))];
    case 'stage':
      break;
  }

  const out: P.Scope[] = [scope('Input', () => [tableVariable(env, 'input', p.input, 'input')], { namedVariables: 1, presentationHint: 'arguments' })];
  if (p.output) out.push(scope('Output', () => [tableVariable(env, 'output', p.output!, 'output')], { namedVariables: 1, presentationHint: 'locals' }));
  if (p.tables.size) out.push(scope('Tables', () => [...p.tables].map(([k, t]) => tableVariable(env, k, t, childPath('tables', k)))));
  const before = p.output ? p.input : i > 0 ? src.inputs[i - 1] : undefined;
  const after = p.output ?? p.input;
  if (before) out.push(scope('Changes', () => changesVariables(env, before, after), { expensive: true }));
  out.push({ name: 'Params', ref: paramsRef(src, i, p.params), expensive: false, namedVariables: Object.keys(p.params).length });
  out.push(scope('State', () => recordChildren(env, p.states as Record<string, unknown>, 'state'), { namedVariables: Object.keys(p.states).length }));
  out.push(scope('Metrics', () => metricVariables(src, p.metrics), { namedVariables: Object.keys(p.metrics).length }));
  if (p.model) out.push(scope('Model', () => recordChildren(env, p.model as unknown as Record<string, unknown>, 'model')));
  return out;
}

/** The Params scope: editable, each edit checked against the stage's parameter schema. */
function paramsRef(src: ScopeSources, i: number, params: Record<string, unknown>): number {
  const { env } = src;
  const def = src.run.defs[i];
  const spec = src.run.runSpecs[i];
  const variable = (k: string): P.Variable => ({ ...valueVariable(env, k, params[k], childPath('params', k)), editable: true });
  return env.refs.add({
    children: (req) => (req.filter === 'indexed' ? [] : Object.keys(params).map(variable)),
    set: (name, text) => {
      let value: unknown;
      try {
        value = text.trim() === '' ? '' : parseYaml(text);
      } catch (e) {
        throw new Error(`'${text}' is not a valid YAML or JSON value: ${errorMessage(e)}`);
      }
      const next = { ...params, [name]: value };
      const problems = def.params ? checkParams(def.params, next, spec.uses) : [];
      if (problems.length) throw new Error(`cannot set ${name} of stage '${spec.name}' (${spec.uses}): ${problems.map((x) => x.message).join('; ')}`);
      // The engine runs the stage with this very object: the edit applies on its next run.
      params[name] = value;
      return variable(name);
    },
  });
}

function metricVariables(src: ScopeSources, metrics: Readonly<Record<string, number>>): P.Variable[] {
  const { refs } = src.env;
  return Object.keys(metrics).map((name) => {
    const series = src.series.get(name) ?? [];
    const ref = series.length
      ? refs.add({
          children: (req) => {
            if (req.filter === 'named') return [];
            const { start, end } = pageRange(series.length, req);
            return series.slice(start, end).map((pt) => ({ name: `step ${pt.step}`, value: formatScalar(pt.value), type: 'number', ref: 0 }));
          },
        })
      : 0;
    return { name, value: formatScalar(metrics[name]), type: 'number', ref, indexedVariables: series.length, evaluateName: childPath('metrics', name) };
  });
}

function changesVariables(env: VarEnv, before: Table, after: Table): P.Variable[] {
  const c = compareTables(before, after);
  const v = (name: string, value: unknown): P.Variable => valueVariable(env, name, value);
  const gained = c.missingChanged.filter((m) => m.after > m.before);
  const lost = c.missingChanged.filter((m) => m.after < m.before);
  return [
    { name: 'rows', value: `${c.rowsBefore} → ${c.rowsAfter}`, type: 'string', ref: 0 },
    v('rows dropped', c.rowsDropped),
    v('rows added', c.rowsAdded),
    v('columns added', c.columnsAdded),
    v('columns removed', c.columnsRemoved),
    v('types changed', Object.fromEntries(c.typesChanged.map((t) => [t.name, `${t.from} → ${t.to}`]))),
    v('missing gained', Object.fromEntries(gained.map((m) => [m.name, `${m.before} → ${m.after}`]))),
    v('missing lost', Object.fromEntries(lost.map((m) => [m.name, `${m.before} → ${m.after}`]))),
  ];
}

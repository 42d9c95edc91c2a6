// A StageContext for tests: records everything a stage reports so tests can assert on it.
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import type { Table } from '../../runtime/table/table';
import type { StageContext, StageDef } from '../../runtime/stages/types';
import type { Json, Mode, ModelArtifact } from '../../runtime/vocabulary';

export interface FakeContextOptions {
  stage?: string;
  uses?: string;
  mode?: Mode;
  target?: string;
  seed?: number;
  model?: ModelArtifact;
  pipelineParams?: Record<string, unknown>;
  attempt?: number;
  signal?: AbortSignal;
  baseDir?: string;
  /** Side tables available through getTable (e.g. a prepared 'test' table). */
  tables?: Record<string, Table>;
}

export interface FakeContext<P = Record<string, unknown>> extends StageContext<P> {
  logs: string[];
  warnings: { message: string; code?: string }[];
  metrics: { name: string; value: number; step: number }[];
  steps: { label: string; values?: Record<string, unknown> }[];
  reports: { name: string; value: Json }[];
  progressUpdates: { fraction: number; message?: string }[];
  tables: Map<string, Table>;
}

/** Builds a context whose params are `params`; `extra` overrides the other fields. */
export function fakeContext<P = Record<string, unknown>>(
  params: P = {} as P,
  extra: FakeContextOptions = {},
): FakeContext<P> {
  const logs: string[] = [];
  const warnings: { message: string; code?: string }[] = [];
  const metrics: { name: string; value: number; step: number }[] = [];
  const steps: { label: string; values?: Record<string, unknown> }[] = [];
  const reports: { name: string; value: Json }[] = [];
  const progressUpdates: { fraction: number; message?: string }[] = [];
  const tables = new Map<string, Table>(Object.entries(extra.tables ?? {}));
  const uses = extra.uses ?? 'test-stage';
  return {
    stage: extra.stage ?? uses,
    uses,
    mode: extra.mode ?? 'train',
    params,
    pipelineParams: extra.pipelineParams ?? {},
    attempt: extra.attempt ?? 1,
    signal: extra.signal ?? new AbortController().signal,
    baseDir: extra.baseDir ?? process.cwd(),
    seed: extra.seed ?? 0,
    target: extra.target,
    model: extra.model,
    log: (message) => void logs.push(message),
    warn: (message, code) => void warnings.push(code === undefined ? { message } : { message, code }),
    metric: (name, value, step) => {
      const earlier = metrics.filter((m) => m.name === name).length;
      metrics.push({ name, value, step: step ?? earlier });
    },
    step: async (label, values) => void steps.push(values === undefined ? { label } : { label, values }),
    report: (name, value) => void reports.push({ name, value }),
    progress: (fraction, message) => void progressUpdates.push({ fraction, message }),
    getTable: (name) => tables.get(name),
    setTable: (name, table) => void tables.set(name, table),
    logs,
    warnings,
    metrics,
    steps,
    reports,
    progressUpdates,
    tables,
  };
}

/** A column's cells as plain JS (null for missing). */
export function cells(table: Table, name: string): (number | string | null)[] {
  const out: (number | string | null)[] = [];
  for (let r = 0; r < table.rowCount; r++) out.push(table.cell(r, name));
  return out;
}

/** Asserts two number arrays agree to `tol` (absolute + relative), nulls matching nulls. */
export function assertClose(actual: readonly (number | string | null)[], expected: readonly (number | null)[], tol = 1e-12): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} != expected ${expected.length}: ${JSON.stringify(actual)}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (e === null || a === null) {
      if (a !== e) throw new Error(`at ${i}: got ${a}, expected ${e} (${JSON.stringify(actual)})`);
      continue;
    }
    if (typeof a !== 'number' || Math.abs(a - e) > tol * (1 + Math.abs(e))) {
      throw new Error(`at ${i}: got ${a}, expected ${e} (${JSON.stringify(actual)})`);
    }
  }
}

/** The value of a stage call that the built-in stages answer synchronously. */
export function sync<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new Error('expected a synchronous result');
  return value;
}

/**
 * Checks the contract every built-in stage's param schema keeps: a one-line summary, a strict
 * object schema that compiles, and each property documented with a type and a valid default.
 */
export function assertStageSchemas(stages: readonly StageDef[]): void {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  for (const s of stages) {
    assert.ok(s.summary.length > 0 && !s.summary.includes('\n'), `${s.type}: one-line summary`);
    assert.equal(s.params.type, 'object');
    assert.equal(s.params.additionalProperties, false, `${s.type}: additionalProperties false`);
    ajv.compile(s.params);
    for (const key of s.params.required ?? []) assert.ok(key in s.params.properties, `${s.type}: required '${key}' is declared`);
    for (const [key, prop] of Object.entries(s.params.properties)) {
      assert.equal(typeof prop.description, 'string', `${s.type}.${key} needs a description`);
      assert.ok(prop.type, `${s.type}.${key} needs a type`);
      if ('default' in prop) {
        const { default: value, ...rest } = prop;
        assert.ok(ajv.validate(rest, value), `${s.type}.${key}: default ${JSON.stringify(value)} fits its schema`);
      }
    }
  }
}

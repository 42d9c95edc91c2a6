// The engine: runs a loaded pipeline in train or inference mode.
//
// A run is a flat list of stage slots (feature then training, or feature then
// inference). Before each slot the engine keeps a snapshot of the run state (input
// table, side tables, model, fitted states); tables are immutable, so a snapshot is a
// handful of references. That is what lets a controller re-run a stage from its cached
// input or go back to an earlier stage.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Table } from '../table/table';
import { readTableAndHash } from '../table/io';
import type { Json, Mode, StageDef } from '../stages/types';
import { builtinStages } from '../stages/registry';
import { loadUserStage } from '../stages/user';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { runWithRetry, attemptsOf } from '../retry';
import { Monitor } from '../monitor';
import type { RunRecord } from '../monitor';
import { Store } from '../store';
import { CancelledError, errorMessage } from '../errors';
import type { EngineEvent, ErrorInfo, Section, StageRef } from './events';
import { StageInterrupt, type AfterStagePoint, type Controller, type Directive, type PointBase } from './controller';
import { makeContext, type RunState } from './context';
import { checkOutput } from './data-checks';

export interface RunOptions {
  mode?: Mode;
  /** Inference: which version to use — a number, 'latest' (default) or an alias. */
  version?: number | string;
  /** The store; default `spec.store`. Pass `false` to run without saving anything. */
  store?: Store | false;
  controller?: Controller;
  signal?: AbortSignal;
  /** Every engine event, as it happens (after the monitor has recorded it). */
  onEvent?: (event: EngineEvent) => void;
  /** The Monitor that records this run; pass one to read the live record during the run. */
  monitor?: Monitor;
  /** Input data file instead of the pipeline's `data:` entry. */
  data?: string;
  /** End the run successfully after this stage (no version is saved). */
  stopAfter?: string;
  /** Run id to use (default: time-based and unique). */
  runId?: string;
  /** Engine data warnings after each stage (default true). */
  dataChecks?: boolean;
}

export interface RunResult {
  runId: string;
  status: 'ok' | 'failed' | 'cancelled';
  /** The table leaving the last stage that ran. */
  output: Table;
  record: RunRecord;
  /** Saved (train) or used (inference) version number. */
  version?: number;
  metrics: Record<string, number>;
  reports: Record<string, Json>;
  model?: import('../stages/types').ModelArtifact;
  states: Record<string, Json>;
  error?: Error;
}

interface Slot {
  spec: StageSpec;
  def: StageDef;
  ref: StageRef;
  /** A private copy of the `with:` values a controller may edit. */
  params: Record<string, unknown>;
}

interface Snapshot {
  input: Table;
  tables: Map<string, Table>;
  model: RunState['model'];
  states: Record<string, Json>;
  metrics: Record<string, number>;
}

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/** Resolve each stage's definition: a built-in by name or a user module by path. */
export async function resolveStages(specs: StageSpec[]): Promise<StageDef[]> {
  // One load per module file, however many stages use it.
  const modules = new Map<string, Promise<StageDef>>();
  return Promise.all(
    specs.map(async (s) => {
      if (s.module) {
        let def = modules.get(s.module);
        if (!def) modules.set(s.module, (def = loadUserStage(s.module)));
        return def;
      }
      const def = builtinStages.get(s.uses);
      if (!def) throw new Error(`${s.uses}: unknown stage type`);
      return def;
    }),
  );
}

export async function runPipeline(spec: PipelineSpec, opts: RunOptions = {}): Promise<RunResult> {
  const mode: Mode = opts.mode ?? 'train';
  const runId = opts.runId ?? newRunId();
  const store = opts.store === false ? undefined : (opts.store ?? new Store(spec.store));
  const monitor = opts.monitor ?? new Monitor();
  const emit = (e: EngineEvent): void => {
    monitor.handle(e);
    opts.onEvent?.(e);
  };
  // The run's own signal, aborted with a CancelledError whatever reason the caller's had:
  // stages see it directly as ctx.signal (no per-attempt signal without a timeout).
  const runAbort = new AbortController();
  const signal = runAbort.signal;
  const onCallerAbort = (): void => runAbort.abort(new CancelledError());
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const start = Date.now();

  const state: RunState = { runId, mode, model: undefined, tables: new Map(), states: {}, metrics: {}, reports: {} };
  const sections: Section[] = mode === 'train' ? ['feature', 'training'] : ['feature', 'inference'];
  const specs = sections.flatMap((sec) => spec[sec]);
  const refs: StageRef[] = specs.map((s, index) => ({
    stage: s.name,
    uses: s.uses,
    section: s.section,
    index,
    line: s.nameRange.start.line,
  }));

  emit({ type: 'run-start', runId, pipeline: spec.name, file: spec.file, mode, time: start, stages: refs });

  let output = new Table([], 0);
  let version: number | undefined;
  let status: RunResult['status'] = 'ok';
  let failure: Error | undefined;
  let dataHash = '';

  try {
    // Inference replays the saved state: load it before touching any data.
    if (mode === 'inference') {
      if (!store) throw new Error('inference needs a store to load a version from');
      const loaded = await store.loadVersion(spec.name, opts.version ?? 'latest');
      version = loaded.manifest.version;
      state.model = (loaded.model ?? undefined) as RunState['model'];
      state.states = { ...((loaded.state ?? {}) as Record<string, Json>) };
    }

    const defs = await resolveStages(specs);
    if (mode === 'inference') {
      specs.forEach((f, i) => {
        if (defs[i].kind === 'fitted' && !Object.hasOwn(state.states, f.name)) {
          throw new Error(
            `version ${version} has no fitted state for feature stage '${f.name}': ` +
              `the feature section changed since it was trained; train a new version`,
          );
        }
      });
    }
    const slots: Slot[] = specs.map((s, i) => ({ spec: s, def: defs[i], ref: refs[i], params: { ...s.with } }));

    const dataFile = opts.data ? path.resolve(opts.data) : mode === 'inference' ? (spec.data.inference ?? spec.data.train) : spec.data.train;
    if (dataFile) {
      ({ table: output, sha256: dataHash } = await readTableAndHash(dataFile));
    }

    output = await runSlots(slots, output);

    if (mode === 'train' && store && status === 'ok' && !opts.stopAfter) {
      const saved = await store.saveVersion(spec.name, {
        artifacts: {
          state: state.states,
          config: versionConfig(spec, slots),
          model: (state.model ?? null) as Json,
          metrics: { ...state.metrics, ...state.reports } as Json,
        },
        lineage: { pipelineFileHash: spec.fileHash, dataHash, params: spec.params as Json, runId },
      });
      version = saved.version;
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (status === 'ok') status = err instanceof CancelledError || signal.aborted ? 'cancelled' : 'failed';
    failure = err;
  }

  opts.signal?.removeEventListener('abort', onCallerAbort);
  const end = Date.now();
  emit({
    type: 'run-end',
    runId,
    time: end,
    durationMs: end - start,
    status,
    error: failure ? errorInfo(failure) : undefined,
    version,
  });
  // The run is over, so the live record will not change again: no copy needed.
  const record = monitor.record;
  if (store) {
    try {
      await store.saveRun(spec.name, record as unknown as { runId: string } & Record<string, unknown>);
    } catch (e) {
      // A run that worked must not be reported as failed because its record could not be
      // written; say so on the event stream instead.
      emit({ type: 'warning', runId, time: Date.now(), message: `could not save the run record: ${errorMessage(e)}`, code: 'store' });
    }
  }
  return {
    runId,
    status,
    output,
    record,
    version,
    metrics: state.metrics,
    reports: state.reports,
    model: state.model,
    states: state.states,
    error: failure,
  };

  async function runSlots(slots: Slot[], first: Table): Promise<Table> {
    const snapshots: Snapshot[] = [];
    let metricsCopy: Record<string, number> | undefined;
    let input = first;
    let current: Section | undefined;
    let i = 0;
    while (i < slots.length) {
      if (signal.aborted) throw new CancelledError();
      const slot = slots[i];
      if (slot.spec.section !== current) {
        if (current) emit({ type: 'section-end', runId, section: current, time: Date.now() });
        current = slot.spec.section;
        emit({ type: 'section-start', runId, section: current, time: Date.now() });
      }
      if (state.metricsChanged || metricsCopy === undefined) {
        metricsCopy = { ...state.metrics };
        state.metricsChanged = false;
      }
      snapshots[i] = { input, tables: state.tables, model: state.model, states: state.states, metrics: metricsCopy };

      const hooks = opts.controller;
      // Hooks are awaited only when they return a promise: a synchronous answer (the usual
      // "go on") then costs no microtask turn.
      let before = hooks?.beforeStage ? hooks.beforeStage(point(slot, input, 'before-stage')) : undefined;
      if (isThenable(before)) before = await before;
      const jump = target(before, i);
      if (jump !== undefined) {
        ({ input, i } = restore(snapshots, jump));
        current = undefined;
        continue;
      }

      let out: Table;
      let attempts = 0;
      const t0 = performance.now();
      try {
        ({ out, attempts } = await runStage(slot, input));
      } catch (e) {
        if (e instanceof StageInterrupt) {
          // The controller abandoned the running stage (restart it, go back, stop).
          const back = target(e.directive, i);
          if (back !== undefined) {
            ({ input, i } = restore(snapshots, back));
            current = undefined;
            continue;
          }
        }
        const err = e instanceof Error ? e : new Error(String(e));
        const failed = await opts.controller?.stageFailed?.(
          Object.assign(point(slot, input, 'stage-failed'), { error: err, attempts: attemptsOf(err)?.length ?? 1 }),
        );
        const back = target(failed, i);
        if (back !== undefined) {
          ({ input, i } = restore(snapshots, back));
          current = undefined;
          continue;
        }
        throw err;
      }
      const durationMs = performance.now() - t0;

      let after: Directive | void = undefined;
      if (hooks?.afterStage) {
        const p = point(slot, input, 'after-stage') as AfterStagePoint;
        p.output = out;
        p.durationMs = durationMs;
        p.attempts = attempts;
        const r = hooks.afterStage(p);
        after = isThenable(r) ? await r : r;
      }
      const again = target(after, i);
      if (again !== undefined) {
        ({ input, i } = restore(snapshots, again));
        current = undefined;
        continue;
      }
      input = out;
      i++;
      if (opts.stopAfter && slot.spec.name === opts.stopAfter) break;
    }
    if (current) emit({ type: 'section-end', runId, section: current, time: Date.now() });
    return input;
  }

  /** Where a directive sends the run: a slot index, or undefined to go on. */
  function target(d: Directive | void, i: number): number | undefined {
    if (!d || d.action === 'continue') return undefined;
    if (d.action === 'stop') throw new CancelledError('stopped by the controller');
    if (d.action === 'rerun') return i;
    if (!Number.isInteger(d.index) || d.index < 0 || d.index > i) {
      throw new Error(`cannot go back to stage index ${d.index}: only stages 0..${i} have snapshots`);
    }
    return d.index;
  }

  function restore(snapshots: Snapshot[], j: number): { input: Table; i: number } {
    const s = snapshots[j];
    state.tables = s.tables;
    state.model = s.model;
    state.states = s.states;
    state.metrics = { ...s.metrics };
    state.metricsChanged = true;
    snapshots.length = j;
    return { input: s.input, i: j };
  }

  // Built as one literal of a fixed shape (no spreads): it is made for every hook call.
  function point<K extends string | undefined = undefined>(slot: Slot, input: Table, kind?: K): PointBase & { kind: K } {
    return {
      kind: kind as K,
      runId,
      ref: slot.ref,
      input,
      params: slot.params,
      states: state.states,
      model: state.model,
      tables: state.tables,
      metrics: state.metrics,
    };
  }

  async function runStage(slot: Slot, input: Table): Promise<{ out: Table; attempts: number }> {
    const { ref, def, spec: s } = slot;
    const t0 = Date.now();
    const p0 = performance.now();
    emit({ type: 'stage-start', runId, ref, time: t0, rowsIn: input.rowCount, bytesIn: input.byteSize });
    const deps = {
      state,
      ref,
      params: slot.params,
      pipelineParams: spec.params,
      baseDir: path.dirname(spec.file),
      seed: typeof spec.params.seed === 'number' ? spec.params.seed : 0,
      target: spec.target,
      emit,
      controller: opts.controller,
      point: <K extends string>(kind: K) => point(slot, input, kind),
    };
    try {
      const { value, attempts } = await runWithRetry(
        async (attempt, attemptSignal) => {
          const ctx = makeContext(deps, attempt, attemptSignal);
          return execute(def, s, input, ctx);
        },
        s.retry,
        {
          signal,
          passThrough: (e) => e instanceof StageInterrupt,
          beforeRetry: async (record, error) => {
            const d = await opts.controller?.retryAttempt?.(
              Object.assign(point(slot, input, 'retry'), { error, attempt: record.attempt, delayMs: record.delayMs ?? 0 }),
            );
            if (d && d.action !== 'continue') throw new StageInterrupt(d);
          },
          onAttemptStart: (attempt) => emit({ type: 'attempt-start', runId, ref, attempt, time: Date.now() }),
          onAttemptEnd: (a) =>
            emit({
              type: 'attempt-end',
              runId,
              ref,
              attempt: a.attempt,
              time: Date.now(),
              durationMs: a.durationMs,
              ok: a.ok,
              error: a.error,
              retryInMs: a.delayMs,
            }),
        },
      );
      const out = value;
      if (opts.dataChecks !== false) {
        for (const w of checkOutput(input, out)) {
          emit({ type: 'warning', runId, ref, time: Date.now(), message: w.message, code: w.code });
        }
      }
      emit({
        type: 'stage-end',
        runId,
        ref,
        time: Date.now(),
        durationMs: performance.now() - p0,
        rowsIn: input.rowCount,
        rowsOut: out.rowCount,
        bytesIn: input.byteSize,
        bytesOut: out.byteSize,
        attempts: attempts.length,
      });
      return { out, attempts: attempts.length };
    } catch (e) {
      // Abandoned by the controller: not a failure; the directive decides what runs next.
      if (e instanceof StageInterrupt) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      emit({
        type: 'stage-error',
        runId,
        ref,
        time: Date.now(),
        durationMs: performance.now() - p0,
        attempts: attemptsOf(err)?.length ?? 1,
        error: errorInfo(err),
      });
      throw new StageFailure(ref, err);
    }
  }

  async function execute(def: StageDef, s: StageSpec, input: Table, ctx: ReturnType<typeof makeContext>): Promise<Table> {
    switch (def.kind) {
      case 'transform':
        return checkTable(await def.run(input, ctx), s);
      case 'fitted': {
        let fitted: Json;
        if (mode === 'train') {
          fitted = await def.fit(input, ctx);
          assertJson(fitted, s);
          state.states = { ...state.states, [s.name]: fitted }; // copy on write, see RunState
        } else {
          fitted = state.states[s.name];
        }
        return checkTable(await def.transform(input, fitted, ctx), s);
      }
      case 'model': {
        if (mode !== 'train') {
          throw new Error(`model stage '${s.name}' can only run in train mode; inference uses the saved model`);
        }
        const model = await def.train(input, ctx);
        if (!model || typeof model !== 'object' || typeof model.kind !== 'string') {
          throw new Error(`stage '${s.name}' (${s.uses}) returned no model artifact`);
        }
        assertJson(model as unknown as Json, s);
        state.model = model;
        return input;
      }
    }
  }
}

function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}

/** A stage failed after its retries: keeps the stage's name in the message and the cause. */
export class StageFailure extends Error {
  override readonly name = 'StageFailure';
  constructor(
    readonly ref: StageRef,
    override readonly cause: Error,
  ) {
    super(`stage '${ref.stage}' (${ref.uses}, line ${ref.line}) failed: ${cause.message}`);
    const attempts = attemptsOf(cause);
    if (attempts) Object.defineProperty(this, 'attempts', { value: attempts, enumerable: false });
  }
}

function checkTable(value: unknown, s: StageSpec): Table {
  if (value instanceof Table) return value;
  throw new Error(
    `stage '${s.name}' (${s.uses}) returned ${value === null ? 'null' : typeof value}, expected a Table`,
  );
}

/** States and models are saved as JSON; reject what would not survive the trip. */
function assertJson(value: Json, s: StageSpec): void {
  const bad = findNonJson(value, '');
  if (bad !== undefined) {
    throw new Error(`stage '${s.name}' returned state that is not plain JSON at ${bad || 'the top level'}`);
  }
}

function findNonJson(v: unknown, at: string): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${at} (${v})`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findNonJson(v[i], `${at}[${i}]`);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const r = findNonJson(x, `${at}.${k}`);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  return `${at} (${typeof v === 'object' ? (v as object).constructor?.name : typeof v})`;
}

function versionConfig(spec: PipelineSpec, slots: Slot[]): Json {
  return {
    pipeline: spec.name,
    file: path.basename(spec.file),
    target: spec.target ?? null,
    params: spec.params as Json,
    stages: slots.map((s) => ({ name: s.spec.name, uses: s.spec.uses, section: s.spec.section, with: s.params as Json })),
  };
}

function errorInfo(e: Error): ErrorInfo {
  const cause = e instanceof StageFailure ? e.cause : e;
  return { name: cause.name, message: e.message, stack: cause.stack };
}

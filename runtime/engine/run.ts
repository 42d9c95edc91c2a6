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
import type { StageDef } from '../stages/types';
import type { ErrorInfo, Json, Mode, ModelArtifact, Section, StageRef } from '../vocabulary';
import { builtinStages } from '../stages/registry';
import { loadUserStage } from '../stages/user';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { runStages } from '../spec/stop-after';
import { runWithRetryEager, attemptsOf, isThenable, type AttemptRecord, type RetryResult } from '../retry';
import { Monitor } from '../monitor';
import type { RunRecord } from '../monitor';
import { Store } from '../store';
import { CancelledError, errorMessage } from '../errors';
import type { EngineEvent } from './events';
import { StageInterrupt, type AfterStagePoint, type Controller, type Directive, type PointBase } from './controller';
import { makeContext, type ContextDeps, type RunState } from './context';
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
  model?: ModelArtifact;
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

/**
 * The run state before a stage, minus its input table. Stages rarely change it, so
 * consecutive stages share one object: a snapshot per stage is then two array slots.
 */
interface SavedState {
  tables: Map<string, Table>;
  model: RunState['model'];
  states: Record<string, Json>;
  metrics: Record<string, number>;
}

/** What the engine keeps to go back to any stage that started: inputs[i] and saved[i]. */
interface Snapshots {
  inputs: Table[];
  saved: SavedState[];
}

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/** Resolve each stage's definition: a built-in by name or a user module by path. */
export async function resolveStages(specs: StageSpec[]): Promise<StageDef[]> {
  // One load per module file, however many stages use it, and no promise per stage: a
  // pipeline can have very many stages sharing a few modules.
  const loads = new Map<string, Promise<StageDef>>();
  for (const s of specs) {
    if (s.module) {
      if (!loads.has(s.module)) loads.set(s.module, loadUserStage(s.module));
    } else if (!builtinStages.has(s.uses)) {
      throw new Error(`${s.uses}: unknown stage type`);
    }
  }
  const modules = new Map<string, StageDef>();
  const loaded = await Promise.all(loads.values());
  let k = 0;
  for (const file of loads.keys()) modules.set(file, loaded[k++]);
  return specs.map((s) => (s.module ? modules.get(s.module)! : builtinStages.get(s.uses)!));
}

export async function runPipeline(spec: PipelineSpec, opts: RunOptions = {}): Promise<RunResult> {
  const mode: Mode = opts.mode ?? 'train';
  const runId = opts.runId ?? newRunId();
  const store = opts.store === false ? undefined : (opts.store ?? new Store(spec.store));
  const monitor = opts.monitor ?? new Monitor();
  const listener = opts.onEvent;
  const emit = (e: EngineEvent): void => {
    monitor.handle(e);
    listener?.(e);
  };
  // The run's own signal, aborted with a CancelledError whatever reason the caller's had:
  // stages see it directly as ctx.signal (no per-attempt signal without a timeout).
  const runAbort = new AbortController();
  const signal = runAbort.signal;
  const onCallerAbort = (): void => runAbort.abort(new CancelledError());
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  // Checked before every stage: a plain flag, cheaper than the AbortSignal getter.
  let cancelled = signal.aborted;
  if (!cancelled) signal.addEventListener('abort', () => (cancelled = true), { once: true });
  const start = Date.now();
  // Event times come from the monotonic clock the stage durations are measured with, as
  // epoch ms anchored at the run's start: one clock read per stage boundary instead of a
  // Date.now() per event, and every event of the run on one clock, so times never go back.
  const perf0 = performance.now();
  const epochAt = (perfNow: number): number => Math.round(start + (perfNow - perf0));
  const clock = (): number => epochAt(performance.now());

  const state: RunState = { runId, mode, model: undefined, tables: new Map(), states: {}, metrics: {}, reports: {} };
  const specs = runStages(spec, mode);
  const refs: StageRef[] = specs.map((s, index) => ({
    stage: s.name,
    uses: s.uses,
    section: s.section,
    index,
    line: s.nameRange.start.line,
    ...(s.file !== undefined && s.file !== spec.file ? { file: s.file } : {}),
  }));

  // The stage running now. The retry callbacks below are made once per run and read it:
  // stages run one at a time, and a stage's attempt loop ends before the next stage starts.
  let running!: Slot;
  let runningInput: Table = new Table([], 0);
  /** Duration and attempts of the stage that last ended, for the after-stage point. */
  const lastStage = { durationMs: 0, attempts: 0 };
  const contextDeps: ContextDeps = {
    state,
    pipelineParams: spec.params,
    baseDir: path.dirname(spec.file),
    seed: typeof spec.params.seed === 'number' ? spec.params.seed : 0,
    target: spec.target,
    emit,
    now: clock,
    controller: opts.controller,
    point: (stage, input, kind) => point(stage, input, kind),
  };
  const attempt = (n: number, attemptSignal: AbortSignal): Table | Promise<Table> =>
    execute(running.def, running.spec, runningInput, makeContext(contextDeps, running, runningInput, n, attemptSignal));
  const retryOptions = {
    signal,
    now: clock,
    passThrough: (e: unknown) => e instanceof StageInterrupt,
    beforeRetry: async (record: AttemptRecord, error: Error) => {
      const d = await opts.controller?.retryAttempt?.(
        Object.assign(point(running, runningInput, 'retry'), { error, attempt: record.attempt, delayMs: record.delayMs ?? 0 }),
      );
      if (d && d.action !== 'continue') throw new StageInterrupt(d);
    },
    // Event times are the attempt record's own clock readings: no extra Date.now() calls.
    onAttemptStart: (n: number, time: number) => {
      const ref = running.ref;
      monitor.attemptStart(runId, ref, n, time);
      if (listener) listener({ type: 'attempt-start', runId, ref, attempt: n, time });
    },
    onAttemptEnd: (a: AttemptRecord) => {
      const ref = running.ref;
      const time = a.start + a.durationMs;
      monitor.attemptEnd(runId, ref, a.attempt, time, a.durationMs, a.ok, a.error, a.delayMs);
      if (listener) {
        listener({ type: 'attempt-end', runId, ref, attempt: a.attempt, time, durationMs: a.durationMs, ok: a.ok, error: a.error, retryInMs: a.delayMs });
      }
    },
  };

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
  const end = clock();
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
      emit({ type: 'warning', runId, time: clock(), message: `could not save the run record: ${errorMessage(e)}`, code: 'store' });
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
    const snapshots: Snapshots = { inputs: [], saved: [] };
    let metricsCopy: Record<string, number> | undefined;
    let saved: SavedState | undefined;
    let input = first;
    let current: Section | undefined;
    let i = 0;
    while (i < slots.length) {
      if (cancelled) throw new CancelledError();
      const slot = slots[i];
      if (slot.spec.section !== current) {
        if (current) emit({ type: 'section-end', runId, section: current, time: clock() });
        current = slot.spec.section;
        emit({ type: 'section-start', runId, section: current, time: clock() });
      }
      if (state.metricsChanged || metricsCopy === undefined) {
        metricsCopy = { ...state.metrics };
        state.metricsChanged = false;
      }
      if (
        saved === undefined ||
        saved.tables !== state.tables ||
        saved.model !== state.model ||
        saved.states !== state.states ||
        saved.metrics !== metricsCopy
      ) {
        saved = { tables: state.tables, model: state.model, states: state.states, metrics: metricsCopy };
      }
      snapshots.inputs[i] = input;
      snapshots.saved[i] = saved;

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
      try {
        // A synchronous stage comes back as a table: no promise, no microtask turn.
        const ran = runStage(slot, input);
        out = isThenable(ran) ? await ran : ran;
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

      let after: Directive | void = undefined;
      if (hooks?.afterStage) {
        const r = hooks.afterStage(afterPoint(slot, input, out));
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
    if (current) emit({ type: 'section-end', runId, section: current, time: clock() });
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

  function restore(snapshots: Snapshots, j: number): { input: Table; i: number } {
    const s = snapshots.saved[j];
    const input = snapshots.inputs[j];
    state.tables = s.tables;
    state.model = s.model;
    state.states = s.states;
    state.metrics = { ...s.metrics };
    state.metricsChanged = true;
    snapshots.inputs.length = j;
    snapshots.saved.length = j;
    return { input, i: j };
  }

  // One literal too: adding output, durationMs and attempts to a point afterwards would
  // give every stage's point an out-of-object property store.
  function afterPoint(slot: Slot, input: Table, output: Table): AfterStagePoint {
    return {
      kind: 'after-stage',
      runId,
      ref: slot.ref,
      input,
      params: slot.params,
      states: state.states,
      model: state.model,
      tables: state.tables,
      metrics: state.metrics,
      output,
      durationMs: lastStage.durationMs,
      attempts: lastStage.attempts,
    };
  }

  // Built as one literal of a fixed shape (no spreads): it is made for every hook call.
  function point<K extends string | undefined = undefined>(slot: Pick<Slot, 'ref' | 'params'>, input: Table, kind?: K): PointBase & { kind: K } {
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

  /**
   * Runs one stage with its retry policy. The monitor is fed directly and event objects
   * are built only for a listener. Synchronous all the way when the stage is: the output
   * table comes back as is; otherwise a promise of it.
   */
  function runStage(slot: Slot, input: Table): Table | Promise<Table> {
    const ref = slot.ref;
    const p0 = performance.now();
    const time = epochAt(p0);
    const rowsIn = input.rowCount;
    const bytesIn = input.byteSize;
    monitor.stageStart(runId, ref, time, rowsIn, bytesIn);
    if (listener) listener({ type: 'stage-start', runId, ref, time, rowsIn, bytesIn });
    running = slot;
    runningInput = input;
    let ran: RetryResult<Table> | Promise<RetryResult<Table>>;
    try {
      ran = runWithRetryEager(attempt, slot.spec.retry, retryOptions, time);
    } catch (e) {
      throw stageFailed(ref, e, p0);
    }
    if (isThenable(ran)) return finishLater(slot, input, ran, p0);
    try {
      return finishStage(slot, input, ran, p0);
    } catch (e) {
      throw stageFailed(ref, e, p0);
    }
  }

  async function finishLater(slot: Slot, input: Table, ran: Promise<RetryResult<Table>>, p0: number): Promise<Table> {
    try {
      return finishStage(slot, input, await ran, p0);
    } catch (e) {
      throw stageFailed(slot.ref, e, p0);
    }
  }

  function finishStage(slot: Slot, input: Table, ran: RetryResult<Table>, p0: number): Table {
    const ref = slot.ref;
    const out = ran.value;
    const attempts = ran.attempts.length;
    if (opts.dataChecks !== false && out !== input) {
      for (const w of checkOutput(input, out)) {
        emit({ type: 'warning', runId, ref, time: clock(), message: w.message, code: w.code });
      }
    }
    const p1 = performance.now();
    const time = epochAt(p1);
    const durationMs = p1 - p0;
    const rowsIn = input.rowCount;
    const rowsOut = out.rowCount;
    const bytesIn = input.byteSize;
    const bytesOut = out.byteSize;
    monitor.stageEnd(runId, ref, time, durationMs, rowsIn, rowsOut, bytesIn, bytesOut, attempts);
    if (listener) listener({ type: 'stage-end', runId, ref, time, durationMs, rowsIn, rowsOut, bytesIn, bytesOut, attempts });
    lastStage.durationMs = durationMs;
    lastStage.attempts = attempts;
    return out;
  }

  /** Reports a stage that failed after its retries; returns what to throw. */
  function stageFailed(ref: StageRef, e: unknown, p0: number): unknown {
    // Abandoned by the controller: not a failure; the directive decides what runs next.
    if (e instanceof StageInterrupt) return e;
    const err = e instanceof Error ? e : new Error(String(e));
    emit({
      type: 'stage-error',
      runId,
      ref,
      time: clock(),
      durationMs: performance.now() - p0,
      attempts: attemptsOf(err)?.length ?? 1,
      error: errorInfo(err),
    });
    return new StageFailure(ref, err);
  }

  // Each kind answers synchronously when the stage function does, else with a promise.
  function execute(def: StageDef, s: StageSpec, input: Table, ctx: ReturnType<typeof makeContext>): Table | Promise<Table> {
    switch (def.kind) {
      case 'transform':
        return tableFrom(def.run(input, ctx), s);
      case 'fitted': {
        if (mode !== 'train') return tableFrom(def.transform(input, state.states[s.name], ctx), s);
        const fitted = def.fit(input, ctx);
        const transform = (f: Json): Table | Promise<Table> => {
          assertJson(f, s);
          state.states = { ...state.states, [s.name]: f }; // copy on write, see RunState
          return tableFrom(def.transform(input, f, ctx), s);
        };
        return isThenable(fitted) ? Promise.resolve(fitted).then(transform) : transform(fitted);
      }
      case 'model': {
        if (mode !== 'train') {
          throw new Error(`model stage '${s.name}' can only run in train mode; inference uses the saved model`);
        }
        const trained = def.train(input, ctx);
        const keep = (model: Awaited<typeof trained>): Table => {
          if (!model || typeof model !== 'object' || typeof model.kind !== 'string') {
            throw new Error(`stage '${s.name}' (${s.uses}) returned no model artifact`);
          }
          assertJson(model as unknown as Json, s);
          state.model = model;
          return input;
        };
        return isThenable(trained) ? Promise.resolve(trained).then(keep) : keep(trained);
      }
    }
  }
}

/** The stage's answer as a Table (or a promise of one), or a clear error. */
function tableFrom(value: unknown, s: StageSpec): Table | Promise<Table> {
  return isThenable(value) ? Promise.resolve(value).then((v) => checkTable(v, s)) : checkTable(value, s);
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
  // Float64Arrays are saved by the store (as float64 when long, JSON arrays when short).
  if (v instanceof Float64Array) {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return `${at}[${i}] (${v[i]})`;
    return undefined;
  }
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

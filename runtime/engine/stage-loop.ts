// The stage loop of a run: executes the flat list of stage slots (every phase's stages, see
// plan.ts) one at a time, with each stage's retry policy, the controller's hooks and the
// monitor fed directly. Before each slot it keeps a snapshot of the run state (input table,
// side tables, model, fitted states); tables are immutable, so a snapshot is a handful of
// references. That is what lets a controller re-run a stage from its cached input or go
// back to any earlier stage, across phases. Synchronous stages run without awaits.
import { dirname } from 'node:path';
import { sourceRowsOf, Table, withSourceRows } from '../table/table';
import type { StageDef } from '../stages/types';
import type { ErrorInfo, Json, Phase, StageRef } from '../vocabulary';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { screenRows, withOriginalColumns, type Rejected } from './serving-rows';
import { runWithRetryEager, attemptsOf, isThenable, type AttemptRecord, type RetryResult } from '../retry';
import type { Monitor } from '../monitor';
import { CancelledError } from '../errors';
import type { EngineEvent } from './events';
import { StageInterrupt, type AfterStagePoint, type Controller, type Directive, type PointBase } from './controller';
import { makeContext, type ContextDeps, type RunState } from './context';
import { checkOutput } from './data-checks';

export interface Slot {
  spec: StageSpec;
  def: StageDef;
  ref: StageRef;
  /** A private copy of the `with:` values a controller may edit (shared by a stage's executions). */
  params: Record<string, unknown>;
  /** The phase this execution belongs to. */
  entry: PhaseEntry;
  /** True for the first slot of its phase: the phase's input replaces the previous output. */
  first: boolean;
  /** The predict stage of an inference path: unscorable rows are screened before it, original columns restored after. */
  predicts: boolean;
  /** Metric and report names are prefixed with this (`cv.fold2.`) inside a cross-validation fold. */
  metricPrefix?: string;
}

/** One phase of the run: where its rows come from, and whether it starts from a blank state. */
export interface PhaseEntry {
  phase: Phase;
  fold?: number;
  /** The rows the phase starts from (made once; an inference path's are marked with their input row numbers). */
  input: () => Table;
  /** A fit phase starts from no fitted state, no model and no side tables. */
  fresh: boolean;
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

/** What the loop needs from its run. */
export interface LoopDeps {
  runId: string;
  spec: PipelineSpec;
  state: RunState;
  monitor: Monitor;
  /** The caller's event listener (the monitor is fed directly, the listener only when there is one). */
  listener: ((e: EngineEvent) => void) | undefined;
  /** Every event: monitor, run bookkeeping, listener. */
  emit: (e: EngineEvent) => void;
  clock: () => number;
  epochAt: (perfNow: number) => number;
  signal: AbortSignal;
  opts: { controller?: Controller; dataChecks?: boolean; stopAfter?: string };
}

export class StageLoop {
  private readonly runId: string;
  private readonly spec: PipelineSpec;
  private readonly state: RunState;
  private readonly monitor: Monitor;
  private readonly listener: LoopDeps['listener'];
  private readonly emit: LoopDeps['emit'];
  private readonly clock: LoopDeps['clock'];
  private readonly epochAt: LoopDeps['epochAt'];
  private readonly opts: LoopDeps['opts'];
  /** Checked before every stage: a plain flag, cheaper than the AbortSignal getter. */
  private cancelled: boolean;
  private readonly contextDeps: ContextDeps;
  private readonly retryOptions: Parameters<typeof runWithRetryEager>[2];
  /** The stage running now (stages run one at a time; read by the retry callbacks). */
  private running!: Slot;
  private runningInput: Table = new Table([], 0);
  /** Duration and attempts of the stage that last ended, for the after-stage point. */
  private readonly lastStage = { durationMs: 0, attempts: 0 };
  /** Rows set aside by `rejects: { policy: reject }`, per inference path (phase entry). */
  readonly rejected = new Map<PhaseEntry, Rejected>();
  /** The last stage that removed rows on the current inference path (named in reject reasons). */
  private droppedBy: string | undefined;

  constructor(d: LoopDeps) {
    this.runId = d.runId;
    this.spec = d.spec;
    this.state = d.state;
    this.monitor = d.monitor;
    this.listener = d.listener;
    this.emit = d.emit;
    this.clock = d.clock;
    this.epochAt = d.epochAt;
    this.opts = d.opts;
    const signal = d.signal;
    this.cancelled = signal.aborted;
    if (!this.cancelled) signal.addEventListener('abort', () => (this.cancelled = true), { once: true });
    const spec = d.spec;
    this.contextDeps = {
      state: this.state,
      pipelineParams: spec.params,
      baseDir: dirname(spec.file),
      seed: typeof spec.params.seed === 'number' ? spec.params.seed : 0,
      target: spec.target,
      emit: this.emit,
      now: this.clock,
      controller: d.opts.controller,
      point: (stage, input, kind) => this.point(stage, input, kind),
    };
    this.retryOptions = {
      signal,
      now: this.clock,
      passThrough: (e: unknown) => e instanceof StageInterrupt,
      beforeRetry: async (record: AttemptRecord, error: Error) => {
        const dir = await d.opts.controller?.retryAttempt?.(
          Object.assign(this.point(this.running, this.runningInput, 'retry'), { error, attempt: record.attempt, delayMs: record.delayMs ?? 0 }),
        );
        if (dir && dir.action !== 'continue') throw new StageInterrupt(dir);
      },
      // Event times are the attempt record's own clock readings: no extra Date.now() calls.
      onAttemptStart: (n: number, time: number) => {
        const ref = this.running.ref;
        this.monitor.attemptStart(this.runId, ref, n, time);
        if (this.listener) this.listener({ type: 'attempt-start', runId: this.runId, ref, attempt: n, time });
      },
      onAttemptEnd: (a: AttemptRecord) => {
        const ref = this.running.ref;
        const time = a.start + a.durationMs;
        this.monitor.attemptEnd(this.runId, ref, a.attempt, time, a.durationMs, a.ok, a.error, a.delayMs);
        if (this.listener) {
          this.listener({ type: 'attempt-end', runId: this.runId, ref, attempt: a.attempt, time, durationMs: a.durationMs, ok: a.ok, error: a.error, retryInMs: a.delayMs });
        }
      },
    };
  }

  /** Runs the slots in order, keeping a snapshot before each; returns the last output. */
  async run(slots: Slot[]): Promise<Table> {
    const snapshots: Snapshots = { inputs: [], saved: [] };
    const state = this.state;
    const hooks = this.opts.controller;
    let metricsCopy: Record<string, number> | undefined;
    let saved: SavedState | undefined;
    let input: Table = new Table([], 0);
    let current: Slot | undefined;
    let i = 0;
    while (i < slots.length) {
      if (this.cancelled) throw new CancelledError();
      const slot = slots[i];
      if (slot.first) input = this.enter(slot);
      if (current === undefined || slot.spec.section !== current.spec.section || slot.entry !== current.entry) {
        if (current) this.emit({ type: 'section-end', runId: this.runId, section: current.spec.section, time: this.clock(), phase: current.ref.phase, fold: current.ref.fold });
        current = slot;
        this.emit({ type: 'section-start', runId: this.runId, section: slot.spec.section, time: this.clock(), phase: slot.ref.phase, fold: slot.ref.fold });
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

      // Hooks are awaited only when they return a promise: a synchronous answer (the usual
      // "go on") then costs no microtask turn.
      let before = hooks?.beforeStage ? hooks.beforeStage(this.point(slot, input, 'before-stage')) : undefined;
      if (isThenable(before)) before = await before;
      const jump = this.target(before, i);
      if (jump !== undefined) {
        ({ input, i } = this.restore(snapshots, jump));
        current = undefined;
        continue;
      }

      let out: Table;
      try {
        // A synchronous stage comes back as a table: no promise, no microtask turn.
        const ran = this.runStage(slot, input);
        out = isThenable(ran) ? await ran : ran;
      } catch (e) {
        if (e instanceof StageInterrupt) {
          // The controller abandoned the running stage (restart it, go back, stop).
          const back = this.target(e.directive, i);
          if (back !== undefined) {
            ({ input, i } = this.restore(snapshots, back));
            current = undefined;
            continue;
          }
        }
        const err = e instanceof Error ? e : new Error(String(e));
        const failed = await hooks?.stageFailed?.(
          Object.assign(this.point(slot, input, 'stage-failed'), { error: err, attempts: attemptsOf(err)?.length ?? 1 }),
        );
        const back = this.target(failed, i);
        if (back !== undefined) {
          ({ input, i } = this.restore(snapshots, back));
          current = undefined;
          continue;
        }
        throw err;
      }

      let after: Directive | void = undefined;
      if (hooks?.afterStage) {
        const r = hooks.afterStage(this.afterPoint(slot, input, out));
        after = isThenable(r) ? await r : r;
      }
      const again = this.target(after, i);
      if (again !== undefined) {
        ({ input, i } = this.restore(snapshots, again));
        current = undefined;
        continue;
      }
      input = out;
      i++;
      if (this.opts.stopAfter && slot.spec.name === this.opts.stopAfter) break;
    }
    if (current) this.emit({ type: 'section-end', runId: this.runId, section: current.spec.section, time: this.clock(), phase: current.ref.phase, fold: current.ref.fold });
    return input;
  }

  /** Starts a phase: its own rows, and for a fit a blank state (no fitted stage, no model). */
  private enter(slot: Slot): Table {
    const entry = slot.entry;
    if (entry.fresh) {
      this.state.states = {};
      this.state.model = undefined;
      this.state.tables = new Map();
    } else {
      this.rejected.delete(entry);
    }
    this.droppedBy = undefined;
    return entry.input();
  }

  /** Where a directive sends the run: a slot index, or undefined to go on. */
  private target(d: Directive | void, i: number): number | undefined {
    if (!d || d.action === 'continue') return undefined;
    if (d.action === 'stop') throw new CancelledError('stopped by the controller');
    if (d.action === 'rerun') return i;
    if (!Number.isInteger(d.index) || d.index < 0 || d.index > i) {
      throw new Error(`cannot go back to stage index ${d.index}: only stages 0..${i} have snapshots`);
    }
    return d.index;
  }

  private restore(snapshots: Snapshots, j: number): { input: Table; i: number } {
    const state = this.state;
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
  private afterPoint(slot: Slot, input: Table, output: Table): AfterStagePoint {
    const state = this.state;
    return {
      kind: 'after-stage',
      runId: this.runId,
      ref: slot.ref,
      input,
      params: slot.params,
      states: state.states,
      model: state.model,
      tables: state.tables,
      metrics: state.metrics,
      output,
      durationMs: this.lastStage.durationMs,
      attempts: this.lastStage.attempts,
    };
  }

  // Built as one literal of a fixed shape (no spreads): it is made for every hook call.
  private point<K extends string | undefined = undefined>(slot: Pick<Slot, 'ref' | 'params'>, input: Table, kind?: K): PointBase & { kind: K } {
    const state = this.state;
    return {
      kind: kind as K,
      runId: this.runId,
      ref: slot.ref,
      input,
      params: slot.params,
      states: state.states,
      model: state.model,
      tables: state.tables,
      metrics: state.metrics,
    };
  }

  // ------------------------------------------------------------------ one stage

  /**
   * Runs one stage with its retry policy. The monitor is fed directly and event objects
   * are built only for a listener. Synchronous all the way when the stage is: the output
   * table comes back as is; otherwise a promise of it.
   */
  private runStage(slot: Slot, input: Table): Table | Promise<Table> {
    const ref = slot.ref;
    const p0 = performance.now();
    const time = this.epochAt(p0);
    const rowsIn = input.rowCount;
    const bytesIn = input.byteSize;
    this.monitor.stageStart(this.runId, ref, time, rowsIn, bytesIn);
    if (this.listener) this.listener({ type: 'stage-start', runId: this.runId, ref, time, rowsIn, bytesIn });
    this.running = slot;
    this.runningInput = input;
    let ran: RetryResult<Table> | Promise<RetryResult<Table>>;
    try {
      ran = runWithRetryEager(this.attempt, slot.spec.retry, this.retryOptions, time);
    } catch (e) {
      throw this.stageFailed(ref, e, p0);
    }
    if (isThenable(ran)) return this.finishLater(slot, input, ran, p0);
    try {
      return this.finishStage(slot, input, ran, p0);
    } catch (e) {
      throw this.stageFailed(ref, e, p0);
    }
  }

  private readonly attempt = (n: number, attemptSignal: AbortSignal): Table | Promise<Table> => {
    const slot = this.running;
    const input = this.runningInput;
    return this.execute(slot, input, makeContext(this.contextDeps, slot, input, n, attemptSignal));
  };

  private async finishLater(slot: Slot, input: Table, ran: Promise<RetryResult<Table>>, p0: number): Promise<Table> {
    try {
      return this.finishStage(slot, input, await ran, p0);
    } catch (e) {
      throw this.stageFailed(slot.ref, e, p0);
    }
  }

  private finishStage(slot: Slot, input: Table, ran: RetryResult<Table>, p0: number): Table {
    const ref = slot.ref;
    const out = ran.value;
    const attempts = ran.attempts.length;
    if (this.opts.dataChecks !== false && out !== input) {
      for (const w of checkOutput(input, out)) {
        this.emit({ type: 'warning', runId: this.runId, ref, time: this.clock(), message: w.message, code: w.code });
      }
    }
    const p1 = performance.now();
    const time = this.epochAt(p1);
    const durationMs = p1 - p0;
    const rowsIn = input.rowCount;
    const rowsOut = out.rowCount;
    const bytesIn = input.byteSize;
    const bytesOut = out.byteSize;
    if (ref.phase !== 'fit' && out !== input) this.followRows(ref, input, out);
    this.monitor.stageEnd(this.runId, ref, time, durationMs, rowsIn, rowsOut, bytesIn, bytesOut, attempts);
    if (this.listener) this.listener({ type: 'stage-end', runId: this.runId, ref, time, durationMs, rowsIn, rowsOut, bytesIn, bytesOut, attempts });
    this.lastStage.durationMs = durationMs;
    this.lastStage.attempts = attempts;
    return out;
  }

  /**
   * On an inference path, keeps each row tied to its input row: a stage that built a new
   * table of the same length keeps its input's rows; one that changed the row count must
   * have used Table methods that say which rows remain, else it is refused here, by name.
   */
  private followRows(ref: StageRef, input: Table, out: Table): void {
    const rows = sourceRowsOf(input);
    if (rows === undefined) return;
    if (sourceRowsOf(out) !== undefined) {
      if (out.rowCount < input.rowCount) this.droppedBy = ref.stage;
    } else if (out.rowCount === input.rowCount) {
      withSourceRows(out, rows);
    } else {
      throw new Error(
        `on the inference path it turned ${input.rowCount} rows into ${out.rowCount} without saying which input rows remain, ` +
          `so predictions could not be lined up with the input: filter rows with Table.take / select / withColumn (which keep track), ` +
          `or leave the rows in and let rejects: decide`,
      );
    }
  }

  /** Reports a stage that failed after its retries; returns what to throw. */
  private stageFailed(ref: StageRef, e: unknown, p0: number): unknown {
    // Abandoned by the controller: not a failure; the directive decides what runs next.
    if (e instanceof StageInterrupt) return e;
    const err = e instanceof Error ? e : new Error(String(e));
    this.emit({
      type: 'stage-error',
      runId: this.runId,
      ref,
      time: this.clock(),
      durationMs: performance.now() - p0,
      attempts: attemptsOf(err)?.length ?? 1,
      error: errorInfo(err),
    });
    return new StageFailure(ref, err);
  }

  // Each kind answers synchronously when the stage function does, else with a promise.
  private execute(slot: Slot, input: Table, ctx: ReturnType<typeof makeContext>): Table | Promise<Table> {
    const def = slot.def;
    const s = slot.spec;
    const state = this.state;
    switch (def.kind) {
      case 'transform': {
        if (!slot.predicts) return tableFrom(def.run(input, ctx), s);
        // The predict stage of an inference path: unscorable rows first go by `rejects:`;
        // the output is the input rows' original columns plus the predictions.
        const base = slot.entry.input();
        let rejected = this.rejected.get(slot.entry);
        if (!rejected) this.rejected.set(slot.entry, (rejected = new Map()));
        const scorable = screenRows(input, base, state.model, s.name, this.spec.rejects, rejected, this.droppedBy);
        const restore = (out: Table): Table => withOriginalColumns(scorable, out, base, s.name);
        const ran = tableFrom(def.run(scorable, ctx), s);
        return isThenable(ran) ? ran.then(restore) : restore(ran);
      }
      case 'fitted': {
        if (slot.ref.phase !== 'fit') return tableFrom(def.transform(input, state.states[s.name], ctx), s);
        const fitted = def.fit(input, ctx);
        const transform = (f: Json): Table | Promise<Table> => {
          assertJson(f, s);
          state.states = { ...state.states, [s.name]: f }; // copy on write, see RunState
          return tableFrom(def.transform(input, f, ctx), s);
        };
        return isThenable(fitted) ? Promise.resolve(fitted).then(transform) : transform(fitted);
      }
      case 'model': {
        if (slot.ref.phase !== 'fit') {
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

export function errorInfo(e: Error): ErrorInfo {
  const cause = e instanceof StageFailure ? e.cause : e;
  return { name: cause.name, message: e.message, stack: cause.stack };
}

// The engine: runs a loaded pipeline in train or inference mode, as a `Run` whose phases
// read top to bottom:
//
//   train:      load → split → [fit → evaluate] per fold → fit → evaluate → save
//   inference:  load version → load → serve
//
// Held-out rows are separated before anything is fitted; `evaluate` sends them through the
// inference path (feature stages replayed from the just-fitted state, inference stages up
// to predict) and the evaluation stages score the predictions. See plan.ts.
//
// All phases' stages form one flat list of slots. Before each slot the engine keeps a
// snapshot of the run state (input table, side tables, model, fitted states); tables are
// immutable, so a snapshot is a handful of references. That is what lets a controller
// re-run a stage from its cached input or go back to any earlier stage, across phases.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { sourceRowsOf, Table, withSourceRows } from '../table/table';
import { readTableAndHash, writeTable } from '../table/io';
import type { StageDef } from '../stages/types';
import type { ErrorInfo, Json, Mode, ModelArtifact, Phase, Section, StageRef } from '../vocabulary';
import { builtinStages } from '../stages/registry';
import { loadUserStage } from '../stages/user';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { planStages, runStages, type PlannedStage } from './plan';
import { assignFolds, drawHeldOut, markedHeldOut, type HeldOutRows } from './holdout';
import { markInput, rejectsTable, screenRows, withOriginalColumns, type Rejected } from './serving-rows';
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
interface PhaseEntry {
  phase: Phase;
  fold?: number;
  /** The rows the phase starts from (made once; an inference path's are marked with their input row numbers). */
  input: () => Table;
  /** A fit phase starts from no fitted state, no model and no side tables. */
  fresh: boolean;
}

/** Which rows each part of a train run gets, decided before anything is fitted. */
interface Split {
  training: Table;
  heldOut?: Table;
  /** Fold (0-based) of each training row, with k-fold cross-validation. */
  folds?: Int32Array;
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
  return new Run(spec, opts).run();
}

/** One run of a pipeline: its wiring (events, clock, cancellation), its phases, its stage loop. */
class Run {
  readonly mode: Mode;
  readonly runId: string;
  readonly store: Store | undefined;
  readonly monitor: Monitor;
  readonly listener: RunOptions['onEvent'];
  readonly state: RunState;
  /** The run's own signal, aborted with a CancelledError whatever reason the caller's had. */
  private readonly runAbort = new AbortController();
  private readonly signal: AbortSignal;
  /** Checked before every stage: a plain flag, cheaper than the AbortSignal getter. */
  private cancelled: boolean;
  private readonly start = Date.now();
  private readonly perf0 = performance.now();
  private readonly contextDeps: ContextDeps;
  private readonly retryOptions: Parameters<typeof runWithRetryEager>[2];

  /** The stage running now (stages run one at a time; read by the retry callbacks). */
  private running!: Slot;
  private runningInput: Table = new Table([], 0);
  /** Duration and attempts of the stage that last ended, for the after-stage point. */
  private readonly lastStage = { durationMs: 0, attempts: 0 };

  private output = new Table([], 0);
  private version: number | undefined;
  private status: RunResult['status'] = 'ok';
  private failure: Error | undefined;
  private dataHash = '';
  /** The stages a train run saves in the version's config (each once). */
  private configSlots: Slot[] = [];
  /** Rows set aside by `rejects: { policy: reject }`, per inference path (phase entry). */
  private readonly rejected = new Map<PhaseEntry, Rejected>();
  /** The last stage that removed rows on the current inference path (named in reject reasons). */
  private droppedBy: string | undefined;
  /** Per evaluation metric, its value in each fold (index fold - 1). */
  private readonly foldScores = new Map<string, number[]>();

  constructor(
    readonly spec: PipelineSpec,
    readonly opts: RunOptions,
  ) {
    this.mode = opts.mode ?? 'train';
    this.runId = opts.runId ?? newRunId();
    this.store = opts.store === false ? undefined : (opts.store ?? new Store(spec.store));
    this.monitor = opts.monitor ?? new Monitor();
    this.listener = opts.onEvent;
    this.signal = this.runAbort.signal;
    if (opts.signal?.aborted) this.onCallerAbort();
    else opts.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.cancelled = this.signal.aborted;
    if (!this.cancelled) this.signal.addEventListener('abort', () => (this.cancelled = true), { once: true });
    this.state = { runId: this.runId, mode: this.mode, model: undefined, tables: new Map(), states: {}, metrics: {}, reports: {} };
    this.contextDeps = {
      state: this.state,
      pipelineParams: spec.params,
      baseDir: path.dirname(spec.file),
      seed: typeof spec.params.seed === 'number' ? spec.params.seed : 0,
      target: spec.target,
      emit: this.emit,
      now: this.clock,
      controller: opts.controller,
      point: (stage, input, kind) => this.point(stage, input, kind),
    };
    this.retryOptions = {
      signal: this.signal,
      now: this.clock,
      passThrough: (e: unknown) => e instanceof StageInterrupt,
      beforeRetry: async (record: AttemptRecord, error: Error) => {
        const d = await opts.controller?.retryAttempt?.(
          Object.assign(this.point(this.running, this.runningInput, 'retry'), { error, attempt: record.attempt, delayMs: record.delayMs ?? 0 }),
        );
        if (d && d.action !== 'continue') throw new StageInterrupt(d);
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

  private readonly onCallerAbort = (): void => this.runAbort.abort(new CancelledError());

  private readonly emit = (e: EngineEvent): void => {
    this.monitor.handle(e);
    if (e.type === 'metric' && e.ref.phase === 'evaluate' && e.ref.fold !== undefined) this.noteFoldScore(e.ref.fold, e.name, e.value);
    this.listener?.(e);
  };

  // Event times come from the monotonic clock the stage durations are measured with, as
  // epoch ms anchored at the run's start: one clock read per stage boundary instead of a
  // Date.now() per event, and every event of the run on one clock, so times never go back.
  private epochAt(perfNow: number): number {
    return Math.round(this.start + (perfNow - this.perf0));
  }

  private readonly clock = (): number => this.epochAt(performance.now());

  // ------------------------------------------------------------------ the phases

  async run(): Promise<RunResult> {
    const slots = this.slotsOf(planStages(this.spec, this.mode));
    this.emit({ type: 'run-start', runId: this.runId, pipeline: this.spec.name, file: this.spec.file, mode: this.mode, time: this.start, stages: slots.map((s) => s.ref) });
    try {
      if (this.mode === 'inference') await this.infer(slots);
      else await this.train(slots);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.status = err instanceof CancelledError || this.signal.aborted ? 'cancelled' : 'failed';
      this.failure = err;
    }
    return this.finish();
  }

  /** load → split → fit (per fold, then on all training rows) → evaluate → save. */
  private async train(slots: Slot[]): Promise<void> {
    await this.resolve(slots);
    const { table, test } = await this.load();
    this.bindInputs(slots, this.split(table, test));
    this.output = await this.runSlots(slots);
    this.summariseFolds();
    if (this.store && !this.opts.stopAfter) await this.save();
  }

  /** load version → load data → serve (feature replay, inference stages) → rejects file. */
  private async infer(slots: Slot[]): Promise<void> {
    await this.loadVersion();
    await this.resolve(slots);
    this.checkVersionStates(slots);
    const { table } = await this.load();
    const served = markInput(table);
    for (const s of slots) if (s.first) s.entry.input = () => served;
    this.output = await this.runSlots(slots);
    await this.writeRejects(served);
  }

  /** Reads the run's data: the train (or inference) table, and in a train run the `data.test` file. */
  private async load(): Promise<{ table: Table; test?: Table }> {
    const spec = this.spec;
    const dataFile = this.opts.data ? path.resolve(this.opts.data) : this.mode === 'inference' ? (spec.data.inference ?? spec.data.train) : spec.data.train;
    let table = new Table([], 0);
    if (dataFile) ({ table, sha256: this.dataHash } = await readTableAndHash(dataFile));
    if (this.mode !== 'train' || spec.data.test === undefined) return { table };
    const read = await readTableAndHash(spec.data.test);
    this.dataHash = `${this.dataHash}+${read.sha256}`;
    const absent = table.names.filter((n) => !read.table.has(n));
    if (absent.length) {
      throw new Error(`data.test (${spec.data.test}) lacks column(s) ${absent.map((n) => `'${n}'`).join(', ')} of the training data: held-out rows must have the same columns`);
    }
    return { table, test: read.table.select(table.names) };
  }

  /** Separates the held-out rows (and assigns folds) before anything is fitted. */
  private split(table: Table, test: Table | undefined): Split {
    const split = this.spec.split;
    const note = (message: string): void => this.emit({ type: 'log', runId: this.runId, time: this.clock(), message });
    let rows: HeldOutRows | undefined;
    let training = table;
    let heldOut = test;
    if (split?.column !== undefined) rows = markedHeldOut(table, split.column);
    else if (split?.test !== undefined) rows = drawHeldOut(table, { test: split.test, seed: split.seed, stratify: split.stratify, shuffle: split.shuffle });
    if (rows) {
      for (const w of rows.warnings) this.emit({ type: 'warning', runId: this.runId, time: this.clock(), message: w.message, code: w.code });
      const drop = split?.column !== undefined ? [split.column] : [];
      training = table.take(rows.train).drop(drop);
      heldOut = table.take(rows.test).drop(drop);
      const how = split!.column !== undefined ? `marked by column '${split!.column}'` : `test=${split!.test}, seed ${split!.seed}${split!.stratify ? `, stratified by '${split!.stratify}'` : ''}`;
      note(`split: ${training.rowCount} training rows, ${heldOut.rowCount} held-out rows (${how})`);
    } else if (heldOut) {
      note(`split: ${training.rowCount} training rows, ${heldOut.rowCount} held-out rows (data.test)`);
    }
    let folds: Int32Array | undefined;
    if (split?.folds !== undefined) {
      folds = assignFolds(training, split.folds, { seed: split.seed, stratify: split.stratify, shuffle: split.shuffle });
      note(`split: ${split.folds}-fold cross-validation on the ${training.rowCount} training rows`);
    }
    return { training, heldOut, folds };
  }

  /** Tells each phase where its rows come from. */
  private bindInputs(slots: Slot[], split: Split): void {
    const once = (make: () => Table): (() => Table) => {
      let t: Table | undefined;
      return () => (t ??= make());
    };
    for (const s of slots) {
      if (!s.first) continue;
      const { phase, fold } = s.entry;
      const inFold = (keep: boolean) => () => {
        const rows: number[] = [];
        split.folds!.forEach((f, i) => (f === fold! - 1) === keep && rows.push(i));
        return split.training.take(rows);
      };
      if (phase === 'fit') s.entry.input = fold === undefined ? () => split.training : once(inFold(false));
      else if (fold !== undefined) s.entry.input = once(() => markInput(inFold(true)()));
      else if (split.heldOut) {
        const heldOut = split.heldOut;
        s.entry.input = once(() => markInput(heldOut));
      }
    }
  }

  /** Saves the version: fitted state, model, resolved config, metrics. */
  private async save(): Promise<void> {
    const state = this.state;
    const saved = await this.store!.saveVersion(this.spec.name, {
      artifacts: {
        state: state.states,
        config: versionConfig(this.spec, this.configSlots),
        model: (state.model ?? null) as Json,
        metrics: { ...state.metrics, ...state.reports } as Json,
      },
      lineage: { pipelineFileHash: this.spec.fileHash, dataHash: this.dataHash, params: this.spec.params as Json, runId: this.runId },
    });
    this.version = saved.version;
  }

  /** Inference replays a saved version: its fitted states and model, loaded before any data. */
  private async loadVersion(): Promise<void> {
    if (!this.store) throw new Error('inference needs a store to load a version from');
    const loaded = await this.store.loadVersion(this.spec.name, this.opts.version ?? 'latest');
    this.version = loaded.manifest.version;
    this.state.model = (loaded.model ?? undefined) as RunState['model'];
    this.state.states = { ...((loaded.state ?? {}) as Record<string, Json>) };
  }

  private checkVersionStates(slots: Slot[]): void {
    for (const s of slots) {
      if (s.def.kind === 'fitted' && !Object.hasOwn(this.state.states, s.spec.name)) {
        throw new Error(
          `version ${this.version} has no fitted state for feature stage '${s.spec.name}': ` +
            `the feature section changed since it was trained; train a new version`,
        );
      }
    }
  }

  /** With `rejects: { policy: reject }`, an inference run writes the rows it set aside (even none, so no stale file remains). */
  private async writeRejects(served: Table): Promise<void> {
    const rejects = this.spec.rejects;
    if (rejects.policy !== 'reject' || !rejects.file || this.status !== 'ok') return;
    const rejected = new Map<number, string>();
    for (const m of this.rejected.values()) for (const [r, why] of m) rejected.set(r, why);
    await writeTable(rejectsTable(served, rejected), rejects.file);
  }

  /** Per-fold evaluation metrics → `cv.<metric>.mean` and `cv.<metric>.std` (population std, as numpy's). */
  private summariseFolds(): void {
    for (const [name, values] of this.foldScores) {
      const v = values.filter((x) => x !== undefined && Number.isFinite(x));
      if (v.length === 0) continue;
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      this.state.metrics[`cv.${name}.mean`] = mean;
      this.state.metrics[`cv.${name}.std`] = std;
    }
  }

  private noteFoldScore(fold: number, name: string, value: number): void {
    const prefix = `cv.fold${fold}.`;
    const plain = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    let values = this.foldScores.get(plain);
    if (!values) this.foldScores.set(plain, (values = []));
    values[fold - 1] = value;
  }

  private async finish(): Promise<RunResult> {
    this.opts.signal?.removeEventListener('abort', this.onCallerAbort);
    const end = this.clock();
    const rejected = [...this.rejected.values()].reduce((n, m) => n + m.size, 0);
    if (rejected > 0 || (this.spec.rejects.policy === 'reject' && this.mode === 'inference' && this.status === 'ok')) {
      this.emit({ type: 'rejects', runId: this.runId, time: end, rows: rejected, file: this.mode === 'inference' ? this.spec.rejects.file : undefined });
    }
    this.emit({
      type: 'run-end',
      runId: this.runId,
      time: end,
      durationMs: end - this.start,
      status: this.status,
      error: this.failure ? errorInfo(this.failure) : undefined,
      version: this.version,
    });
    // The run is over, so the live record will not change again: no copy needed.
    const record = this.monitor.record;
    if (this.store) {
      try {
        await this.store.saveRun(this.spec.name, record as unknown as { runId: string } & Record<string, unknown>);
      } catch (e) {
        // A run that worked must not be reported as failed because its record could not be
        // written; say so on the event stream instead.
        this.emit({ type: 'warning', runId: this.runId, time: this.clock(), message: `could not save the run record: ${errorMessage(e)}`, code: 'store' });
      }
    }
    const state = this.state;
    return {
      runId: this.runId,
      status: this.status,
      output: this.output,
      record,
      version: this.version,
      metrics: state.metrics,
      reports: state.reports,
      model: state.model,
      states: state.states,
      error: this.failure,
    };
  }

  // ------------------------------------------------------------------ slots

  /** One slot per stage execution, every phase in order (plan.ts planStages); refs carry phase and fold. */
  private slotsOf(planned: PlannedStage[]): Slot[] {
    const slots: Slot[] = [];
    const params = new Map<StageSpec, Record<string, unknown>>();
    const seen = new Set<StageSpec>();
    const spec = this.spec;
    let entry: PhaseEntry | undefined;
    for (const p of planned) {
      const s = p.spec;
      if (p.first || !entry) entry = { phase: p.phase, fold: p.fold, input: () => new Table([], 0), fresh: p.phase === 'fit' };
      let own = params.get(s);
      if (!own) params.set(s, (own = { ...s.with }));
      const ref: StageRef = {
        stage: s.name,
        uses: s.uses,
        section: s.section,
        index: slots.length,
        line: s.nameRange.start.line,
        ...(s.file !== undefined && s.file !== spec.file ? { file: s.file } : {}),
        phase: p.phase,
        ...(p.fold !== undefined ? { fold: p.fold, folds: p.folds } : {}),
      };
      const metricPrefix = p.fold !== undefined ? `cv.fold${p.fold}.` : undefined;
      const slot: Slot = { spec: s, def: undefined as unknown as StageDef, ref, params: own, entry, first: p.first, predicts: p.predicts, metricPrefix };
      slots.push(slot);
      if (!seen.has(s)) (seen.add(s), this.configSlots.push(slot));
    }
    return slots;
  }

  /** Each slot's stage definition: a built-in by name or a user module by path. */
  private async resolve(slots: Slot[]): Promise<void> {
    const specs = runStages(this.spec, this.mode);
    const defs = await resolveStages(specs);
    const byspec = new Map(specs.map((s, i) => [s, defs[i]]));
    for (const s of slots) s.def = byspec.get(s.spec)!;
  }

  private async runSlots(slots: Slot[]): Promise<Table> {
    const snapshots: Snapshots = { inputs: [], saved: [] };
    const state = this.state;
    const hooks = this.opts.controller;
    let metricsCopy: Record<string, number> | undefined;
    let saved: SavedState | undefined;
    let input = new Table([], 0);
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

function versionConfig(spec: PipelineSpec, slots: Slot[]): Json {
  const split = spec.split;
  return {
    pipeline: spec.name,
    file: path.basename(spec.file),
    target: spec.target ?? null,
    params: spec.params as Json,
    ...(split ? { split: { test: split.test ?? null, column: split.column ?? null, seed: split.seed, stratify: split.stratify ?? null, shuffle: split.shuffle, folds: split.folds ?? null } } : {}),
    ...(spec.data.test ? { test: path.basename(spec.data.test) } : {}),
    stages: slots.map((s) => ({ name: s.spec.name, uses: s.spec.uses, section: s.spec.section, with: s.params as Json })),
  };
}

function errorInfo(e: Error): ErrorInfo {
  const cause = e instanceof StageFailure ? e.cause : e;
  return { name: cause.name, message: e.message, stack: cause.stack };
}

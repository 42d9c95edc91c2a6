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
// All phases' stages form one flat list of slots, run by the stage loop (stage-loop.ts),
// which keeps the snapshots that let a controller re-run a stage or go back across phases.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Table } from '../table/table';
import { readTableAndHash, writeTable } from '../table/io';
import type { StageDef } from '../stages/types';
import type { Json, Mode, ModelArtifact, StageRef } from '../vocabulary';
import { builtinStages } from '../stages/registry';
import { loadUserStage } from '../stages/user';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { planStages, runStages, type PlannedStage } from './plan';
import { assignFolds, drawHeldOut, markedHeldOut, type HeldOutRows } from './holdout';
import { markInput, rejectsTable } from './serving-rows';
import { Monitor } from '../monitor';
import type { RunRecord } from '../monitor';
import { Store } from '../store';
import { CancelledError, errorMessage } from '../errors';
import type { EngineEvent } from './events';
import type { Controller } from './controller';
import type { RunState } from './context';
import { errorInfo, StageLoop, type PhaseEntry, type Slot } from './stage-loop';

export { StageFailure } from './stage-loop';

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

/** Which rows each part of a train run gets, decided before anything is fitted. */
interface Split {
  training: Table;
  heldOut?: Table;
  /** Fold (0-based) of each training row, with k-fold cross-validation. */
  folds?: Int32Array;
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
  private readonly start = Date.now();
  private readonly perf0 = performance.now();
  private readonly loop: StageLoop;

  private output = new Table([], 0);
  private version: number | undefined;
  private status: RunResult['status'] = 'ok';
  private failure: Error | undefined;
  private dataHash = '';
  /** The stages a train run saves in the version's config (each once). */
  private configSlots: Slot[] = [];
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
    this.state = { runId: this.runId, mode: this.mode, model: undefined, tables: new Map(), states: {}, metrics: {}, reports: {} };
    this.loop = new StageLoop({
      runId: this.runId,
      spec,
      state: this.state,
      monitor: this.monitor,
      listener: this.listener,
      emit: this.emit,
      clock: this.clock,
      epochAt: (perfNow) => this.epochAt(perfNow),
      signal: this.signal,
      opts: { controller: opts.controller, dataChecks: opts.dataChecks, stopAfter: opts.stopAfter },
    });
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
    this.output = await this.loop.run(slots);
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
    this.output = await this.loop.run(slots);
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
    for (const m of this.loop.rejected.values()) for (const [r, why] of m) rejected.set(r, why);
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
    const rejected = [...this.loop.rejected.values()].reduce((n, m) => n + m.size, 0);
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


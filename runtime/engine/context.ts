// Builds the `ctx` a stage receives. Everything it does is turned into an engine event;
// the run state (model, side tables, metrics) lives in RunState and is shared by all
// stages of one run.
import type { Table } from '../table/table';
import type { StageContext } from '../stages/types';
import type { Json, Mode, ModelArtifact, StageRef } from '../vocabulary';
import type { EngineEvent } from './events';
import { StageInterrupt, type Controller, type PointBase } from './controller';

/**
 * The state of one run that stages see through ctx and the debugger through points.
 * `tables` and `states` are copy-on-write (replaced, never mutated), so a snapshot before
 * each stage is a few references; `metrics` changes every epoch, so it is mutated in place
 * and copied into a snapshot only when it changed.
 */
export interface RunState {
  runId: string;
  mode: Mode;
  model: ModelArtifact | undefined;
  tables: Map<string, Table>;
  states: Record<string, Json>;
  /** Latest value per metric name. Mutated in place by ctx.metric (hot in epoch loops). */
  metrics: Record<string, number>;
  /** Set when `metrics` changed since the engine last copied it into a snapshot. */
  metricsChanged?: boolean;
  /** Structured results from ctx.report, by name. */
  reports: Record<string, Json>;
}

/** What every stage context of one run shares; built once per run. */
export interface ContextDeps {
  state: RunState;
  pipelineParams: Record<string, unknown>;
  baseDir: string;
  seed: number;
  target: string | undefined;
  emit: (e: EngineEvent) => void;
  /** The run's clock for event times (epoch ms). */
  now: () => number;
  controller: Controller | undefined;
  /** Builds the point the controller sees at an inner step of `stage`. */
  point: <K extends string>(stage: ContextStage, input: Table, kind: K) => PointBase & { kind: K };
}

/** The stage a context is for. */
export interface ContextStage {
  ref: StageRef;
  /** The stage's `with:` values (the engine's private, editable copy). */
  params: Record<string, unknown>;
}

/** How long a stage calling ctx.step may keep the event loop to itself. */
const YIELD_EVERY_MS = 15;
/** When a step last let the event loop turn (performance.now()); shared by all runs in the process. */
let lastYield = 0;

/** Resolves after one turn of the event loop (timers and I/O callbacks get to run). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      lastYield = performance.now();
      resolve();
    }),
  );
}

export function makeContext(deps: ContextDeps, stage: ContextStage, input: Table, attempt: number, signal: AbortSignal): StageContext {
  const { state, emit, now } = deps;
  const ref = stage.ref;
  const runId = state.runId;
  // Stage functions may destructure ctx (`const { log } = ctx`) or spread it, so these are
  // own closures, not prototype methods. Made once per attempt: keep the literal free of
  // accessors (a getter in an object literal makes V8 build it on a slow path, ~0.7 µs).
  let metricCounts: Map<string, number> | undefined;
  let stepIndex = 0;
  return {
    stage: ref.stage,
    uses: ref.uses,
    mode: state.mode,
    params: stage.params,
    pipelineParams: deps.pipelineParams,
    attempt,
    signal,
    baseDir: deps.baseDir,
    seed: deps.seed,
    target: deps.target,
    log(message) {
      emit({ type: 'log', runId, ref, time: now(), message: String(message) });
    },
    warn(message, code = 'user') {
      emit({ type: 'warning', runId, ref, time: now(), message: String(message), code });
    },
    metric(name, value, step) {
      metricCounts ??= new Map();
      const n = metricCounts.get(name) ?? 0;
      metricCounts.set(name, n + 1);
      const v = Number(value);
      state.metrics[name] = v;
      state.metricsChanged = true;
      emit({ type: 'metric', runId, ref, time: now(), name, value: v, step: step ?? n });
    },
    report(name, value) {
      state.reports[name] = value;
    },
    async step(label, values = {}) {
      if (signal.aborted) throw signal.reason;
      const index = stepIndex++;
      emit({ type: 'step', runId, ref, time: now(), label, index, values });
      if (deps.controller?.atStep) {
        const d = await deps.controller.atStep(Object.assign(deps.point(stage, input, 'step'), { label, index, values }));
        // The controller abandons the stage (restart it, go back, stop): unwind out of it.
        if (d && d.action !== 'continue') throw new StageInterrupt(d);
      }
      // A stage looping over epochs only awaits this, and awaiting resolved promises
      // runs microtasks only: timers (a per-attempt timeout, a caller's abort), signal
      // handlers and IPC would wait for the whole loop. So every YIELD_EVERY_MS or so
      // give the event loop one turn; the clock read is the only cost in between.
      if (performance.now() - lastYield >= YIELD_EVERY_MS) await nextTurn();
      if (signal.aborted) throw signal.reason;
    },
    progress(fraction, message) {
      const f = Math.max(0, Math.min(1, Number(fraction) || 0));
      emit({ type: 'progress', runId, ref, time: now(), fraction: f, message });
    },
    // The model trained before this stage started (a stage never sees its own model: the
    // engine stores it only once train() has returned), so a value, not a getter.
    model: state.model,
    getTable(name) {
      return state.tables.get(name);
    },
    setTable(name, table) {
      // Copy on write: snapshots hold the previous map and must not see this change.
      state.tables = new Map(state.tables).set(name, table);
    },
  };
}

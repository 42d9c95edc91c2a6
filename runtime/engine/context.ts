// Builds the `ctx` a stage receives. Everything it does is turned into an engine event;
// the run state (model, side tables, metrics) lives in RunState and is shared by all
// stages of one run.
import type { Table } from '../table/table';
import type { Json, ModelArtifact, Mode, StageContext } from '../stages/types';
import type { EngineEvent, StageRef } from './events';
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

export interface ContextDeps {
  state: RunState;
  ref: StageRef;
  params: Record<string, unknown>;
  pipelineParams: Record<string, unknown>;
  baseDir: string;
  seed: number;
  target: string | undefined;
  emit: (e: EngineEvent) => void;
  controller: Controller | undefined;
  /** Builds the point the controller sees at an inner step. */
  point: <K extends string>(kind: K) => PointBase & { kind: K };
}

export function makeContext(deps: ContextDeps, attempt: number, signal: AbortSignal): StageContext {
  const { state, ref, emit } = deps;
  const runId = state.runId;
  // Stage functions may destructure ctx (`const { log } = ctx`), so these are closures,
  // not prototype methods.
  const metricCounts = new Map<string, number>();
  let stepIndex = 0;
  return {
    stage: ref.stage,
    uses: ref.uses,
    mode: state.mode,
    params: deps.params,
    pipelineParams: deps.pipelineParams,
    attempt,
    signal,
    baseDir: deps.baseDir,
    seed: deps.seed,
    target: deps.target,
    log(message) {
      emit({ type: 'log', runId, ref, time: Date.now(), message: String(message) });
    },
    warn(message, code = 'user') {
      emit({ type: 'warning', runId, ref, time: Date.now(), message: String(message), code });
    },
    metric(name, value, step) {
      const n = metricCounts.get(name) ?? 0;
      metricCounts.set(name, n + 1);
      const v = Number(value);
      state.metrics[name] = v;
      state.metricsChanged = true;
      emit({ type: 'metric', runId, ref, time: Date.now(), name, value: v, step: step ?? n });
    },
    report(name, value) {
      state.reports[name] = value;
    },
    async step(label, values = {}) {
      if (signal.aborted) throw signal.reason;
      const index = stepIndex++;
      emit({ type: 'step', runId, ref, time: Date.now(), label, index, values });
      if (deps.controller?.atStep) {
        const d = await deps.controller.atStep(Object.assign(deps.point('step'), { label, index, values }));
        // The controller abandons the stage (restart it, go back, stop): unwind out of it.
        if (d && d.action !== 'continue') throw new StageInterrupt(d);
      }
      if (signal.aborted) throw signal.reason;
    },
    progress(fraction, message) {
      const f = Math.max(0, Math.min(1, Number(fraction) || 0));
      emit({ type: 'progress', runId, ref, time: Date.now(), fraction: f, message });
    },
    get model() {
      return state.model;
    },
    getTable(name) {
      return state.tables.get(name);
    },
    setTable(name, table) {
      // Copy on write: snapshots hold the previous map and must not see this change.
      state.tables = new Map(state.tables).set(name, table);
    },
  };
}

// What a run executes, in order: its phases and each phase's stages.
//
//   train:      [fit fold 1 → evaluate fold 1] … [fit fold k → evaluate fold k]   (split.folds)
//               fit (all training rows) → evaluate (held-out rows, when there are any)
//   inference:  serve
//
// `fit` runs the feature stages (fit + transform) and the training stages. `evaluate` and
// `serve` are the inference path: feature stages replayed from the fitted state, then the
// inference stages; `evaluate` stops after the predict stage (stages after it, e.g. an
// export, never run on held-out rows) and then runs the evaluation stages.
import { NO_RETRY } from '../retry/types';
import type { PipelineSpec, StageSpec } from '../spec/types';
import type { Mode, Phase } from '../vocabulary';

export interface PlannedPhase {
  phase: Phase;
  /** 1-based fold of cross-validation; undefined for the final fit and its evaluation. */
  fold?: number;
  folds?: number;
  stages: StageSpec[];
  /** Index in `stages` of the predict stage of an inference path (evaluate / serve). */
  predict?: number;
}

/** True when a train run of `spec` has held-out rows: `data.test`, `split.test` or `split.column`. */
export function hasTestRows(spec: PipelineSpec): boolean {
  return spec.data.test !== undefined || spec.split?.test !== undefined || spec.split?.column !== undefined;
}

/** The phases a run in `mode` goes through, in order. */
export function planRun(spec: PipelineSpec, mode: Mode): PlannedPhase[] {
  if (mode === 'inference') {
    const stages = [...spec.feature, ...spec.inference];
    const at = spec.inference.findIndex(isPredict);
    return [{ phase: 'serve', stages, ...(at >= 0 ? { predict: spec.feature.length + at } : {}) }];
  }
  const fit = [...spec.feature, ...spec.training];
  const path = evaluationPath(spec);
  const evaluate = [...spec.feature, ...path, ...spec.evaluation];
  const predict = path.length ? spec.feature.length + path.length - 1 : undefined;
  const phases: PlannedPhase[] = [];
  const folds = spec.split?.folds;
  if (folds !== undefined) {
    for (let fold = 1; fold <= folds; fold++) {
      phases.push({ phase: 'fit', fold, folds, stages: fit });
      phases.push({ phase: 'evaluate', fold, folds, stages: evaluate, ...(predict !== undefined ? { predict } : {}) });
    }
  }
  phases.push({ phase: 'fit', stages: fit });
  if (hasTestRows(spec) && evaluate.length) phases.push({ phase: 'evaluate', stages: evaluate, ...(predict !== undefined ? { predict } : {}) });
  return phases;
}

/** One execution of a stage in a run's flat list: what StageRef.index counts. */
export interface PlannedStage {
  spec: StageSpec;
  phase: Phase;
  fold?: number;
  folds?: number;
  /** True for the first stage of its phase (its input is the phase's rows). */
  first: boolean;
  /** True for the predict stage of an inference path. */
  predicts: boolean;
}

/** Every stage execution of a run in `mode`, in order: the engine's slots and the debugger's frames. */
export function planStages(spec: PipelineSpec, mode: Mode): PlannedStage[] {
  return planRun(spec, mode).flatMap((p) =>
    p.stages.map((s, k) => ({ spec: s, phase: p.phase, ...(p.fold !== undefined ? { fold: p.fold, folds: p.folds } : {}), first: k === 0, predicts: k === p.predict })),
  );
}

/**
 * The distinct stages a run in `mode` goes through, in first-run order: what `--stop-after`
 * and breakpoints resolve names against. A feature stage is listed once though it runs in
 * fit and again in evaluate.
 */
export function runStages(spec: PipelineSpec, mode: Mode): StageSpec[] {
  const seen = new Set<StageSpec>();
  const out: StageSpec[] = [];
  for (const p of planRun(spec, mode)) for (const s of p.stages) if (!seen.has(s)) (seen.add(s), out.push(s));
  return out;
}

function isPredict(s: StageSpec): boolean {
  return s.uses === 'predict';
}

/**
 * The inference stages held-out rows go through: up to and including the first predict
 * stage; without one, the built-in predict (an implicit stage at the `evaluation:` key),
 * unless there is nothing to predict with (no training stages).
 */
function evaluationPath(spec: PipelineSpec): StageSpec[] {
  const at = spec.inference.findIndex(isPredict);
  if (at >= 0) return spec.inference.slice(0, at + 1);
  return spec.training.length ? [implicitPredict(spec)] : [];
}

const implicit = new WeakMap<PipelineSpec, StageSpec>();

/** One object per spec, so every phase shares it (params edits, snapshots, records). */
function implicitPredict(spec: PipelineSpec): StageSpec {
  let s = implicit.get(spec);
  if (s) return s;
  const taken = new Set([...spec.feature, ...spec.training, ...spec.evaluation, ...spec.inference].map((x) => x.name));
  let name = 'predict';
  for (let i = 2; taken.has(name); i++) name = `predict_${i}`;
  const at = spec.sections.evaluation?.key ?? spec.sections.inference?.key ?? spec.nameRange ?? { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  s = { name, uses: 'predict', section: 'inference', with: {}, retry: NO_RETRY, range: at, nameRange: at, usesRange: at, withRanges: {}, file: spec.file, parents: [] };
  implicit.set(spec, s);
  return s;
}

// Loading what a debug session runs: the pipeline for the launch configuration's mode, the
// texts of its files (kept by the loader; breakpoints and frames point into them), the
// run's flat list of stage executions (the engine's slots: a feature stage runs in fit and
// again in the held-out replay, and once per fold) with each one's section, phase and
// sub-pipeline group, the stage definitions, and where `stopAfterStage` stops. Nothing
// here runs stage code.
import * as path from 'node:path';
import { loadPipeline, resolveStopAfter } from '../spec';
import { planStages } from '../engine/plan';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { resolveStages } from '../engine/run';
import type { StageDef } from '../stages/types';
import { PipelineError, formatDiagnostic } from '../errors';
import { MODES, isMode, type Mode, type Phase } from '../vocabulary';
import type * as P from './protocol';

/** A launched pipeline, fixed for the session's life. */
export interface LoadedRun {
  spec: PipelineSpec;
  /** The pipeline file's text. */
  text: string;
  /** The text of the pipeline file and of every sub-pipeline file it includes. */
  texts: Map<string, string>;
  /** The launch configuration with its mode settled and the pipeline path absolute. */
  config: P.LaunchConfig & { mode: Mode };
  /** Each stage execution's stage, by StageRef.index. */
  runSpecs: StageSpec[];
  /** Each stage execution's phase and fold. */
  phases: { phase: Phase; fold?: number; folds?: number }[];
  defs: StageDef[];
  /** Each stage execution's section run (section, phase and fold): what stepOut leaves. */
  sections: string[];
  /** Each stage's innermost sub-pipeline group (full name of its including stage), or ''. */
  groups: string[];
  stopAfterIndex?: number;
}

export async function loadRun(config: P.LaunchConfig): Promise<LoadedRun> {
  const mode = config.mode ?? 'train';
  if (!isMode(mode)) throw new Error(`mode must be ${MODES.map((m) => `'${m}'`).join(' or ')}, got '${String(mode)}'`);
  const file = path.resolve(config.pipeline);
  let spec: PipelineSpec;
  try {
    spec = await loadPipeline(file, { overrides: config.params, mode, checkData: !config.data });
  } catch (e) {
    if (e instanceof PipelineError) throw new Error(`${path.basename(file)} has errors:\n${e.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw e;
  }
  const texts = new Map(Object.entries(spec.texts));
  const text = texts.get(spec.file) ?? '';
  const planned = planStages(spec, mode);
  const runSpecs = planned.map((p) => p.spec);
  const phases = planned.map((p) => ({ phase: p.phase, ...(p.fold !== undefined ? { fold: p.fold, folds: p.folds } : {}) }));
  const sections = planned.map((p) => `${p.spec.section}\u0000${p.phase}\u0000${p.fold ?? ''}`);
  const groups = runSpecs.map((s) => s.parents?.at(-1)?.name ?? '');
  const defs = await resolveStages(runSpecs);
  let stopAfterIndex: number | undefined;
  if (config.stopAfterStage !== undefined) {
    // Same names as `plumb run --stop-after`: a stage, or a sub-pipeline stage (its last stage).
    try {
      stopAfterIndex = resolveStopAfter(runSpecs, config.stopAfterStage, mode).index;
    } catch (e) {
      throw new Error(`stopAfterStage: ${(e as Error).message}`);
    }
  }
  return { spec, text, texts, config: { ...config, mode, pipeline: file }, runSpecs, phases, defs, sections, groups, stopAfterIndex };
}

/** The file a stage is written in: a sub-pipeline stage's is the sub file. */
export function fileOf(run: LoadedRun, s: StageSpec): string {
  return s.file ?? run.spec.file;
}

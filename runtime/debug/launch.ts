// Loading what a debug session runs: the pipeline for the launch configuration's mode, the
// texts of its files (breakpoints and frames point into them), the run's flat stage list
// with each stage's section and sub-pipeline group, the stage definitions, and where
// `stopAfterStage` stops. Nothing here runs stage code.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { loadPipeline, resolveStopAfter, runStages } from '../spec';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { resolveStages } from '../engine/run';
import type { StageDef } from '../stages/types';
import { PipelineError, formatDiagnostic } from '../errors';
import { MODES, SECTIONS, isMode, type Mode } from '../vocabulary';
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
  runSpecs: StageSpec[];
  defs: StageDef[];
  /** Each stage's section. */
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
  const text = await readFile(file, 'utf8');
  const texts = await readIncludedTexts(spec, text);
  const runSpecs = runStages(spec, mode);
  const sections = runSpecs.map((s) => s.section);
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
  return { spec, text, texts, config: { ...config, mode, pipeline: file }, runSpecs, defs, sections, groups, stopAfterIndex };
}

/** The file a stage is written in: a sub-pipeline stage's is the sub file. */
export function fileOf(run: LoadedRun, s: StageSpec): string {
  return s.file ?? run.spec.file;
}

/** The texts of the files the pipeline's stages are written in (the pipeline file's is known). */
async function readIncludedTexts(spec: PipelineSpec, pipelineText: string): Promise<Map<string, string>> {
  const texts = new Map([[spec.file, pipelineText]]);
  for (const s of SECTIONS.flatMap((section) => spec[section])) {
    for (const f of [s.file, ...(s.parents ?? []).map((p) => p.file)]) {
      if (f && !texts.has(f)) texts.set(f, await readFile(f, 'utf8').catch(() => ''));
    }
  }
  return texts;
}

// Which stage "stop after NAME" means: `plumb run --stop-after` and the debugger's
// `stopAfterStage` resolve the name here, so both accept the same names and refuse the same.
import { sectionsOf, type Mode } from '../vocabulary';
import type { PipelineSpec, StageSpec } from './types';
import { didYouMean } from './suggest';

export interface StopAfterTarget {
  /** Index of the stage in the run's stage list (feature then training, or feature then inference). */
  index: number;
  /** Its full name, e.g. `prep/scale` for a stage inside the sub-pipeline stage `prep`. */
  stage: string;
}

/** The stages a run in `mode` goes through, in order. */
export function runStages(spec: PipelineSpec, mode: Mode): StageSpec[] {
  const sections = sectionsOf(mode);
  return sections.flatMap((s) => spec[s]);
}

/**
 * The stage to stop after: a stage's full name, or the name of a sub-pipeline stage
 * (`prep`), which means the last stage it includes. Throws a message naming the mode,
 * the closest name and the stages that run, when no stage of that name runs in `mode`.
 */
export function resolveStopAfter(stages: readonly StageSpec[], name: string, mode: Mode): StopAfterTarget {
  let index = stages.findIndex((s) => s.name === name);
  if (index < 0) {
    const group = `${name}/`;
    for (let j = 0; j < stages.length; j++) if (stages[j].name.startsWith(group)) index = j;
  }
  if (index >= 0) return { index, stage: stages[index].name };
  // In run order, each sub-pipeline stage just before the stages it includes.
  const known = new Set<string>();
  for (const s of stages) {
    for (const p of s.parents ?? []) known.add(p.name);
    known.add(s.name);
  }
  throw new Error(`no stage '${name}' runs in ${mode} mode${didYouMean(name, known)} (stages: ${[...known].join(', ') || 'none'})`);
}

// The call stack a stop shows, innermost first: the inner step (when stopped at one), the
// stage, one frame per including sub-pipeline stage, the section, the pipeline. Frame ids
// encode what they point at, so scopes (scopes.ts) and restartFrame can decode them.
import { SECTIONS, executionLabel, type Section } from '../vocabulary';
import type { StageSpec } from '../spec/types';
import type * as P from './protocol';
import { fileOf, type LoadedRun } from './launch';
import type { Stop } from './stop';

const PIPELINE_FRAME = 1;
const SECTION_FRAME = 100; // + section position
const STAGE_FRAME = 1_000_000; // + stage index
const STEP_FRAME = 2_000_000; // + stage index
const GROUP_FRAME = 3_000_000; // + stage index × MAX_GROUPS + depth of the including stage
const MAX_GROUPS = 16; // more than the loader's include depth limit

/** What a frame id points at, for the stop at stage `index`. */
export type FrameTarget =
  | { kind: 'step' }
  | { kind: 'stage' }
  | { kind: 'group'; group: NonNullable<StageSpec['parents']>[number] }
  | { kind: 'section'; section: Section }
  | { kind: 'pipeline' };

export function stackFrames(run: LoadedRun, stop: Stop): P.Frame[] {
  if (stop.frames) return stop.frames;
  const spec = run.spec;
  const i = stop.where.index;
  const s = run.runSpecs[i];
  const file = spec.file;
  const stageFile = fileOf(run, s);
  const at = { line: s.nameRange.start.line, column: s.nameRange.start.col, endLine: s.nameRange.end.line, endColumn: s.nameRange.end.col };
  const frames: P.Frame[] = [];
  if (stop.point.step) {
    frames.push({ id: STEP_FRAME + i, name: stepName(stop.point.step.label, stop.point.step.values), kind: 'step', file: stageFile, ...at, presentationHint: 'normal', canRestart: true });
  }
  frames.push({ id: STAGE_FRAME + i, name: `${s.name} · ${s.uses}`, kind: 'stage', file: stageFile, ...at, presentationHint: 'normal', canRestart: true });
  // One frame per including stage, innermost first: where each `uses: x.pipeline.yaml` is.
  const parents = s.parents ?? [];
  for (let k = parents.length - 1; k >= 0; k--) {
    const g = parents[k];
    const r = g.nameRange;
    frames.push({ id: GROUP_FRAME + i * MAX_GROUPS + k, name: `${g.name} · ${g.uses}`, kind: 'group', file: g.file, line: r.start.line, column: r.start.col, endLine: r.end.line, endColumn: r.end.col, presentationHint: 'normal' });
  }
  // The section frame names the run of the section: `feature · held-out replay`, `training · fold 2/5`.
  const sectionPos = SECTIONS.indexOf(s.section);
  const how = executionLabel({ section: s.section, ...run.phases[i] });
  const key = spec.sections[s.section]?.key;
  frames.push({
    id: SECTION_FRAME + sectionPos,
    name: how ? `${s.section} · ${how}` : s.section,
    kind: 'section',
    file,
    line: key?.start.line ?? at.line,
    column: key?.start.col ?? 1,
    endLine: key?.end.line ?? at.line,
    endColumn: key?.end.col ?? s.section.length + 1,
    presentationHint: 'subtle',
  });
  const pl = spec.nameRange;
  frames.push({
    id: PIPELINE_FRAME,
    name: `${spec.name} (${run.config.mode})`,
    kind: 'pipeline',
    file,
    line: pl?.start.line ?? 1,
    column: pl?.start.col ?? 1,
    endLine: pl?.end.line,
    endColumn: pl?.end.col,
    presentationHint: 'subtle',
  });
  stop.frames = frames;
  return frames;
}

/** Decodes a frame id of the stop at stage `i`; throws on an id no frame of it has. */
export function frameTarget(run: LoadedRun, stop: Stop, frameId: number): FrameTarget {
  const i = stop.where.index;
  if (frameId === STEP_FRAME + i && stop.point.step) return { kind: 'step' };
  if (frameId === PIPELINE_FRAME) return { kind: 'pipeline' };
  const group = frameId >= GROUP_FRAME + i * MAX_GROUPS && frameId < GROUP_FRAME + (i + 1) * MAX_GROUPS ? run.runSpecs[i].parents?.[frameId - GROUP_FRAME - i * MAX_GROUPS] : undefined;
  if (group) return { kind: 'group', group };
  if (frameId >= SECTION_FRAME && frameId < SECTION_FRAME + SECTIONS.length) return { kind: 'section', section: SECTIONS[frameId - SECTION_FRAME] };
  if (frameId !== STAGE_FRAME + i) throw new Error(`unknown frame ${frameId}`);
  return { kind: 'stage' };
}

/** Whether a frame id is the current stage's own frame (or its step's): the ones Restart Frame accepts. */
export function isStageFrame(frameId: number, index: number): boolean {
  return frameId === STAGE_FRAME + index || frameId === STEP_FRAME + index;
}

/**
 * `epoch 12  loss=0.4312`: the label, then values the label does not already say. A bare
 * label (`ctx.step('epoch', { epoch: 12, ... })`) gets its own value: `epoch 12`.
 */
export function stepName(label: string, values: Record<string, unknown>): string {
  const words = new Set(label.split(/\W+/));
  const own = values[label];
  if (/^\w+$/.test(label) && (typeof own === 'number' || typeof own === 'string')) label = `${label} ${String(own)}`;
  const extra = Object.entries(values)
    .filter(([k, v]) => !words.has(k) && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v)}`);
  return extra.length ? `${label}  ${extra.join(' ')}` : label;
}

// CodeLens above each stage. Both lenses start a debug session (F5 semantics):
//  - "▶ Run to here": runs every stage up to and including this one, then pauses after
//    it (launch `stopAfterStage: <this stage>`), so its Output is in the Variables view.
//  - "Debug from here": pauses just before this stage (`stopAfterStage: <previous
//    stage>`, or `stopOnEntry` for the first stage of the run), ready to step into it.
// Earlier stages must still run: a stage's input is the previous stage's output and
// fitted feature state is learned on the way. The run's order decides what "previous"
// is: in train mode feature, training, then the held-out rows' inference path (inference
// stages up to predict) and evaluation; in inference mode feature then inference.
import type { Mode, Section } from '../../runtime/extension-api';
import type { StartOptions } from '../shared/launch-config';
import type { PipelineOutline, Span, StageOutline } from './outline';

export type LaunchOverrides = Pick<StartOptions, 'stopAfterStage' | 'stopOnEntry'> & { mode: Mode };

export interface StageLens {
  span: Span;
  title: string;
  tooltip: string;
  stage: string;
  launch: LaunchOverrides;
}

/** The mode a lens on a stage of `section` runs: inference for an inference stage, else train. */
function modeOf(section: Section): Mode {
  return section === 'inference' ? 'inference' : 'train';
}

/** The stages a run in `mode` goes through, each once, in first-run order (as the runtime's runStages). */
export function runOrder(outline: PipelineOutline, mode: Mode): StageOutline[] {
  const of = (sec: Section) => outline.stages.filter((s) => s.section === sec);
  if (mode === 'inference') return [...of('feature'), ...of('inference')];
  const evaluation = of('evaluation');
  if (evaluation.length === 0) return [...of('feature'), ...of('training')];
  // Held-out rows take the inference path up to and including predict.
  const inference = of('inference');
  const predict = inference.findIndex((s) => s.uses === 'predict');
  return [...of('feature'), ...of('training'), ...(predict >= 0 ? inference.slice(0, predict + 1) : []), ...evaluation];
}

export function stageLenses(outline: PipelineOutline): StageLens[] {
  const lenses: StageLens[] = [];
  for (const s of outline.stages) {
    const mode = modeOf(s.section);
    const order = runOrder(outline, mode);
    const previous = order[order.indexOf(s) - 1];
    lenses.push({
      span: s.span,
      title: '▶ Run to here',
      tooltip: `Run ${mode === 'train' ? 'training' : 'inference'} up to stage ${s.name} and pause after it`,
      stage: s.name,
      launch: { mode, stopAfterStage: s.name },
    });
    lenses.push({
      span: s.span,
      title: 'Debug from here',
      tooltip: `Pause just before stage ${s.name} (earlier stages run first), then step into it`,
      stage: s.name,
      launch: previous ? { mode, stopAfterStage: previous.name } : { mode, stopOnEntry: true },
    });
  }
  return lenses;
}

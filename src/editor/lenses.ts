// CodeLens above each stage. Both lenses start a debug session (F5 semantics):
//  - "▶ Run to here": runs every stage up to and including this one, then pauses after
//    it (launch `stopAfterStage: <this stage>`), so its Output is in the Variables view.
//  - "Debug from here": pauses just before this stage (`stopAfterStage: <previous
//    stage>`, or `stopOnEntry` for the first stage of the run), ready to step into it.
// Earlier stages must still run: a stage's input is the previous stage's output and
// fitted feature state is learned on the way. The run's section order decides what
// "previous" is: feature then training (train mode), or feature then inference.
import type { PipelineOutline, SectionName, Span, StageOutline } from './outline';

export interface LaunchOverrides {
  mode: 'train' | 'inference';
  stopAfterStage?: string;
  stopOnEntry?: boolean;
}

export interface StageLens {
  span: Span;
  title: string;
  tooltip: string;
  stage: string;
  launch: LaunchOverrides;
}

function runOrder(outline: PipelineOutline, section: SectionName): StageOutline[] {
  const sections: SectionName[] = section === 'inference' ? ['feature', 'inference'] : ['feature', 'training'];
  return sections.flatMap((sec) => outline.stages.filter((s) => s.section === sec));
}

export function stageLenses(outline: PipelineOutline): StageLens[] {
  const lenses: StageLens[] = [];
  for (const s of outline.stages) {
    const mode = s.section === 'inference' ? 'inference' : 'train';
    const order = runOrder(outline, s.section);
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

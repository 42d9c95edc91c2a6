// Which of a stage's breakpoints stop the run before it: conditions are tested (one that
// throws stops, and says why), hit counts grow and hit conditions are checked, and
// logpoints print their message and do not stop.
import type { PointBase } from '../engine/controller';
import { errorMessage } from '../errors';
import type * as P from './protocol';
import type { ActiveBreakpoint } from './breakpoints';
import { ExpressionContext } from './expressions';
import type { TableCache } from './table-view';
import { exprScopeOf, logPartText } from './evaluate';
import { fileOf, type LoadedRun } from './launch';

export function breakpointHits(list: readonly ActiveBreakpoint[], p: PointBase, run: LoadedRun, cache: TableCache, send: (e: P.SessionEvent) => void): ActiveBreakpoint[] {
  if (!list.length) return [];
  const spec = run.runSpecs[p.ref.index];
  let expr: ExpressionContext | undefined;
  const ctx = (): ExpressionContext => (expr ??= new ExpressionContext(exprScopeOf(p), cache));
  const hits: ActiveBreakpoint[] = [];
  for (const b of list) {
    if (b.condition) {
      try {
        if (!ctx().test(b.condition)) continue;
      } catch (e) {
        // Like VS Code for JavaScript: a condition that throws stops, and says why.
        send({
          event: 'output',
          category: 'important',
          text: `Breakpoint condition '${b.condition}' on stage '${p.ref.stage}' failed: ${errorMessage(e)}; stopping anyway\n`,
          file: fileOf(run, spec),
          line: spec.nameRange.start.line,
        });
      }
    }
    b.hits++;
    if (b.hit && !b.hit(b.hits)) continue;
    if (b.log) {
      const text = b.log.map((part) => ('text' in part ? part.text : logPartText(ctx(), cache, part.expr))).join('');
      send({ event: 'output', category: 'console', text: `${text}\n`, file: b.file, line: b.line });
      continue;
    }
    hits.push(b);
  }
  return hits;
}

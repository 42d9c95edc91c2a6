// Hover text (markdown) for a position: stage docs on a `uses:` or `stage:` value, param
// docs on a `with:` key.
import type { StageCatalog } from './catalog';
import { paramDoc, stageDoc } from './completions';
import { contains, type PipelineOutline, type Span } from './outline';

export interface HoverResult {
  markdown: string;
  span: Span;
}

export function hoverAt(outline: PipelineOutline, line: number, character: number, catalog: StageCatalog): HoverResult | undefined {
  for (const s of outline.stages) {
    if (!contains(s.span, line, character)) continue;
    const info = s.uses ? catalog.byUses.get(s.uses) : undefined;
    if (s.usesSpan && contains(s.usesSpan, line, character)) {
      return info ? { markdown: stageDoc(info), span: s.usesSpan } : undefined;
    }
    if (contains(s.nameSpan, line, character)) {
      const head = `**stage \`${s.name}\`** · ${s.section} #${s.index + 1}`;
      return { markdown: info ? `${head}\n\n---\n\n${stageDoc(info)}` : head, span: s.nameSpan };
    }
    for (const w of s.withKeys) {
      if (!contains(w.keySpan, line, character)) continue;
      const p = info?.params.find((x) => x.name === w.key);
      if (p && info) return { markdown: paramDoc(info.uses, p), span: w.keySpan };
      // A module not loaded (or that failed to load) has unknown params: say nothing.
      if (info && info.loaded !== false && !info.loadError) return { markdown: `\`${w.key}\` is not a parameter of \`${info.uses}\``, span: w.keySpan };
    }
  }
  return undefined;
}

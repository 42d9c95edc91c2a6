// Where the stages of a pipeline file are, from its text alone (no stage loading), for
// CodeLens, hovers and run decorations. Positions are 0-based like VS Code's.
// Parsing goes through the runtime's own parser, so `${...}` inside `{ }` is handled
// exactly as the loader handles it.
import { isMap, isScalar, isSeq, type LineCounter, type Pair } from 'yaml';
import { parsePipelineText } from '../../runtime/spec/parse';

export type SectionName = 'feature' | 'training' | 'inference';
export const SECTION_NAMES: readonly SectionName[] = ['feature', 'training', 'inference'];

export interface Span {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export interface WithKey {
  key: string;
  keySpan: Span;
  value: unknown;
}

export interface StageOutline {
  name: string;
  section: SectionName;
  /** 0-based index inside its section. */
  index: number;
  uses?: string;
  nameSpan: Span;
  usesSpan?: Span;
  /** The whole stage mapping. */
  span: Span;
  withKeys: WithKey[];
}

export interface PipelineOutline {
  name?: string;
  store?: string;
  stages: StageOutline[];
}

function spanOf(lc: LineCounter, node: unknown): Span | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  const a = lc.linePos(range[0]);
  const b = lc.linePos(range[1]);
  return { line: a.line - 1, character: a.col - 1, endLine: b.line - 1, endCharacter: b.col - 1 };
}

function scalarString(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') ? String(node.value) : undefined;
}

function pairs(node: unknown): Pair[] {
  return isMap(node) ? (node.items as Pair[]) : [];
}

/** Never throws: a damaged file gives whatever stages could be read. */
export function outlinePipeline(text: string): PipelineOutline {
  const { doc, lc } = parsePipelineText('', text);
  const out: PipelineOutline = { stages: [] };
  for (const top of pairs(doc.contents)) {
    const key = scalarString(top.key);
    if (key === 'pipeline') out.name = scalarString(top.value);
    if (key === 'store') out.store = scalarString(top.value);
    if (!key || !(SECTION_NAMES as readonly string[]).includes(key) || !isSeq(top.value)) continue;
    top.value.items.forEach((item, index) => {
      const stage: Partial<StageOutline> = { section: key as SectionName, index, withKeys: [] };
      for (const p of pairs(item)) {
        const k = scalarString(p.key);
        if (k === 'stage') {
          stage.name = scalarString(p.value);
          stage.nameSpan = spanOf(lc, p.value);
        } else if (k === 'uses') {
          stage.uses = scalarString(p.value);
          stage.usesSpan = spanOf(lc, p.value);
        } else if (k === 'with') {
          for (const w of pairs(p.value)) {
            const wk = scalarString(w.key);
            const keySpan = spanOf(lc, w.key);
            if (wk && keySpan) stage.withKeys!.push({ key: wk, keySpan, value: isScalar(w.value) ? w.value.value : undefined });
          }
        }
      }
      stage.span = spanOf(lc, item);
      if (stage.name && stage.nameSpan && stage.span) out.stages.push(stage as StageOutline);
    });
  }
  return out;
}

export function contains(span: Span, line: number, character: number): boolean {
  if (line < span.line || line > span.endLine) return false;
  if (line === span.line && character < span.character) return false;
  if (line === span.endLine && character > span.endCharacter) return false;
  return true;
}

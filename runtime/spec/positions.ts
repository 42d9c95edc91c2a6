// yaml node → SourceRange. The `yaml` package gives character offsets; a LineCounter
// turns them into the 1-based line:col every diagnostic and debugger frame uses.
import { isNode, type LineCounter, type Node as YamlNode } from 'yaml';
import type { SourcePos, SourceRange } from '../errors';

export function posAt(lc: LineCounter, offset: number): SourcePos {
  const { line, col } = lc.linePos(offset);
  return { line, col };
}

/** Range of [start, end) character offsets; `end` is the position just past the text. */
export function offsetRange(lc: LineCounter, start: number, end: number): SourceRange {
  return { start: posAt(lc, start), end: posAt(lc, Math.max(start, end)) };
}

/**
 * The node's value range, or undefined for synthetic nodes. With the source `text`, the
 * trailing line break a block collection's range includes is trimmed, so a stage's range
 * ends at its last character rather than at the start of the next stage.
 */
export function nodeRange(lc: LineCounter, node: unknown, text?: string): SourceRange | undefined {
  if (!isNode(node) || !node.range) return undefined;
  const [start, valueEnd] = node.range;
  let end = valueEnd;
  if (text !== undefined) while (end > start && /\s/.test(text[end - 1])) end--;
  return offsetRange(lc, start, end);
}

/** Start offset of a node, for sorting and for locating text inside a scalar. */
export function nodeOffsets(node: unknown): [number, number] | undefined {
  if (!isNode(node) || !(node as YamlNode).range) return undefined;
  const [start, valueEnd] = (node as YamlNode).range!;
  return [start, valueEnd];
}

/** Compare two ranges by start position; rangeless ones sort first. */
export function compareRanges(a: SourceRange | undefined, b: SourceRange | undefined): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  return a.start.line - b.start.line || a.start.col - b.start.col;
}

// What the cursor is on, read from the lines around it. Line-based on purpose: while the
// user types, the file is usually not valid YAML, yet completion must still work.

export type CursorContext =
  | { kind: 'uses'; prefix: string; start: number }
  | { kind: 'with-key'; uses?: string; prefix: string; start: number; present: string[] }
  | { kind: 'with-value'; uses?: string; key: string; prefix: string; start: number }
  | { kind: 'none' };

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isBlank = (line: string): boolean => /^\s*(#.*)?$/.test(line);

/** The lines of the stage (list item) holding `lineNo`: [first, last], or undefined. */
export function stageBlock(lines: string[], lineNo: number): [number, number] | undefined {
  for (let i = lineNo; i >= 0; i--) {
    const m = /^(\s*)-\s/.exec(lines[i]);
    if (m && (i === lineNo || indentOf(lines[lineNo]) > m[1].length || isBlank(lines[lineNo]))) {
      const itemIndent = m[1].length;
      let end = i;
      for (let j = i + 1; j < lines.length; j++) {
        if (isBlank(lines[j])) continue;
        if (indentOf(lines[j]) <= itemIndent) break;
        end = j;
      }
      return [i, Math.max(end, lineNo)];
    }
    if (i < lineNo && !isBlank(lines[i]) && indentOf(lines[i]) === 0) return undefined;
  }
  return undefined;
}

/** The `uses:` value of the stage holding `lineNo`. */
export function usesOfStage(lines: string[], lineNo: number): string | undefined {
  const block = stageBlock(lines, lineNo);
  if (!block) return undefined;
  for (let i = block[0]; i <= block[1]; i++) {
    const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1/.exec(lines[i]);
    if (m) return m[2];
  }
  return undefined;
}

/** Keys already written in a flow map text such as `{ a: 1, b: [x, y] }`. */
function flowKeys(text: string): string[] {
  return [...text.matchAll(/(?:^|[{,])\s*([A-Za-z_][\w.-]*)\s*:/g)].map((m) => m[1]);
}

export function cursorContext(text: string, line: number, character: number): CursorContext {
  const lines = text.split(/\r?\n/);
  const current = lines[line] ?? '';
  const before = current.slice(0, character);

  const uses = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"]*)$/.exec(before);
  if (uses) return { kind: 'uses', prefix: uses[2], start: character - uses[2].length };

  // `with: { ... }` on this line, cursor inside the braces.
  const flow = /^(\s*(?:-\s+)?with:\s*\{)(.*)$/.exec(before);
  if (flow && !flow[2].includes('}')) {
    const inside = flow[2];
    const seg = inside.slice(Math.max(inside.lastIndexOf(','), -1) + 1);
    const stageUses = usesOfStage(lines, line);
    const kv = /^\s*([A-Za-z_][\w.-]*)\s*:\s*(['"]?)([^,'"]*)$/.exec(seg);
    if (kv) return { kind: 'with-value', uses: stageUses, key: kv[1], prefix: kv[3].trimStart(), start: character - kv[3].trimStart().length };
    const k = /^\s*([A-Za-z_][\w.-]*)?$/.exec(seg);
    if (k) {
      const prefix = k[1] ?? '';
      const after = current.slice(character);
      return { kind: 'with-key', uses: stageUses, prefix, start: character - prefix.length, present: flowKeys(inside + after.split('}')[0]) };
    }
    return { kind: 'none' };
  }

  // A block `with:` above, this line indented under it.
  const ownIndent = indentOf(current);
  for (let i = line - 1; i >= 0; i--) {
    if (isBlank(lines[i])) continue;
    const l = lines[i];
    const m = /^(\s*)(?:-\s+)?with:\s*(#.*)?$/.exec(l);
    const keyIndent = m ? indentOf(l) + (/^\s*-\s/.test(l) ? l.trimStart().indexOf('with') : 0) : -1;
    if (m && ownIndent > keyIndent) {
      const stageUses = usesOfStage(lines, i);
      const present: string[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        if (isBlank(lines[j])) continue;
        if (indentOf(lines[j]) <= keyIndent) break;
        const km = /^\s*([A-Za-z_][\w.-]*)\s*:/.exec(lines[j]);
        if (km && j !== line) present.push(km[1]);
      }
      const kv = /^\s*([A-Za-z_][\w.-]*)\s*:\s*(['"]?)([^'"#]*)$/.exec(before);
      if (kv) return { kind: 'with-value', uses: stageUses, key: kv[1], prefix: kv[3], start: character - kv[3].length };
      const k = /^\s*([A-Za-z_][\w.-]*)?$/.exec(before);
      if (k) return { kind: 'with-key', uses: stageUses, prefix: k[1] ?? '', start: character - (k[1] ?? '').length, present };
      return { kind: 'none' };
    }
    // A parent that is not `with:` ends the search; siblings and their values do not.
    if (indentOf(l) < ownIndent) break;
  }
  return { kind: 'none' };
}

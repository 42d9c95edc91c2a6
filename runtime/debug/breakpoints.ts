// Breakpoints: where a line of the pipeline file (or of a sub-pipeline file it includes)
// lands (the stage whose block holds it), and whether a breakpoint fires when the run is
// about to start a stage (condition, hit condition, logpoint).
//
// A sub-pipeline file may be included at several places: a breakpoint in it binds to the
// flat stages from every place (`a/impute`, `b/impute`). A breakpoint on an including
// stage (`uses: ./x.pipeline.yaml`) stops before the first stage of that group.
import * as path from 'node:path';
import { Script } from 'node:vm';
import type { SourceRange } from '../errors';
import { isSection } from '../vocabulary';
import type { PipelineSpec, StageSpec } from '../spec/types';
import type { BreakpointResult, FunctionBreakpoint, SourceBreakpoint } from './protocol';

/**
 * A stage's block in a file: its `- stage:` item through the line before the next stage
 * or top-level key. `targets` are the flat stages a breakpoint there stops before: the
 * stage itself (at every place its file is included), or for an including stage the
 * first stage of its group.
 */
export interface StageBlock {
  file: string;
  /** The `stage:` value, where a breakpoint moves to. */
  nameRange: SourceRange;
  targets: StageSpec[];
  startLine: number;
  endLine: number;
}

/** Every stage block of the pipeline file and of the sub-pipeline files it includes. */
export function stageBlocks(spec: PipelineSpec, texts: ReadonlyMap<string, string>): StageBlock[] {
  const all = [...spec.feature, ...spec.training, ...spec.inference];
  interface Item {
    file: string;
    start: number;
    nameRange: SourceRange;
    targets: StageSpec[];
  }
  const items = new Map<string, Item>();
  const add = (file: string, range: SourceRange, nameRange: SourceRange, target: StageSpec | undefined): void => {
    const key = `${file}\n${range.start.line}`;
    let item = items.get(key);
    if (!item) items.set(key, (item = { file, start: range.start.line, nameRange, targets: [] }));
    if (target && !item.targets.includes(target)) item.targets.push(target);
  };
  for (const s of all) {
    add(s.file ?? spec.file, s.range, s.nameRange, s);
    for (const p of s.parents ?? []) add(p.file, p.range, p.nameRange, all.find((x) => x.name.startsWith(`${p.name}/`)));
  }
  const blocks: StageBlock[] = [];
  const byFile = new Map<string, Item[]>();
  for (const item of items.values()) byFile.set(item.file, [...(byFile.get(item.file) ?? []), item]);
  for (const [file, list] of byFile) {
    const lines = (texts.get(file) ?? '').split(/\r?\n/);
    const topKeys: number[] = [];
    lines.forEach((l, k) => {
      if (/^[A-Za-z_"'][^:#]*:/.test(l)) topKeys.push(k + 1);
    });
    list.sort((a, b) => a.start - b.start);
    list.forEach((item, k) => {
      const nextStage = k + 1 < list.length ? list[k + 1].start : lines.length + 1;
      const nextKey = topKeys.find((l) => l > item.start) ?? lines.length + 1;
      blocks.push({ file, nameRange: item.nameRange, targets: item.targets, startLine: item.start, endLine: Math.min(nextStage, nextKey) - 1 });
    });
  }
  return blocks;
}

export type HitTest = (hits: number) => boolean;

/** `>= 3`, `> 2`, `== 2`, `% 2`, `3` (same as >= 3). Throws a readable error otherwise. */
export function parseHitCondition(text: string): HitTest {
  const m = /^\s*(>=|<=|==|=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`hit condition '${text}' not understood: use a number, or >= n, > n, == n, < n, <= n, % n`);
  const n = Number(m[2]);
  switch (m[1] ?? '>=') {
    case '>=':
      return (h) => h >= n;
    case '>':
      return (h) => h > n;
    case '<=':
      return (h) => h <= n;
    case '<':
      return (h) => h < n;
    case '%':
      if (n === 0) throw new Error(`hit condition '${text}': % 0 is never true`);
      return (h) => h % n === 0;
    default:
      return (h) => h === n;
  }
}

/** Logpoint text split into literal parts and `{expression}` parts. */
export type LogPart = { text: string } | { expr: string };

export function parseLogMessage(msg: string): LogPart[] {
  const parts: LogPart[] = [];
  let i = 0;
  let lit = '';
  while (i < msg.length) {
    const ch = msg[i];
    if (ch === '{') {
      let depth = 1;
      let j = i + 1;
      while (j < msg.length && depth > 0) {
        if (msg[j] === '{') depth++;
        else if (msg[j] === '}') depth--;
        j++;
      }
      if (depth === 0) {
        if (lit) parts.push({ text: lit });
        lit = '';
        parts.push({ expr: msg.slice(i + 1, j - 1) });
        i = j;
        continue;
      }
    }
    lit += ch;
    i++;
  }
  if (lit) parts.push({ text: lit });
  return parts;
}

/** A breakpoint as the session keeps it. */
export interface ActiveBreakpoint {
  id: number;
  /** The stages (by full name) it stops before: one, or one per place a sub-pipeline file is included. */
  stages: ReadonlySet<string>;
  /** The file it was set in, for logpoint output. */
  file: string;
  condition?: string;
  hit?: HitTest;
  log?: LogPart[];
  hits: number;
  /** Where it came from, for logpoint output. */
  line: number;
  /** Set by setFunctionBreakpoints (the stop reason is then 'function breakpoint'). */
  isFunction: boolean;
}

function checkExpression(expr: string, what: string): void {
  try {
    new Script(`(${expr}\n)`);
  } catch (e) {
    throw new Error(`${what} '${expr}' is not a valid expression: ${(e as Error).message}`);
  }
}

export interface Resolved {
  result: BreakpointResult;
  active?: ActiveBreakpoint;
}

export class BreakpointTable {
  private nextId = 1;
  private readonly byFile = new Map<string, ActiveBreakpoint[]>();
  private fn: ActiveBreakpoint[] = [];

  constructor(
    private readonly spec: PipelineSpec,
    private readonly blocks: StageBlock[],
    /** Names of the stages this run will execute. */
    private readonly runStages: ReadonlySet<string>,
    private readonly mode: string,
  ) {}

  setSource(file: string, bps: SourceBreakpoint[]): BreakpointResult[] {
    const key = path.resolve(file);
    const results: BreakpointResult[] = [];
    const active: ActiveBreakpoint[] = [];
    const mine = this.blocks.filter((b) => b.file === key);
    for (const bp of bps) {
      const id = this.nextId++;
      if (!mine.length) {
        results.push({
          id,
          verified: false,
          file: key,
          line: bp.line,
          message: `breakpoints go on a stage line of the pipeline file (${path.basename(this.spec.file)}) or of a sub-pipeline it includes; stopping inside stage code is not supported`,
        });
        continue;
      }
      const block = mine.find((b) => bp.line >= b.startLine && bp.line <= b.endLine);
      if (!block) {
        results.push({ id, verified: false, file: key, line: bp.line, message: 'no stage on this line: breakpoints go on a stage' });
        continue;
      }
      const r = this.resolve(id, block.targets, bp, false, block.nameRange, key);
      if (r.active) active.push(r.active);
      results.push(r.result);
    }
    this.byFile.set(key, active);
    return results;
  }

  setFunctions(bps: FunctionBreakpoint[]): BreakpointResult[] {
    this.fn = [];
    return bps.map((bp) => {
      const id = this.nextId++;
      const all = [...this.spec.feature, ...this.spec.training, ...this.spec.inference];
      const name = bp.name.trim();
      // A stage's full name; a section (its first stage in this mode); a sub-pipeline group (its first stage).
      const stage =
        all.find((s) => s.name === name) ??
        (isSection(name) ? all.find((s) => s.section === name && this.runStages.has(s.name)) : undefined) ??
        all.find((s) => s.name.startsWith(`${name}/`));
      if (!stage) {
        const known = all.map((s) => s.name).join(', ');
        return { id, verified: false, message: `no stage or section named '${name}' (stages: ${known || 'none'})` };
      }
      const group = stage.name !== name ? stage.parents?.find((p) => p.name === name) : undefined;
      const r = this.resolve(id, [stage], bp, true, group?.nameRange ?? stage.nameRange, group?.file ?? stage.file ?? this.spec.file);
      if (r.active) this.fn.push(r.active);
      return r.result;
    });
  }

  /** Every breakpoint (source and function) on this stage, in id order. */
  on(stage: string): ActiveBreakpoint[] {
    const out: ActiveBreakpoint[] = [];
    for (const list of this.byFile.values()) for (const b of list) if (b.stages.has(stage)) out.push(b);
    for (const b of this.fn) if (b.stages.has(stage)) out.push(b);
    return out;
  }

  hasAny(stage: string): boolean {
    return this.on(stage).some((b) => !b.log);
  }

  private resolve(id: number, targets: StageSpec[], bp: SourceBreakpoint | FunctionBreakpoint, isFunction: boolean, at: SourceRange, file: string): Resolved {
    const where = { file, line: at.start.line, column: at.start.col, endLine: at.end.line, endColumn: at.end.col };
    const running = targets.filter((s) => this.runStages.has(s.name));
    if (!running.length) {
      const s = targets[0];
      return { result: { id, verified: false, ...where, message: `stage '${s.name}' is in the ${s.section} section, which does not run in ${this.mode} mode` } };
    }
    try {
      if (bp.condition?.trim()) checkExpression(bp.condition, 'condition');
      const hit = bp.hitCondition?.trim() ? parseHitCondition(bp.hitCondition) : undefined;
      const logMessage = 'logMessage' in bp ? bp.logMessage : undefined;
      const log = logMessage !== undefined && logMessage !== '' ? parseLogMessage(logMessage) : undefined;
      for (const p of log ?? []) if ('expr' in p) checkExpression(p.expr, 'logpoint expression');
      return {
        result: { id, verified: true, ...where },
        active: { id, stages: new Set(running.map((s) => s.name)), file, condition: bp.condition?.trim() || undefined, hit, log, hits: 0, line: where.line, isFunction },
      };
    } catch (e) {
      return { result: { id, verified: false, ...where, message: (e as Error).message } };
    }
  }
}

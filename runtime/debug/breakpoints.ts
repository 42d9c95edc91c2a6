// Breakpoints: where a line of the pipeline file lands (the stage whose block holds it),
// and whether a breakpoint fires when the run is about to start a stage (condition, hit
// condition, logpoint).
import * as path from 'node:path';
import { Script } from 'node:vm';
import type { PipelineSpec, StageSpec } from '../spec/types';
import type { BreakpointResult, FunctionBreakpoint, SourceBreakpoint } from './protocol';

/** A stage's block in the file: its `- stage:` item through the line before the next stage or top-level key. */
export interface StageBlock {
  spec: StageSpec;
  startLine: number;
  endLine: number;
}

export function stageBlocks(spec: PipelineSpec, text: string): StageBlock[] {
  const lines = text.split(/\r?\n/);
  const topKeys: number[] = [];
  lines.forEach((l, k) => {
    if (/^[A-Za-z_"'][^:#]*:/.test(l)) topKeys.push(k + 1);
  });
  const all = [...spec.feature, ...spec.training, ...spec.inference].sort((a, b) => a.range.start.line - b.range.start.line);
  return all.map((s, k) => {
    const start = s.range.start.line;
    const nextStage = k + 1 < all.length ? all[k + 1].range.start.line : lines.length + 1;
    const nextKey = topKeys.find((l) => l > start) ?? lines.length + 1;
    return { spec: s, startLine: start, endLine: Math.min(nextStage, nextKey) - 1 };
  });
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
  /** The stage (by name) it stops before. */
  stage: string;
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
    const isPipeline = key === path.resolve(this.spec.file);
    for (const bp of bps) {
      const id = this.nextId++;
      if (!isPipeline) {
        results.push({
          id,
          verified: false,
          line: bp.line,
          message: `breakpoints go on a stage line of the pipeline file (${path.basename(this.spec.file)}); stopping inside stage code is not supported`,
        });
        continue;
      }
      const block = this.blocks.find((b) => bp.line >= b.startLine && bp.line <= b.endLine);
      if (!block) {
        results.push({ id, verified: false, line: bp.line, message: 'no stage on this line: breakpoints go on a stage' });
        continue;
      }
      const r = this.resolve(id, block.spec, bp);
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
      const stage =
        all.find((s) => s.name === name) ??
        (['feature', 'training', 'inference'].includes(name) ? all.find((s) => s.section === name && this.runStages.has(s.name)) : undefined);
      if (!stage) {
        const known = all.map((s) => s.name).join(', ');
        return { id, verified: false, message: `no stage or section named '${name}' (stages: ${known || 'none'})` };
      }
      const r = this.resolve(id, stage, bp, true);
      if (r.active) this.fn.push(r.active);
      return r.result;
    });
  }

  /** Every breakpoint (source and function) on this stage, in id order. */
  on(stage: string): ActiveBreakpoint[] {
    const out: ActiveBreakpoint[] = [];
    for (const list of this.byFile.values()) for (const b of list) if (b.stage === stage) out.push(b);
    for (const b of this.fn) if (b.stage === stage) out.push(b);
    return out;
  }

  hasAny(stage: string): boolean {
    return this.on(stage).some((b) => !b.log);
  }

  private resolve(id: number, s: StageSpec, bp: SourceBreakpoint | FunctionBreakpoint, isFunction = false): Resolved {
    const where = { line: s.nameRange.start.line, column: s.nameRange.start.col, endLine: s.nameRange.end.line, endColumn: s.nameRange.end.col };
    if (!this.runStages.has(s.name)) {
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
        active: { id, stage: s.name, condition: bp.condition?.trim() || undefined, hit, log, hits: 0, line: where.line, isFunction },
      };
    } catch (e) {
      return { result: { id, verified: false, ...where, message: (e as Error).message } };
    }
  }
}

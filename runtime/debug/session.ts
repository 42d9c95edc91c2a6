// One debug session: loads a pipeline, runs it under a Controller that stops where the
// user asked (breakpoints, steps, pause, exception filters), and answers the adapter's
// questions about the current stop (frames, scopes, variables, evaluate, completions).
// Transport-free: host.ts wires it to the IPC channel; tests may drive it directly.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadPipeline, resolveStopAfter, runStages } from '../spec';
import type { PipelineSpec, StageSpec } from '../spec/types';
import { checkParams } from '../spec/check-with';
import { runPipeline, resolveStages } from '../engine/run';
import type { Controller, Directive, PointBase } from '../engine/controller';
import type { EngineEvent } from '../engine/events';
import { Monitor } from '../monitor';
import { Store } from '../store';
import type { StageDef } from '../stages/types';
import { compareTables } from '../table/compare';
import type { Table } from '../table/table';
import { PipelineError, formatDiagnostic, errorMessage } from '../errors';
import type * as P from './protocol';
import { BreakpointTable, stageBlocks, type ActiveBreakpoint } from './breakpoints';
import { RUN_FREE, planFor, stopsAt, type Plan, type Where } from './stepping';
import { RefTable, pageRange } from './refs';
import { TableCache, shapeText, tableVariable, columnVariable } from './table-view';
import { childPath, formatScalar, preview, recordChildren, valueVariable, type VarEnv } from './variables';
import { ExpressionContext, type Described, type ExprScope } from './expressions';
import { complete } from './completions';
import { Throttle } from './throttle';
import { SECTIONS } from '../vocabulary';

const PIPELINE_FRAME = 1;
const SECTION_FRAME = 100; // + section position
const STAGE_FRAME = 1_000_000; // + stage index
const STEP_FRAME = 2_000_000; // + stage index
const GROUP_FRAME = 3_000_000; // + stage index × MAX_GROUPS + depth of the including stage
const MAX_GROUPS = 16; // more than the loader's include depth limit

/** Everything a stop exposes; the point is live engine data, never copied. */
type StopPoint = PointBase & {
  output?: Table;
  error?: Error;
  attempt?: number;
  delayMs?: number;
  step?: { label: string; index: number; values: Record<string, unknown> };
};

interface Stop {
  where: Where;
  point: StopPoint;
  reason: P.StopReason;
  description: string;
  frames?: P.Frame[];
  expr?: ExpressionContext;
  /** Data warnings that caused a 'data-warning' stop. */
  warnings?: string[];
}

export interface SessionHooks {
  send(e: P.SessionEvent): void;
  /** Called once after 'ended' was sent. */
  ended?(exitCode: number): void;
  /**
   * Whether the session now waits on its client (stopped, or not yet running) rather than
   * on pipeline code. The host keeps its channel from holding the process open only while
   * pipeline code runs, so a stage awaiting a promise nothing can settle shows itself.
   */
  waiting?(onClient: boolean): void;
}

export class DebugSession {
  private spec?: PipelineSpec;
  private text = '';
  /** The text of the pipeline file and of every sub-pipeline file it includes. */
  private texts = new Map<string, string>();
  private config?: P.LaunchConfig;
  private runSpecs: StageSpec[] = [];
  private defs: StageDef[] = [];
  private sections: string[] = [];
  /** Each stage's innermost sub-pipeline group (full name of its including stage), or ''. */
  private groups: string[] = [];
  private bps?: BreakpointTable;
  private pendingSource = new Map<string, P.SourceBreakpoint[]>();
  private pendingFunctions?: P.FunctionBreakpoint[];
  private filters = new Set<P.ExceptionFilter>();
  private stopAfterIndex?: number;
  private plan: Plan = RUN_FREE;
  private current?: Stop;
  private release?: (d: Directive | void) => void;
  private skipBreakpointsAt?: number;
  private readonly refs = new RefTable();
  private readonly cache = new TableCache();
  private readonly env: VarEnv = { refs: this.refs, cache: this.cache };
  /** The input each stage last started with: the "changes versus previous stage" view. */
  private inputs: Table[] = [];
  private warnings = new Map<number, string[]>();
  private series = new Map<string, { step: number; value: number }[]>();
  private readonly monitor = new Monitor();
  private started = false;
  private finished = false;
  /** The stage whose code is running now (between its start and end events). */
  runningStage: string | undefined;
  private progressCount = 0;
  private progressId?: string;
  private readonly monitorThrottle: Throttle;
  private readonly progressThrottle: Throttle;

  constructor(private readonly hooks: SessionHooks) {
    this.monitorThrottle = new Throttle(50, (e) => hooks.send({ event: 'monitor', data: e }));
    this.progressThrottle = new Throttle(100, (e) => hooks.send(e as P.SessionEvent));
  }

  async handle(req: P.Request): Promise<unknown> {
    switch (req.cmd) {
      case 'start':
        return this.start(req.config);
      case 'setBreakpoints':
        return { breakpoints: this.setBreakpoints(req.file, req.breakpoints) };
      case 'setFunctionBreakpoints':
        this.pendingFunctions = req.breakpoints;
        return { breakpoints: this.bps ? this.bps.setFunctions(req.breakpoints) : req.breakpoints.map(() => this.pendingResult()) };
      case 'setExceptionFilters':
        this.filters = new Set(req.filters);
        return {};
      case 'configurationDone':
        this.configurationDone();
        return {};
      case 'resume':
        this.resume(req.kind);
        return {};
      case 'pause':
        if (!this.current && this.started && !this.finished) this.plan = { reason: 'pause', any: true };
        return {};
      case 'restartFrame':
        this.restartFrame(req.frameId);
        return {};
      case 'stackTrace': {
        const frames = this.frames();
        const start = req.startFrame ?? 0;
        const end = req.levels ? start + req.levels : frames.length;
        return { frames: frames.slice(start, end), totalFrames: frames.length };
      }
      case 'scopes':
        return { scopes: this.scopes(req.frameId) };
      case 'variables':
        return { variables: this.refs.get(req.ref).children({ start: req.start, count: req.count, filter: req.filter }) };
      case 'setVariable': {
        const p = this.refs.get(req.ref);
        if (!p.set) throw new Error(`'${req.name}' cannot be changed here: only Params are editable`);
        return p.set(req.name, req.value);
      }
      case 'evaluate':
        return this.evaluate(req.expression);
      case 'completions':
        return { items: this.current ? complete(this.exprOf(this.current), req.text, req.column) : [] };
      case 'exceptionInfo':
        return this.exceptionInfo();
      case 'terminate':
        return {};
    }
  }

  // ---- launch -------------------------------------------------------------------------

  private async start(config: P.LaunchConfig): Promise<P.ResponseBodies['start']> {
    if (this.spec) throw new Error('the session was already started');
    const mode = config.mode ?? 'train';
    if (mode !== 'train' && mode !== 'inference') throw new Error(`mode must be 'train' or 'inference', got '${String(mode)}'`);
    const file = path.resolve(config.pipeline);
    let spec: PipelineSpec;
    try {
      spec = await loadPipeline(file, { overrides: config.params, mode, checkData: !config.data });
    } catch (e) {
      if (e instanceof PipelineError) throw new Error(`${path.basename(file)} has errors:\n${e.diagnostics.map(formatDiagnostic).join('\n')}`);
      throw e;
    }
    this.text = await readFile(file, 'utf8');
    this.texts = await readIncludedTexts(spec, this.text);
    this.runSpecs = runStages(spec, mode);
    this.sections = this.runSpecs.map((s) => s.section);
    this.groups = this.runSpecs.map((s) => s.parents?.at(-1)?.name ?? '');
    this.defs = await resolveStages(this.runSpecs);
    if (config.stopAfterStage !== undefined) {
      // Same names as `plumb run --stop-after`: a stage, or a sub-pipeline stage (its last stage).
      try {
        this.stopAfterIndex = resolveStopAfter(this.runSpecs, config.stopAfterStage, mode).index;
      } catch (e) {
        throw new Error(`stopAfterStage: ${(e as Error).message}`);
      }
    }
    this.spec = spec;
    this.config = { ...config, mode, pipeline: file };
    this.bps = new BreakpointTable(spec, stageBlocks(spec, this.texts), new Set(this.runSpecs.map((s) => s.name)), mode);
    // Breakpoints sent before start: resolve them now and tell the adapter where they went.
    for (const [f, list] of this.pendingSource) for (const r of this.bps.setSource(f, list)) this.hooks.send({ event: 'breakpoint', reason: 'changed', breakpoint: r });
    if (this.pendingFunctions) for (const r of this.bps.setFunctions(this.pendingFunctions)) this.hooks.send({ event: 'breakpoint', reason: 'changed', breakpoint: r });
    if (config.stopOnEntry && !config.noDebug) this.plan = { reason: 'entry', before: () => true };
    return { stages: this.runSpecs.map((s) => ({ name: s.name, section: s.section, line: s.nameRange.start.line, file: this.fileOf(s) })) };
  }

  private fileOf(s: StageSpec): string {
    return s.file ?? this.spec!.file;
  }

  private pendingResult(): P.BreakpointResult {
    return { id: 0, verified: false, message: 'the pipeline is not loaded yet' };
  }

  private setBreakpoints(file: string, list: P.SourceBreakpoint[]): P.BreakpointResult[] {
    if (this.bps) return this.bps.setSource(file, list);
    this.pendingSource.set(path.resolve(file), list);
    return list.map((b) => ({ ...this.pendingResult(), line: b.line }));
  }

  private configurationDone(): void {
    if (!this.spec || !this.config) throw new Error("configurationDone before 'start'");
    if (this.started) return;
    this.started = true;
    void this.run(this.spec, this.config);
  }

  private async run(spec: PipelineSpec, config: P.LaunchConfig): Promise<void> {
    let status: 'ok' | 'failed' | 'cancelled' = 'failed';
    let message: string | undefined;
    let version: number | undefined;
    this.hooks.waiting?.(false);
    try {
      const result = await runPipeline(spec, {
        mode: config.mode,
        version: config.version,
        store: config.store ? new Store(path.resolve(path.dirname(spec.file), config.store)) : undefined,
        data: config.data,
        controller: config.noDebug ? undefined : this.controller(),
        monitor: this.monitor,
        onEvent: (e) => this.onEngineEvent(e),
      });
      status = result.status;
      version = result.version;
      message = result.error ? errorMessage(result.error) : undefined;
    } catch (e) {
      message = `the run could not finish: ${errorMessage(e)}`;
    }
    this.finished = true;
    this.hooks.waiting?.(true);
    this.monitorThrottle.flush();
    this.progressThrottle.flush();
    if (this.progressId) this.hooks.send({ event: 'progressEnd', id: this.progressId });
    const exitCode = status === 'ok' ? 0 : 1;
    this.hooks.send({ event: 'ended', status, exitCode, message, version });
    this.hooks.ended?.(exitCode);
  }

  // ---- the controller -----------------------------------------------------------------

  /**
   * Let the event loop run now and then. A stage's inner steps resolve through microtasks
   * only, so without this a long epoch loop would never let a 'pause' request in.
   */
  private lastBreath = Date.now();
  private async breathe(always = false): Promise<void> {
    if (!always && Date.now() - this.lastBreath < 20) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastBreath = Date.now();
  }

  private controller(): Controller {
    return {
      beforeStage: async (p) => {
        await this.breathe(true);
        const i = p.ref.index;
        this.inputs[i] = p.input;
        this.inputs.length = i + 1;
        const where: Where = { kind: 'before', index: i };
        let hits: ActiveBreakpoint[] = [];
        if (this.skipBreakpointsAt === i) this.skipBreakpointsAt = undefined;
        else hits = this.checkBreakpoints(p);
        const planned = stopsAt(this.plan, where);
        if (!hits.length && !planned) return;
        const fromFunction = hits.length > 0 && hits.every((b) => b.isFunction);
        const reason: P.StopReason = hits.length ? (fromFunction ? 'function breakpoint' : 'breakpoint') : this.plan.reason;
        const what = hits.length ? 'Breakpoint' : reason === 'entry' ? 'Entry' : 'Paused';
        return this.stopHere({ where, point: p, reason, description: `${what} before stage '${p.ref.stage}'` }, hits.map((b) => b.id));
      },
      afterStage: async (p) => {
        await this.breathe(true);
        const i = p.ref.index;
        const where: Where = { kind: 'after', index: i };
        const point: StopPoint = { ...p, attempt: p.attempts };
        const warned = this.filters.has('data-warning') ? (this.warnings.get(i) ?? []) : [];
        if (stopsAt(this.plan, where)) {
          const d = this.plan.reason === 'restart' ? `Re-ran stage '${p.ref.stage}'` : `Paused after stage '${p.ref.stage}'`;
          return this.stopHere({ where, point, reason: this.plan.reason, description: d, warnings: warned.length ? warned : undefined });
        }
        if (warned.length) {
          return this.stopHere({ where, point, reason: 'exception', description: `Data warning in stage '${p.ref.stage}': ${warned.join('; ')}`, warnings: warned });
        }
        if (this.stopAfterIndex === i) {
          return this.stopHere({ where, point, reason: 'step', description: `Paused after stage '${p.ref.stage}' (stopAfterStage)` });
        }
      },
      atStep: async (p) => {
        await this.breathe();
        const where: Where = { kind: 'step', index: p.ref.index };
        if (!stopsAt(this.plan, where)) return;
        const step = { label: p.label, index: p.index, values: p.values };
        return this.stopHere({ where, point: { ...p, step }, reason: this.plan.reason, description: `Paused at ${p.label} of stage '${p.ref.stage}'` });
      },
      retryAttempt: async (p) => {
        const where: Where = { kind: 'retry', index: p.ref.index };
        const filtered = this.filters.has('retry-attempt');
        if (!filtered && !stopsAt(this.plan, where)) return;
        const text = `Attempt ${p.attempt} of stage '${p.ref.stage}' failed: ${p.error.name}: ${p.error.message}; retrying in ${Math.round(p.delayMs)} ms`;
        return this.stopHere({ where, point: { ...p, attempt: p.attempt, delayMs: p.delayMs }, reason: filtered ? 'exception' : this.plan.reason, description: text });
      },
      stageFailed: async (p) => {
        if (!this.filters.has('stage-failed')) return;
        const cause = (p.error as { cause?: unknown }).cause;
        const err = cause instanceof Error ? cause : p.error;
        return this.stopHere({
          where: { kind: 'failed', index: p.ref.index },
          point: { ...p, error: err, attempt: p.attempts },
          reason: 'exception',
          description: `Stage '${p.ref.stage}' failed: ${err.name}: ${err.message}`,
        });
      },
    };
  }

  private stopHere(stop: Stop, hitBreakpointIds?: number[]): Promise<Directive | void> {
    this.current = stop;
    this.plan = RUN_FREE;
    this.progressThrottle.flush();
    this.monitorThrottle.flush();
    const frame = this.frames()[0];
    this.hooks.send({
      event: 'stopped',
      reason: stop.reason,
      description: stop.description,
      text: stop.reason === 'exception' ? stop.description : undefined,
      hitBreakpointIds: hitBreakpointIds?.length ? hitBreakpointIds : undefined,
      file: frame.file,
      line: frame.line,
    });
    this.hooks.waiting?.(true);
    return new Promise((resolve) => (this.release = resolve));
  }

  private go(d: Directive | void, plan: Plan): void {
    const release = this.release;
    this.current = undefined;
    this.release = undefined;
    this.refs.reset();
    this.plan = plan;
    this.hooks.send({ event: 'continued' });
    this.hooks.waiting?.(false);
    release?.(d);
  }

  private stopped(): Stop {
    if (!this.current) throw new Error(this.finished ? 'the run has ended' : 'the run is not stopped');
    return this.current;
  }

  private resume(kind: P.StepKind): void {
    const { where } = this.stopped();
    const i = where.index;
    // Going back counts as arriving at the target stage: its breakpoints are evaluated
    // (hit counts grow) and the run stops there in any case.
    if (kind === 'stepBack') {
      const target = where.kind === 'before' ? Math.max(0, i - 1) : i;
      return this.go({ action: 'goto', index: target }, { reason: 'step', before: (j) => j === target });
    }
    if (kind === 'reverseContinue') {
      const last = where.kind === 'before' ? i - 1 : i;
      let target = 0;
      for (let j = last; j >= 0; j--) {
        if (this.bps?.hasAny(this.runSpecs[j].name)) {
          target = j;
          break;
        }
      }
      const hasBp = this.bps?.hasAny(this.runSpecs[target].name) ?? false;
      return this.go({ action: 'goto', index: target }, { reason: hasBp ? 'breakpoint' : 'step', before: (j) => j === target });
    }
    this.go(undefined, planFor(kind, where, this.sections, this.groups));
  }

  private restartFrame(frameId: number): void {
    const { where } = this.stopped();
    const i = where.index;
    if (frameId !== STAGE_FRAME + i && frameId !== STEP_FRAME + i) {
      throw new Error('only the current stage can be restarted: pick its frame (the one named after the stage)');
    }
    const plan: Plan = { reason: 'restart', after: i };
    if (where.kind === 'before') return this.go(undefined, plan);
    this.skipBreakpointsAt = i;
    this.go({ action: 'rerun' }, plan);
  }

  // ---- breakpoints --------------------------------------------------------------------

  /** The breakpoints that stop before this stage; logpoints print on the way. */
  private checkBreakpoints(p: PointBase): ActiveBreakpoint[] {
    const list = this.bps?.on(p.ref.stage) ?? [];
    if (!list.length) return [];
    const spec = this.runSpecs[p.ref.index];
    let expr: ExpressionContext | undefined;
    const ctx = (): ExpressionContext => (expr ??= new ExpressionContext(this.scopeOf(p), this.cache));
    const hits: ActiveBreakpoint[] = [];
    for (const b of list) {
      if (b.condition) {
        try {
          if (!ctx().test(b.condition)) continue;
        } catch (e) {
          // Like VS Code for JavaScript: a condition that throws stops, and says why.
          this.hooks.send({
            event: 'output',
            category: 'important',
            text: `Breakpoint condition '${b.condition}' on stage '${p.ref.stage}' failed: ${errorMessage(e)}; stopping anyway\n`,
            file: this.fileOf(spec),
            line: spec.nameRange.start.line,
          });
        }
      }
      b.hits++;
      if (b.hit && !b.hit(b.hits)) continue;
      if (b.log) {
        const text = b.log.map((part) => ('text' in part ? part.text : this.formatLogPart(ctx(), part.expr))).join('');
        this.hooks.send({ event: 'output', category: 'console', text: `${text}\n`, file: b.file, line: b.line });
        continue;
      }
      hits.push(b);
    }
    return hits;
  }

  private formatLogPart(ctx: ExpressionContext, expr: string): string {
    try {
      const d = ctx.evaluate(expr);
      return this.describedText(ctx, d);
    } catch (e) {
      return `<${errorMessage(e)}>`;
    }
  }

  private describedText(ctx: ExpressionContext, d: Described): string {
    switch (d.kind) {
      case 'table':
        return shapeText(ctx.table(d.t)!);
      case 'column': {
        const c = ctx.table(d.t)!.column(d.c);
        return `${c.name}: ${this.cache.describe(c)}`;
      }
      case 'value':
        return d.type === 'string' ? (JSON.parse(d.text) as string) : d.text;
      case 'json':
        return preview(JSON.parse(d.json));
    }
  }

  // ---- stack, scopes, variables -------------------------------------------------------

  private frames(): P.Frame[] {
    const stop = this.stopped();
    if (stop.frames) return stop.frames;
    const spec = this.spec!;
    const i = stop.where.index;
    const s = this.runSpecs[i];
    const file = spec.file;
    const stageFile = this.fileOf(s);
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
    const sectionPos = SECTIONS.indexOf(s.section);
    const sectionLine = this.text.split(/\r?\n/).findIndex((l) => new RegExp(`^${s.section}\\s*:`).test(l)) + 1;
    frames.push({ id: SECTION_FRAME + sectionPos, name: s.section, kind: 'section', file, line: sectionLine || at.line, column: 1, endLine: sectionLine || at.line, endColumn: s.section.length + 1, presentationHint: 'subtle' });
    const pl = spec.nameRange;
    frames.push({
      id: PIPELINE_FRAME,
      name: `${spec.name} (${this.config!.mode})`,
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

  private scopes(frameId: number): P.Scope[] {
    const stop = this.stopped();
    const p = stop.point;
    const i = stop.where.index;
    const scope = (name: string, children: () => P.Variable[], extra: Partial<P.Scope> = {}): P.Scope => ({
      name,
      ref: this.refs.add({ children: (req) => (req.filter === 'indexed' ? [] : children()) }),
      expensive: false,
      ...extra,
    });
    if (frameId === STEP_FRAME + i && p.step) {
      const step = p.step;
      return [scope('Step', () => [valueVariable(this.env, 'label', step.label, 'step.label'), valueVariable(this.env, 'index', step.index, 'step.index'), ...recordChildren(this.env, step.values, 'step.values')], { presentationHint: 'locals' })];
    }
    if (frameId === PIPELINE_FRAME) {
      const spec = this.spec!;
      return [scope('Pipeline', () => recordChildren(this.env, { name: spec.name, mode: this.config!.mode, file: spec.file, params: spec.params, stages: this.runSpecs.map((s) => `${s.section}/${s.name}`) }))];
    }
    const group = frameId >= GROUP_FRAME + i * MAX_GROUPS && frameId < GROUP_FRAME + (i + 1) * MAX_GROUPS ? this.runSpecs[i].parents?.[frameId - GROUP_FRAME - i * MAX_GROUPS] : undefined;
    if (group) {
      const inside = this.runSpecs.filter((x) => x.name.startsWith(`${group.name}/`));
      return [scope('Sub-pipeline', () => recordChildren(this.env, { stage: group.name, uses: group.uses, file: path.resolve(path.dirname(group.file), group.uses), stages: inside.map((x) => x.name) }))];
    }
    if (frameId >= SECTION_FRAME && frameId < SECTION_FRAME + SECTIONS.length) {
      const section = SECTIONS[frameId - SECTION_FRAME];
      return [scope('Stages', () => this.runSpecs.filter((s) => s.section === section).map((s) => valueVariable(this.env, s.name, s.uses)))];
    }
    if (frameId !== STAGE_FRAME + i) throw new Error(`unknown frame ${frameId}`);

    const out: P.Scope[] = [scope('Input', () => [tableVariable(this.env, 'input', p.input, 'input')], { namedVariables: 1, presentationHint: 'arguments' })];
    if (p.output) out.push(scope('Output', () => [tableVariable(this.env, 'output', p.output!, 'output')], { namedVariables: 1, presentationHint: 'locals' }));
    if (p.tables.size) out.push(scope('Tables', () => [...p.tables].map(([k, t]) => tableVariable(this.env, k, t, childPath('tables', k)))));
    const before = p.output ? p.input : i > 0 ? this.inputs[i - 1] : undefined;
    const after = p.output ?? p.input;
    if (before) out.push(scope('Changes', () => changesVariables(this.env, before, after), { expensive: true }));
    out.push({ name: 'Params', ref: this.paramsRef(i, p.params), expensive: false, namedVariables: Object.keys(p.params).length });
    out.push(scope('State', () => recordChildren(this.env, p.states as Record<string, unknown>, 'state'), { namedVariables: Object.keys(p.states).length }));
    out.push(scope('Metrics', () => this.metricVariables(p.metrics), { namedVariables: Object.keys(p.metrics).length }));
    if (p.model) out.push(scope('Model', () => recordChildren(this.env, p.model as unknown as Record<string, unknown>, 'model')));
    return out;
  }

  private paramsRef(i: number, params: Record<string, unknown>): number {
    const def = this.defs[i];
    const spec = this.runSpecs[i];
    const variable = (k: string): P.Variable => ({ ...valueVariable(this.env, k, params[k], childPath('params', k)), editable: true });
    return this.refs.add({
      children: (req) => (req.filter === 'indexed' ? [] : Object.keys(params).map(variable)),
      set: (name, text) => {
        let value: unknown;
        try {
          value = text.trim() === '' ? '' : parseYaml(text);
        } catch (e) {
          throw new Error(`'${text}' is not a valid YAML or JSON value: ${errorMessage(e)}`);
        }
        const next = { ...params, [name]: value };
        const problems = def.params ? checkParams(def.params, next, spec.uses) : [];
        if (problems.length) throw new Error(`cannot set ${name} of stage '${spec.name}' (${spec.uses}): ${problems.map((x) => x.message).join('; ')}`);
        // The engine runs the stage with this very object: the edit applies on its next run.
        params[name] = value;
        return variable(name);
      },
    });
  }

  private metricVariables(metrics: Readonly<Record<string, number>>): P.Variable[] {
    return Object.keys(metrics).map((name) => {
      const series = this.series.get(name) ?? [];
      const ref = series.length
        ? this.refs.add({
            children: (req) => {
              if (req.filter === 'named') return [];
              const { start, end } = pageRange(series.length, req);
              return series.slice(start, end).map((pt) => ({ name: `step ${pt.step}`, value: formatScalar(pt.value), type: 'number', ref: 0 }));
            },
          })
        : 0;
      return { name, value: formatScalar(metrics[name]), type: 'number', ref, indexedVariables: series.length, evaluateName: childPath('metrics', name) };
    });
  }

  // ---- expressions --------------------------------------------------------------------

  private scopeOf(p: StopPoint): ExprScope {
    const tables = new Map<string, Table>([['input', p.input]]);
    if (p.output) tables.set('output', p.output);
    for (const [k, t] of p.tables) tables.set(`tables.${k}`, t);
    const values: Record<string, unknown> = {
      params: p.params,
      state: p.states,
      metrics: p.metrics,
      model: p.model,
      stage: { ...p.ref },
      attempt: p.attempt ?? 1,
    };
    if (p.step) values.step = { label: p.step.label, index: p.step.index, ...p.step.values };
    if (p.error) values.error = { name: p.error.name, message: p.error.message };
    return { tables, values };
  }

  private exprOf(stop: Stop): ExpressionContext {
    return (stop.expr ??= new ExpressionContext(this.scopeOf(stop.point), this.cache));
  }

  private evaluate(expression: string): P.EvaluateResult {
    const stop = this.stopped();
    const ctx = this.exprOf(stop);
    const d = ctx.evaluate(expression);
    switch (d.kind) {
      case 'table': {
        const v = tableVariable(this.env, expression, ctx.table(d.t)!, expression);
        return { result: v.value, type: 'Table', ref: v.ref, namedVariables: v.namedVariables };
      }
      case 'column': {
        const v = columnVariable(this.env, ctx.table(d.t)!.column(d.c), expression);
        return { result: v.value, type: 'Column', ref: v.ref, namedVariables: v.namedVariables };
      }
      case 'value':
        return { result: d.text, type: d.type, ref: 0 };
      case 'json': {
        const value = JSON.parse(d.json, (_k, x: unknown) => {
          const o = x as { $table?: string; $column?: string } | null;
          if (o && typeof o === 'object' && typeof o.$table === 'string') {
            const t = ctx.table(o.$table);
            if (t) return o.$column !== undefined ? `${o.$column}: ${this.cache.describe(t.column(o.$column))}` : t;
          }
          return x;
        }) as unknown;
        const v = valueVariable(this.env, expression, value, expression);
        return { result: v.value, type: d.type, ref: v.ref, namedVariables: v.namedVariables, indexedVariables: v.indexedVariables };
      }
    }
  }

  private exceptionInfo(): P.ExceptionInfo {
    const stop = this.stopped();
    const p = stop.point;
    const ref = p.ref;
    const rec = this.monitor.record.stages.find((s) => s.index === ref.index);
    const attempts = (rec?.attempts ?? []).map((a) => ({
      attempt: a.attempt,
      ok: a.ok,
      durationMs: a.durationMs,
      error: a.error ? `${a.error.name}: ${a.error.message}` : undefined,
      delayMs: a.delayMs,
    }));
    if (p.error) {
      return {
        exceptionId: p.error.name,
        description: p.error.message,
        breakMode: stop.where.kind === 'failed' ? 'unhandled' : 'always',
        details: { message: p.error.message, typeName: p.error.name, stackTrace: p.error.stack, stage: ref.stage, attempts },
      };
    }
    if (stop.warnings?.length) {
      const text = stop.warnings.join('\n');
      return { exceptionId: 'DataWarning', description: text, breakMode: 'always', details: { message: text, typeName: 'DataWarning', stage: ref.stage, attempts } };
    }
    throw new Error('no exception at this stop');
  }

  // ---- engine events ------------------------------------------------------------------

  // The engine records every event in this.monitor (passed to runPipeline) before this runs.
  private onEngineEvent(e: EngineEvent): void {
    if (e.type === 'progress' || e.type === 'step') this.monitorThrottle.push(`${e.type}:${e.ref.index}`, e);
    else {
      // Pending progress/step values belong before the stage's end; metrics and logs may pass them.
      if (e.type !== 'metric' && e.type !== 'log') this.monitorThrottle.flush();
      this.hooks.send({ event: 'monitor', data: e });
    }
    // A stage's output points at its own file: a sub-pipeline stage's is the sub file.
    const stage = 'ref' in e && e.ref ? this.runSpecs[e.ref.index] : undefined;
    const file = stage ? this.fileOf(stage) : this.spec?.file;
    const lineOf = (r?: { line: number }): number | undefined => r?.line;
    switch (e.type) {
      case 'stage-start':
        this.runningStage = e.ref.stage;
        this.warnings.set(e.ref.index, []);
        this.progressId = `stage-${++this.progressCount}`;
        this.hooks.send({ event: 'progressStart', id: this.progressId, title: `Stage '${e.ref.stage}' (${e.ref.uses})`, message: `${e.rowsIn} rows in` });
        break;
      case 'stage-end':
      case 'stage-error':
        this.runningStage = undefined;
        this.progressThrottle.flush();
        if (this.progressId) {
          this.hooks.send({ event: 'progressEnd', id: this.progressId, message: e.type === 'stage-end' ? `${e.rowsOut} rows out` : 'failed' });
          this.progressId = undefined;
        }
        if (e.type === 'stage-error') {
          this.hooks.send({ event: 'output', category: 'stderr', text: `stage '${e.ref.stage}' failed after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}: ${e.error.message}\n`, file, line: e.ref.line });
        }
        break;
      case 'progress':
        if (this.progressId) this.progressThrottle.push('p', { event: 'progressUpdate', id: this.progressId, percentage: Math.round(e.fraction * 100), message: e.message });
        break;
      case 'step':
        if (this.progressId) this.progressThrottle.push('p', { event: 'progressUpdate', id: this.progressId, message: stepName(e.label, e.values) });
        break;
      case 'log':
        this.hooks.send({ event: 'output', category: 'console', text: `[${e.ref?.stage ?? this.spec?.name ?? 'pipeline'}] ${e.message}\n`, file, line: lineOf(e.ref) });
        break;
      case 'warning':
        if (e.ref) this.warnings.get(e.ref.index)?.push(e.message);
        this.hooks.send({ event: 'output', category: 'stderr', text: `warning${e.ref ? ` in stage '${e.ref.stage}'` : ''}: ${e.message}\n`, file, line: lineOf(e.ref) });
        break;
      case 'attempt-end':
        if (!e.ok && e.retryInMs !== undefined) {
          this.hooks.send({
            event: 'output',
            category: 'console',
            text: `stage '${e.ref.stage}' attempt ${e.attempt} failed: ${e.error?.name}: ${e.error?.message}; retrying in ${Math.round(e.retryInMs)} ms\n`,
            file,
            line: e.ref.line,
          });
        }
        break;
      case 'metric': {
        let s = this.series.get(e.name);
        if (!s) this.series.set(e.name, (s = []));
        s.push({ step: e.step, value: e.value });
        break;
      }
    }
  }
}

/** The texts of the files the pipeline's stages are written in (the pipeline file's is known). */
async function readIncludedTexts(spec: PipelineSpec, pipelineText: string): Promise<Map<string, string>> {
  const texts = new Map([[spec.file, pipelineText]]);
  for (const s of [...spec.feature, ...spec.training, ...spec.inference]) {
    for (const f of [s.file, ...(s.parents ?? []).map((p) => p.file)]) {
      if (f && !texts.has(f)) texts.set(f, await readFile(f, 'utf8').catch(() => ''));
    }
  }
  return texts;
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

function changesVariables(env: VarEnv, before: Table, after: Table): P.Variable[] {
  const c = compareTables(before, after);
  const v = (name: string, value: unknown): P.Variable => valueVariable(env, name, value);
  const gained = c.missingChanged.filter((m) => m.after > m.before);
  const lost = c.missingChanged.filter((m) => m.after < m.before);
  return [
    { name: 'rows', value: `${c.rowsBefore} → ${c.rowsAfter}`, type: 'string', ref: 0 },
    v('rows dropped', c.rowsDropped),
    v('rows added', c.rowsAdded),
    v('columns added', c.columnsAdded),
    v('columns removed', c.columnsRemoved),
    v('types changed', Object.fromEntries(c.typesChanged.map((t) => [t.name, `${t.from} → ${t.to}`]))),
    v('missing gained', Object.fromEntries(gained.map((m) => [m.name, `${m.before} → ${m.after}`]))),
    v('missing lost', Object.fromEntries(lost.map((m) => [m.name, `${m.before} → ${m.after}`]))),
  ];
}

// One debug session: answers the adapter's requests. It launches the pipeline (launch.ts)
// and runs it with the engine under a RunControl (run-control.ts: breakpoints, steps,
// pause, exception filters); what the current stop shows comes from frames.ts, scopes.ts,
// evaluate.ts, completions.ts and exception-info.ts; engine events reach the adapter
// through an EventRelay (event-relay.ts).
// Transport-free: host.ts wires it to the IPC channel; tests may drive it directly.
import * as path from 'node:path';
import { runPipeline } from '../engine/run';
import { Monitor } from '../monitor';
import { Store } from '../store';
import { errorMessage } from '../errors';
import type * as P from './protocol';
import { BreakpointTable, stageBlocks } from './breakpoints';
import { RefTable } from './refs';
import { TableCache, type VarEnv } from './table-view';
import { complete } from './completions';
import { loadRun, fileOf, type LoadedRun } from './launch';
import { EventRelay } from './event-relay';
import { RunControl } from './run-control';
import { stackFrames } from './frames';
import { scopesOf } from './scopes';
import { evaluateAt, exprOf } from './evaluate';
import { exceptionInfoOf } from './exception-info';

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
  private run?: LoadedRun;
  private bps?: BreakpointTable;
  private pendingSource = new Map<string, P.SourceBreakpoint[]>();
  private pendingFunctions?: P.FunctionBreakpoint[];
  private readonly refs = new RefTable();
  private readonly cache = new TableCache();
  private readonly env: VarEnv = { refs: this.refs, cache: this.cache };
  private readonly monitor = new Monitor();
  private readonly relay: EventRelay;
  private readonly control: RunControl;
  private started = false;

  constructor(private readonly hooks: SessionHooks) {
    this.relay = new EventRelay((e) => hooks.send(e));
    this.control = new RunControl(hooks, this.relay, this.refs, this.cache);
  }

  /** The stage whose code is running now (between its start and end events). */
  get runningStage(): string | undefined {
    return this.relay.runningStage;
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
        this.control.filters = new Set(req.filters);
        return {};
      case 'configurationDone':
        this.configurationDone();
        return {};
      case 'resume':
        this.control.resume(req.kind);
        return {};
      case 'pause':
        this.control.pause(this.started);
        return {};
      case 'restartFrame':
        this.control.restartFrame(req.frameId);
        return {};
      case 'stackTrace': {
        const frames = stackFrames(this.run!, this.control.stopped());
        const start = req.startFrame ?? 0;
        const end = req.levels ? start + req.levels : frames.length;
        return { frames: frames.slice(start, end), totalFrames: frames.length };
      }
      case 'scopes':
        return { scopes: scopesOf({ run: this.run!, env: this.env, inputs: this.control.inputs, series: this.relay.series }, this.control.stopped(), req.frameId) };
      case 'variables':
        return { variables: this.refs.get(req.ref).children({ start: req.start, count: req.count, filter: req.filter }) };
      case 'setVariable': {
        const p = this.refs.get(req.ref);
        if (!p.set) throw new Error(`'${req.name}' cannot be changed here: only Params are editable`);
        return p.set(req.name, req.value);
      }
      case 'evaluate':
        return evaluateAt(this.env, this.control.stopped(), req.expression);
      case 'completions': {
        const stop = this.control.stop;
        return { items: stop ? complete(exprOf(stop, this.cache), req.text, req.column) : [] };
      }
      case 'exceptionInfo':
        return exceptionInfoOf(this.control.stopped(), this.monitor);
      case 'terminate':
        return {};
    }
  }

  // ---- launch -------------------------------------------------------------------------

  private async start(config: P.LaunchConfig): Promise<P.ResponseBodies['start']> {
    if (this.run) throw new Error('the session was already started');
    const run = await loadRun(config);
    this.run = run;
    this.relay.run = run;
    this.control.run = run;
    this.bps = new BreakpointTable(run.spec, stageBlocks(run.spec, run.texts), new Set(run.runSpecs.map((s) => s.name)), run.config.mode);
    this.control.bps = this.bps;
    // Breakpoints sent before start: resolve them now and tell the adapter where they went.
    for (const [f, list] of this.pendingSource) for (const r of this.bps.setSource(f, list)) this.hooks.send({ event: 'breakpoint', reason: 'changed', breakpoint: r });
    if (this.pendingFunctions) for (const r of this.bps.setFunctions(this.pendingFunctions)) this.hooks.send({ event: 'breakpoint', reason: 'changed', breakpoint: r });
    if (config.stopOnEntry && !config.noDebug) this.control.plan = { reason: 'entry', before: () => true };
    return { stages: run.runSpecs.map((s) => ({ name: s.name, section: s.section, line: s.nameRange.start.line, file: fileOf(run, s) })) };
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
    if (!this.run) throw new Error("configurationDone before 'start'");
    if (this.started) return;
    this.started = true;
    void this.runPipeline(this.run);
  }

  // ---- running ------------------------------------------------------------------------

  private async runPipeline({ spec, config }: LoadedRun): Promise<void> {
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
        controller: config.noDebug ? undefined : this.control.controller(),
        monitor: this.monitor,
        onEvent: (e) => this.relay.onEngineEvent(e),
      });
      status = result.status;
      version = result.version;
      message = result.error ? errorMessage(result.error) : undefined;
    } catch (e) {
      message = `the run could not finish: ${errorMessage(e)}`;
    }
    this.control.finished = true;
    this.hooks.waiting?.(true);
    this.relay.end();
    const exitCode = status === 'ok' ? 0 : 1;
    this.hooks.send({ event: 'ended', status, exitCode, message, version });
    this.hooks.ended?.(exitCode);
  }
}

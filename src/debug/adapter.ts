// The debug adapter: DAP requests in, session-protocol commands out; session events in,
// DAP events out. All pipeline logic (breakpoint mapping, stepping, variables, evaluate)
// lives in the session host (runtime/debug), which runs in its own child process so a
// hung or crashing stage never blocks this process. See runtime/debug/protocol.ts.
import * as path from 'node:path';
import {
  BreakpointEvent,
  ContinuedEvent,
  Event,
  ExitedEvent,
  InitializedEvent,
  Logger,
  LoggingDebugSession,
  OutputEvent,
  ProgressEndEvent,
  ProgressStartEvent,
  ProgressUpdateEvent,
  StoppedEvent,
  TerminatedEvent,
  Thread,
  logger,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type * as P from '../../runtime/debug/protocol';
import * as T from './translate';
import type { PlumbLaunchArguments } from './translate';

export type { PlumbLaunchArguments } from './translate';

/** The part of runtime/debug/client.ts's SessionClient the adapter uses. */
export interface HostClient {
  request<K extends P.Request['cmd']>(req: Extract<P.Request, { cmd: K }>): Promise<P.ResponseBodies[K]>;
  on(event: 'event', listener: (e: P.SessionEvent) => void): unknown;
  on(event: 'ended', listener: (info?: unknown) => void): unknown;
  terminate(): Promise<void>;
  readonly pid?: number;
  /** True once the host process is gone. */
  readonly exited?: boolean;
}

export interface HostStartOptions {
  hostPath?: string;
  cwd?: string;
  /** --max-old-space-size of the host (launch argument `maxMemoryMb`). */
  maxOldSpaceMb?: number;
}

export interface PlumbDebugSessionOptions {
  /** Starts a session host (SessionClient.start in production). */
  startHost: (opts: HostStartOptions) => Promise<HostClient>;
  /** dist/session-host.js; the client's default when omitted. */
  hostPath?: string;
}

const THREAD_ID = 1;
/**
 * A host inside a stage that never yields (a synchronous loop) cannot answer; the client's
 * pause must still get an answer rather than hang.
 */
const PAUSE_ANSWER_MS = 1000;

/** One launched host and what belongs to it; replaced wholesale on restart. */
interface Run {
  client: HostClient;
  /** Set once the run has been reported over (Exited/Terminated) or replaced. */
  finished: boolean;
  /** An adapter-initiated resume is in flight: the host's 'continued' echo is dropped. */
  resuming: boolean;
  /** Set while we end the host ourselves, so its death is not "unexpected". */
  ending: boolean;
  /**
   * Events held back while a resume request awaits its response: the host's 'stopped'
   * can overtake the response on the IPC channel, and DAP clients expect the response first.
   */
  held: DebugProtocol.Event[] | undefined;
  /** The stage running now (from the host's monitor events), named when the host is stuck. */
  stage?: string;
  /** Ended without being reported (restart): its run's final run-end still reaches the client. */
  passRunEnd?: boolean;
}

export class PlumbDebugSession extends LoggingDebugSession {
  private readonly options: PlumbDebugSessionOptions;
  private clientCaps: DebugProtocol.InitializeRequestArguments = { adapterID: 'plumb' };
  private run: Run | undefined;
  private launchArgs: PlumbLaunchArguments | undefined;
  private pipelineName = 'pipeline';
  /** Remembered so a restart can re-send them to the new host. */
  private readonly sourceBreakpoints = new Map<string, P.SourceBreakpoint[]>();
  private functionBps: P.FunctionBreakpoint[] = [];
  private exceptionFilterIds: P.ExceptionFilter[] | undefined;
  private configurationDone = false;
  /** Ids the client knows, per file, in the order it set them (function breakpoints under ''). */
  private readonly clientBpIds = new Map<string, number[]>();
  /** After a restart the new host numbers breakpoints afresh: its id → the id the client knows. */
  private readonly bpIdToClient = new Map<number, number>();
  private readonly coords: T.Coords;

  constructor(options: PlumbDebugSessionOptions) {
    super();
    this.options = options;
    // The host speaks 1-based lines and columns, like the pipeline file's positions.
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.coords = {
      lineToClient: (l) => this.convertDebuggerLineToClient(l),
      columnToClient: (c) => this.convertDebuggerColumnToClient(c),
      lineFromClient: (l) => this.convertClientLineToDebugger(l),
      columnFromClient: (c) => this.convertClientColumnToDebugger(c),
    };
  }

  // ---- life cycle ----------------------------------------------------------------------

  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    super.start(inStream, outStream);
    // LoggingDebugSession logs every message it sends and receives, and the library's logger
    // queues those lines until setup() is called, which nothing else does: without this the
    // queue held every DAP message for the adapter's whole life (the R7 soak found it).
    logger.setup(Logger.LogLevel.Stop, false);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientCaps = args;
    response.body = T.capabilities();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: PlumbLaunchArguments): Promise<void> {
    try {
      await this.startRun(args);
      this.sendResponse(response);
      this.sendEvent(new InitializedEvent());
    } catch (err) {
      this.fail(response, err);
    }
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments | undefined): Promise<void> {
    // VS Code sends the (possibly edited) launch configuration; other clients may send nothing.
    const next = (args?.arguments as PlumbLaunchArguments | undefined) ?? this.launchArgs;
    if (!next) return this.fail(response, new Error('restart: the session was never launched'));
    try {
      await this.endRun(false, true);
      await this.startRun(next);
      await this.replayConfiguration();
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err);
      this.reportEnded(1);
    }
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.endRun(true);
    this.sendResponse(response);
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments, request?: DebugProtocol.Request): Promise<void> {
    await this.endRun(true);
    super.disconnectRequest(response, args, request);
  }

  /** The client went away (or SIGTERM): the host never outlives the adapter. */
  override shutdown(): void {
    void this.endRun(false).finally(() => super.shutdown());
  }

  // ---- configuration -------------------------------------------------------------------

  protected override async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    const file = args.source.path ? this.convertClientPathToDebugger(args.source.path) : undefined;
    if (!file) return this.fail(response, new Error('setBreakpoints: the source has no path'));
    const bps = T.sourceBreakpoints(args.breakpoints ?? (args.lines ?? []).map((line) => ({ line })), this.coords);
    this.sourceBreakpoints.set(file, bps);
    await this.forward(response, { cmd: 'setBreakpoints', file, breakpoints: bps }, (body) => {
      this.clientBpIds.set(file, body.breakpoints.map((b) => this.clientId(b.id)));
      return { breakpoints: body.breakpoints.map((b) => this.dapBreakpoint(b, file)) };
    });
  }

  protected override async setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    this.functionBps = T.functionBreakpoints(args.breakpoints);
    await this.forward(response, { cmd: 'setFunctionBreakpoints', breakpoints: this.functionBps }, (body) => {
      this.clientBpIds.set('', body.breakpoints.map((b) => this.clientId(b.id)));
      // Each result names its own file: `prep/scale` lives in the sub-pipeline file.
      return { breakpoints: body.breakpoints.map((b) => this.dapBreakpoint(b, this.launchArgs && this.pipelineFile())) };
    });
  }

  protected override async setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): Promise<void> {
    try {
      this.exceptionFilterIds = T.exceptionFilters(args.filters);
    } catch (err) {
      return this.fail(response, err);
    }
    await this.forward(response, { cmd: 'setExceptionFilters', filters: this.exceptionFilterIds }, () => undefined);
  }

  protected override async configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): Promise<void> {
    this.configurationDone = true;
    await this.forward(response, { cmd: 'configurationDone' }, () => undefined);
  }

  // ---- execution -----------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.run ? [new Thread(THREAD_ID, T.threadName(this.pipelineName, this.launchArgs?.mode))] : [] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    response.body = { allThreadsContinued: true };
    return this.resume(response, 'continue');
  }
  protected override nextRequest(response: DebugProtocol.NextResponse): Promise<void> {
    return this.resume(response, 'next');
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): Promise<void> {
    return this.resume(response, 'stepIn');
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): Promise<void> {
    return this.resume(response, 'stepOut');
  }
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): Promise<void> {
    return this.resume(response, 'stepBack');
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): Promise<void> {
    return this.resume(response, 'reverseContinue');
  }

  protected override async restartFrameRequest(response: DebugProtocol.RestartFrameResponse, args: DebugProtocol.RestartFrameArguments): Promise<void> {
    await this.moving(response, { cmd: 'restartFrame', frameId: args.frameId }, () => undefined);
  }

  protected override async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    const stage = this.run?.stage;
    await this.forward(response, { cmd: 'pause' }, () => undefined, {
      ms: PAUSE_ANSWER_MS,
      error: () =>
        new Error(`cannot pause: ${stage ? `stage '${stage}'` : 'the pipeline'} is running code that does not yield (a synchronous loop?) and the session did not answer within ${PAUSE_ANSWER_MS} ms. Stop ends it.`),
    });
  }

  // ---- inspection ----------------------------------------------------------------------

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    const req: P.Request = { cmd: 'stackTrace' };
    if (args.startFrame !== undefined) req.startFrame = args.startFrame;
    if (args.levels !== undefined && args.levels > 0) req.levels = args.levels;
    await this.forward(response, req, (body) => ({
      stackFrames: body.frames.map((f) => T.frame(f, this.coords)),
      totalFrames: body.totalFrames,
    }));
  }

  protected override async scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): Promise<void> {
    await this.forward(response, { cmd: 'scopes', frameId: args.frameId }, (body) => ({ scopes: body.scopes.map(T.scope) }));
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    const req: P.Request = { cmd: 'variables', ref: args.variablesReference };
    if (args.start !== undefined) req.start = args.start;
    if (args.count !== undefined && args.count > 0) req.count = args.count;
    if (args.filter !== undefined) req.filter = args.filter;
    await this.forward(response, req, (body) => ({ variables: body.variables.map(T.variable) }));
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    await this.forward(response, { cmd: 'setVariable', ref: args.variablesReference, name: args.name, value: args.value }, (v) => {
      return withValueDetails<DebugProtocol.SetVariableResponse['body']>({ value: v.value, variablesReference: v.ref }, v);
    });
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    const req: P.Request = { cmd: 'evaluate', expression: args.expression };
    if (args.frameId !== undefined) req.frameId = args.frameId;
    if (args.context) req.context = args.context as NonNullable<typeof req.context>;
    await this.forward(response, req, (r) =>
      withValueDetails<DebugProtocol.EvaluateResponse['body']>({ result: r.result, variablesReference: r.ref }, r),
    );
  }

  protected override async completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): Promise<void> {
    const req: P.Request = { cmd: 'completions', text: args.text, column: this.convertClientColumnToDebugger(args.column) };
    if (args.frameId !== undefined) req.frameId = args.frameId;
    await this.forward(response, req, (body) => ({ targets: body.items.map((i) => T.completion(i, this.coords)) }));
  }

  protected override async exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): Promise<void> {
    await this.forward(response, { cmd: 'exceptionInfo' }, T.exceptionInfo);
  }

  /**
   * `plumb/adapterMemory`: this process's memory figures, after a full GC when node runs
   * with --expose-gc. For soak tests and diagnostics; changes nothing.
   */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown, request?: DebugProtocol.Request): void {
    if (command !== 'plumb/adapterMemory') return super.customRequest(command, response, args, request);
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) gc();
    response.body = { ...process.memoryUsage(), gcForced: Boolean(gc) };
    this.sendResponse(response);
  }

  // ---- the host ------------------------------------------------------------------------

  private clientId(hostId: number): number {
    return this.bpIdToClient.get(hostId) ?? hostId;
  }

  /** `fallback`: the file to name when the host did not say (a breakpoint it could not place). */
  private dapBreakpoint(b: P.BreakpointResult, fallback: string | undefined): DebugProtocol.Breakpoint {
    return T.breakpoint({ ...b, id: this.clientId(b.id) }, b.file ?? fallback, this.coords);
  }

  private pipelineFile(): string {
    const args = this.launchArgs!;
    return path.resolve(args.cwd ?? process.cwd(), args.pipeline);
  }

  private async startRun(args: PlumbLaunchArguments): Promise<void> {
    const cwd = args.cwd ?? process.cwd();
    const config = T.launchConfig(args, cwd);
    this.launchArgs = args;
    this.pipelineName = T.nameFromFile(config.pipeline);
    const opts: HostStartOptions = { cwd };
    if (this.options.hostPath) opts.hostPath = this.options.hostPath;
    const maxOldSpaceMb = T.hostMemoryLimit(args);
    if (maxOldSpaceMb !== undefined) opts.maxOldSpaceMb = maxOldSpaceMb;
    const client = await this.options.startHost(opts);
    const run: Run = { client, finished: false, resuming: false, ending: false, held: undefined };
    this.run = run;
    client.on('event', (e) => this.onHostEvent(run, e));
    client.on('ended', (info) => this.onHostGone(run, info));
    try {
      const started = (await client.request({ cmd: 'start', config })) as P.ResponseBodies['start'] & { pipeline?: string };
      if (typeof started?.pipeline === 'string') this.pipelineName = started.pipeline;
    } catch (err) {
      run.ending = true;
      run.finished = true;
      this.run = undefined;
      await client.terminate().catch(() => undefined);
      throw err;
    }
    if (client.pid !== undefined) {
      this.sendEvent(new Event('process', { name: config.pipeline, systemProcessId: client.pid, isLocalProcess: true, startMethod: 'launch' }));
    }
  }

  /** After a restart: the new host gets everything the client configured on the old one. */
  private async replayConfiguration(): Promise<void> {
    const client = this.run!.client;
    this.bpIdToClient.clear();
    const remap = (key: string, results: P.BreakpointResult[]): void => {
      const known = this.clientBpIds.get(key) ?? [];
      results.forEach((b, k) => {
        if (known[k] !== undefined) this.bpIdToClient.set(b.id, known[k]);
      });
    };
    for (const [file, breakpoints] of this.sourceBreakpoints) {
      const body = await client.request({ cmd: 'setBreakpoints', file, breakpoints });
      remap(file, body.breakpoints);
      for (const b of body.breakpoints) this.sendEvent(new BreakpointEvent('changed', this.dapBreakpoint(b, file)));
    }
    if (this.functionBps.length) remap('', (await client.request({ cmd: 'setFunctionBreakpoints', breakpoints: this.functionBps })).breakpoints);
    if (this.exceptionFilterIds) await client.request({ cmd: 'setExceptionFilters', filters: this.exceptionFilterIds });
    if (this.configurationDone) await client.request({ cmd: 'configurationDone' });
  }

  /**
   * Ends the current host. `report`: tell the client the session is over. `passRunEnd`:
   * without reporting, still forward the run's final run-end (a restart: the extension's
   * views must see the old run end before the new one starts).
   */
  private async endRun(report: boolean, passRunEnd = false): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.ending = true;
    run.passRunEnd = passRunEnd;
    if (!report) run.finished = true;
    await run.client.terminate().catch(() => undefined);
    if (report) this.finish(run, 0);
    if (this.run === run) this.run = undefined;
  }

  private onHostEvent(run: Run, e: P.SessionEvent): void {
    if (run.finished) {
      if (run.passRunEnd && e.event === 'monitor' && (e.data as { type?: string } | null)?.type === 'run-end') this.sendEvent(new Event('plumb/monitor', e.data));
      return;
    }
    switch (e.event) {
      case 'stopped': {
        run.resuming = false;
        const ev: DebugProtocol.StoppedEvent = new StoppedEvent(e.reason, THREAD_ID);
        ev.body.description = e.description;
        if (e.text !== undefined) ev.body.text = e.text;
        if (e.hitBreakpointIds?.length) ev.body.hitBreakpointIds = e.hitBreakpointIds.map((id) => this.clientId(id));
        ev.body.allThreadsStopped = true;
        this.deliver(run, ev);
        return;
      }
      case 'continued':
        if (!run.resuming) this.deliver(run, new ContinuedEvent(THREAD_ID, true));
        return;
      case 'output': {
        const ev: DebugProtocol.OutputEvent = new OutputEvent(e.text, e.category);
        if (e.file !== undefined) ev.body.source = T.source(e.file);
        if (e.line !== undefined) ev.body.line = this.convertDebuggerLineToClient(e.line);
        this.deliver(run, ev);
        return;
      }
      case 'monitor': {
        const d = e.data as { type?: string; ref?: { stage?: string } } | null;
        if (d?.type === 'stage-start') run.stage = d.ref?.stage;
        else if (d?.type === 'stage-end' || d?.type === 'stage-error' || d?.type === 'run-end') run.stage = undefined;
        this.deliver(run, new Event('plumb/monitor', e.data));
        return;
      }
      case 'progressStart':
        if (this.clientCaps.supportsProgressReporting) this.deliver(run, new ProgressStartEvent(e.id, e.title, e.message));
        return;
      case 'progressUpdate':
        if (this.clientCaps.supportsProgressReporting) {
          const ev: DebugProtocol.ProgressUpdateEvent = new ProgressUpdateEvent(e.id, e.message);
          if (e.percentage !== undefined) ev.body.percentage = e.percentage;
          this.deliver(run, ev);
        }
        return;
      case 'progressEnd':
        if (this.clientCaps.supportsProgressReporting) this.deliver(run, new ProgressEndEvent(e.id, e.message));
        return;
      case 'breakpoint':
        this.deliver(run, new BreakpointEvent(e.reason, this.dapBreakpoint(e.breakpoint, undefined)));
        return;
      case 'ended':
        // An 'ended' that comes after the process is already gone was not sent by the host:
        // the client reports a host that died (killed, crashed) without saying goodbye.
        if (run.client.exited && !run.ending) this.deliver(run, new OutputEvent(`${e.message ?? hostDeathMessage(undefined)}\n`, 'important'));
        else if (e.message && e.status === 'failed') this.deliver(run, new OutputEvent(`${e.message}\n`, 'stderr'));
        this.finish(run, e.exitCode);
        return;
    }
  }

  /** The host process is gone. If nobody asked for that, say so before ending. */
  private onHostGone(run: Run, info: unknown): void {
    if (run.finished) return;
    if (!run.ending) this.deliver(run, new OutputEvent(`${hostDeathMessage(info)}\n`, 'important'));
    this.finish(run, run.ending ? 0 : 1);
  }

  private finish(run: Run, exitCode: number): void {
    if (run.finished) return;
    run.finished = true;
    if (this.run === run) this.run = undefined;
    // The host exits after 'ended'; make sure it really does (a no-op when it already has).
    run.ending = true;
    void run.client.terminate().catch(() => undefined);
    // Held until a pending resume's response has gone out (see moving()).
    this.deliver(run, new ExitedEvent(exitCode));
    this.deliver(run, new TerminatedEvent());
  }

  private reportEnded(exitCode: number): void {
    this.sendEvent(new ExitedEvent(exitCode));
    this.sendEvent(new TerminatedEvent());
  }

  private async resume(response: DebugProtocol.Response, kind: P.StepKind): Promise<void> {
    await this.moving(response, { cmd: 'resume', kind }, () => response.body);
  }

  /** A request that sets the run moving: its response goes out before the stop it causes. */
  private async moving<K extends P.Request['cmd']>(response: DebugProtocol.Response, req: Extract<P.Request, { cmd: K }>, map: (body: P.ResponseBodies[K]) => unknown): Promise<void> {
    const run = this.run;
    if (run) {
      run.resuming = true;
      run.held = [];
    }
    try {
      await this.forward(response, req, map);
    } finally {
      if (run) this.release(run);
    }
  }

  private deliver(run: Run, ev: DebugProtocol.Event): void {
    if (run.held) run.held.push(ev);
    else this.sendEvent(ev);
  }

  private release(run: Run): void {
    const held = run.held;
    run.held = undefined;
    for (const ev of held ?? []) this.sendEvent(ev);
  }

  /** Sends one host request and answers the DAP request with its mapped body or its error. */
  private async forward<K extends P.Request['cmd']>(
    response: DebugProtocol.Response,
    req: Extract<P.Request, { cmd: K }>,
    map: (body: P.ResponseBodies[K]) => unknown,
    timeout?: { ms: number; error: () => Error },
  ): Promise<void> {
    const run = this.run;
    if (!run) return this.fail(response, new Error(`${response.command}: no pipeline is running`));
    try {
      const body = await (timeout ? answerWithin(run.client.request(req), timeout.ms, timeout.error) : run.client.request(req));
      const mapped = map(body);
      if (mapped !== undefined) response.body = mapped;
      this.sendResponse(response);
    } catch (err) {
      if (run.resuming && req.cmd === 'resume') run.resuming = false;
      this.fail(response, err);
    }
  }

  private fail(response: DebugProtocol.Response, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    // DAP substitutes `{name}` from `variables`; with none given, braces stay as written.
    // Views re-read frames and values on their own schedule, so one of those requests
    // arriving just after a step or continue fails harmlessly ("the run is not stopped"):
    // the client shows it in place (or drops it); a notification would be noise.
    const showUser = !QUIET_FAILURES.has(response.command);
    this.sendErrorResponse(response, { id: 1001, format: message, variables: {}, showUser });
  }
}

/** Requests the client makes by itself to refresh views; their failures are not news. */
const QUIET_FAILURES = new Set(['threads', 'stackTrace', 'scopes', 'variables', 'evaluate', 'exceptionInfo', 'completions', 'source']);

/** The request's answer, or `error()` once `ms` have passed (a late answer is dropped). */
function answerWithin<T>(answer: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)));
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

function hostDeathMessage(info: unknown): string {
  if (info && typeof info === 'object') {
    const o = info as { message?: unknown; code?: unknown; signal?: unknown; stderr?: unknown };
    if (typeof o.message === 'string' && o.message) return o.message;
    const how = o.signal ? `signal ${String(o.signal)}` : `exit code ${String(o.code ?? 'unknown')}`;
    const tail = typeof o.stderr === 'string' && o.stderr.trim() ? `: ${o.stderr.trim()}` : '';
    return `The pipeline session ended unexpectedly (${how})${tail}`;
  }
  if (typeof info === 'string' && info) return info;
  return 'The pipeline session ended unexpectedly';
}

interface ValueDetails {
  type?: string;
  namedVariables?: number;
  indexedVariables?: number;
}

/** Adds the value's type and child counts the host sent; absent ones stay out of the body. */
function withValueDetails<B extends ValueDetails>(body: B, details: ValueDetails): B {
  if (details.type !== undefined) body.type = details.type;
  if (details.namedVariables !== undefined) body.namedVariables = details.namedVariables;
  if (details.indexedVariables !== undefined) body.indexedVariables = details.indexedVariables;
  return body;
}

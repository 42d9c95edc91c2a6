// Pure mappings between the session protocol (runtime/debug/protocol.ts) and DAP shapes.
// No pipeline logic lives here: every value comes from the session host; this file only
// renames fields and converts line/column bases to what the client asked for.
import * as path from 'node:path';
import { Breakpoint, Scope, Source, StackFrame, Variable } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type * as P from '../../runtime/debug/protocol';
import type { Mode } from '../../runtime/vocabulary';

/** Line/column conversion between the host's 1-based positions and the client's base. */
export interface Coords {
  lineToClient(line: number): number;
  columnToClient(column: number): number;
  lineFromClient(line: number): number;
  columnFromClient(column: number): number;
}

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'stage-failed', label: 'Stage failed (after retries)', default: true },
  { filter: 'retry-attempt', label: 'Each retry attempt', default: false },
  { filter: 'data-warning', label: 'Data warnings', default: false },
];

/** Only what the adapter and host really implement. */
export function capabilities(): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsFunctionBreakpoints: true,
    supportsStepBack: true,
    supportsRestartFrame: true,
    supportsRestartRequest: true,
    supportsSetVariable: true,
    supportsEvaluateForHovers: true,
    supportsCompletionsRequest: true,
    completionTriggerCharacters: ['.', '['],
    supportsExceptionInfoRequest: true,
    supportsTerminateRequest: true,
    supportsDelayedStackTraceLoading: true,
    exceptionBreakpointFilters: EXCEPTION_FILTERS,
  };
}

export function source(file: string): Source {
  return new Source(path.basename(file), file);
}

export function frame(f: P.Frame, c: Coords): DebugProtocol.StackFrame {
  const out: DebugProtocol.StackFrame = new StackFrame(f.id, f.name, source(f.file), c.lineToClient(f.line), c.columnToClient(f.column));
  if (f.endLine !== undefined) out.endLine = c.lineToClient(f.endLine);
  if (f.endColumn !== undefined) out.endColumn = c.columnToClient(f.endColumn);
  if (f.presentationHint) out.presentationHint = f.presentationHint;
  if (f.canRestart !== undefined) out.canRestart = f.canRestart;
  return out;
}

export function scope(s: P.Scope): DebugProtocol.Scope {
  const out: DebugProtocol.Scope = new Scope(s.name, s.ref, s.expensive);
  if (s.namedVariables !== undefined) out.namedVariables = s.namedVariables;
  if (s.indexedVariables !== undefined) out.indexedVariables = s.indexedVariables;
  if (s.presentationHint) out.presentationHint = s.presentationHint;
  return out;
}

/** VS Code reads `__vscodeVariableMenuContext` to pick the Variables view's context menu. */
export type DapVariable = DebugProtocol.Variable & { __vscodeVariableMenuContext?: string };

export function variable(v: P.Variable): DapVariable {
  const out: DapVariable = new Variable(v.name, v.value, v.ref);
  if (v.type !== undefined) out.type = v.type;
  if (v.namedVariables !== undefined) out.namedVariables = v.namedVariables;
  if (v.indexedVariables !== undefined) out.indexedVariables = v.indexedVariables;
  if (v.evaluateName !== undefined) out.evaluateName = v.evaluateName;
  if (v.menuContext !== undefined) out.__vscodeVariableMenuContext = v.menuContext;
  return out;
}

export function breakpoint(b: P.BreakpointResult, file: string | undefined, c: Coords): DebugProtocol.Breakpoint {
  const out: DebugProtocol.Breakpoint = new Breakpoint(b.verified);
  out.id = b.id;
  if (file !== undefined) out.source = source(file);
  if (b.line !== undefined) out.line = c.lineToClient(b.line);
  if (b.column !== undefined) out.column = c.columnToClient(b.column);
  if (b.endLine !== undefined) out.endLine = c.lineToClient(b.endLine);
  if (b.endColumn !== undefined) out.endColumn = c.columnToClient(b.endColumn);
  if (b.message !== undefined) out.message = b.message;
  return out;
}

export function sourceBreakpoints(bps: DebugProtocol.SourceBreakpoint[], c: Coords): P.SourceBreakpoint[] {
  return bps.map((b) => {
    const out: P.SourceBreakpoint = { line: c.lineFromClient(b.line) };
    if (b.column !== undefined) out.column = c.columnFromClient(b.column);
    if (b.condition) out.condition = b.condition;
    if (b.hitCondition) out.hitCondition = b.hitCondition;
    if (b.logMessage) out.logMessage = b.logMessage;
    return out;
  });
}

export function functionBreakpoints(bps: DebugProtocol.FunctionBreakpoint[]): P.FunctionBreakpoint[] {
  return bps.map((b) => {
    const out: P.FunctionBreakpoint = { name: b.name };
    if (b.condition) out.condition = b.condition;
    if (b.hitCondition) out.hitCondition = b.hitCondition;
    return out;
  });
}

const FILTER_IDS = new Set<string>(EXCEPTION_FILTERS.map((f) => f.filter));

/** Unknown filter ids are an error naming them, not silently dropped. */
export function exceptionFilters(filters: string[]): P.ExceptionFilter[] {
  const unknown = filters.filter((f) => !FILTER_IDS.has(f));
  if (unknown.length) throw new Error(`unknown exception filter(s): ${unknown.join(', ')}; known: ${[...FILTER_IDS].join(', ')}`);
  return filters as P.ExceptionFilter[];
}

export function completion(item: P.CompletionItem, c: Coords): DebugProtocol.CompletionItem {
  const out: DebugProtocol.CompletionItem = { label: item.label };
  if (item.type) out.type = item.type;
  if (item.detail) out.detail = item.detail;
  // The host counts `start` from 0 in the typed text; DAP counts in the client's column base.
  if (item.start !== undefined) out.start = c.columnToClient(item.start + 1);
  if (item.length !== undefined) out.length = item.length;
  return out;
}

export function exceptionInfo(info: P.ExceptionInfo): DebugProtocol.ExceptionInfoResponse['body'] {
  const d = info.details;
  const attempts = d.attempts
    .map((a) => `#${a.attempt} ${a.ok ? 'ok' : 'failed'} after ${Math.round(a.durationMs)} ms${a.error ? `: ${a.error}` : ''}`)
    .join('\n');
  const details: DebugProtocol.ExceptionDetails & { stage: string; attempts: P.ExceptionInfo['details']['attempts'] } = {
    message: d.message,
    typeName: d.typeName,
    stackTrace: [d.stackTrace, attempts ? `Attempts of stage '${d.stage}':\n${attempts}` : undefined].filter(Boolean).join('\n\n'),
    stage: d.stage,
    attempts: d.attempts,
  };
  return { exceptionId: info.exceptionId, description: info.description, breakMode: info.breakMode, details };
}

/** Our launch arguments → the host's start config (pipeline made absolute against cwd). */
export function launchConfig(args: PlumbLaunchArguments, cwd: string): P.LaunchConfig {
  if (typeof args.pipeline !== 'string' || args.pipeline.trim() === '') {
    throw new Error("launch: 'pipeline' is required (the path of a *.pipeline.yaml file)");
  }
  const config: P.LaunchConfig = { pipeline: path.resolve(cwd, args.pipeline) };
  if (args.mode !== undefined) {
    if (args.mode !== 'train' && args.mode !== 'inference') throw new Error(`launch: 'mode' must be 'train' or 'inference', got ${JSON.stringify(args.mode)}`);
    config.mode = args.mode;
  }
  if (args.version !== undefined) config.version = args.version;
  if (args.params !== undefined) config.params = args.params;
  if (args.stopOnEntry !== undefined) config.stopOnEntry = args.stopOnEntry;
  if (args.noDebug !== undefined) config.noDebug = args.noDebug;
  if (args.store !== undefined) config.store = path.resolve(cwd, args.store);
  if (args.stopAfterStage !== undefined) config.stopAfterStage = args.stopAfterStage;
  if (args.data !== undefined) config.data = path.resolve(cwd, args.data);
  return config;
}

export interface PlumbLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The *.pipeline.yaml file; relative paths are resolved against `cwd` (or the adapter's). */
  pipeline: string;
  mode?: Mode;
  version?: number | string;
  params?: Record<string, unknown> | string[];
  stopOnEntry?: boolean;
  store?: string;
  stopAfterStage?: string;
  data?: string;
  /** Folder that relative paths are resolved against. */
  cwd?: string;
  /** Heap limit of the session host in MB (like `plumb run --max-memory`); default: node's. */
  maxMemoryMb?: number;
}

/** The launch argument `maxMemoryMb`, checked: a whole number of MB from 64, or undefined. */
export function hostMemoryLimit(args: PlumbLaunchArguments): number | undefined {
  const mb = args.maxMemoryMb;
  if (mb === undefined) return undefined;
  if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 64) {
    throw new Error(`launch: 'maxMemoryMb' must be a whole number of megabytes from 64, got ${JSON.stringify(mb)}`);
  }
  return mb;
}

/** `penguins (train)`: the pipeline name is the file name without `.pipeline.yaml`. */
export function threadName(pipelineName: string, mode: Mode | undefined): string {
  return `${pipelineName} (${mode ?? 'train'})`;
}

export function nameFromFile(file: string): string {
  return path.basename(file).replace(/\.pipeline\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
}

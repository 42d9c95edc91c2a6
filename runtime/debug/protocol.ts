// The small typed protocol between the debug adapter (src/debug, speaks DAP to VS Code)
// and a debug session host (runtime/debug, runs the pipeline in its own child process).
//
// The data stays in the host: only pages, summaries and short strings cross. The host
// owns all pipeline logic (breakpoint mapping, stepping, conditions, variables, evaluate);
// the adapter translates DAP requests to these commands and these events back to DAP.
// The same protocol could host stages written in another language later.
//
// Transport: newline-free JSON messages over the child's IPC channel (child_process.fork).
// Every request gets exactly one response with the same `seq`.

import type { Mode } from '../vocabulary';

export interface LaunchConfig {
  /** Absolute path of the *.pipeline.yaml file. */
  pipeline: string;
  mode?: Mode;
  /** Inference: version number, 'latest' or an alias. */
  version?: number | string;
  /** Param overrides: a map, or `key=value` strings like the CLI's --set. */
  params?: Record<string, unknown> | string[];
  /** Stop before the first stage. */
  stopOnEntry?: boolean;
  /** Run without stopping (breakpoints ignored); still monitored. */
  noDebug?: boolean;
  /** Store folder (default: the pipeline's). */
  store?: string;
  /** Stop (pause) after this stage has run. */
  stopAfterStage?: string;
  /** Input data file instead of the pipeline's `data:` entry. */
  data?: string;
}

export interface SourceBreakpoint {
  line: number;
  column?: number;
  /** Expression over the stage context, e.g. `input.rows > 1000`. */
  condition?: string;
  /** `>= 3`, `== 2`, `% 2`, or a bare number (same as >=). */
  hitCondition?: string;
  /** Logpoint: message with `{expression}` parts; logs instead of stopping. */
  logMessage?: string;
}

export interface FunctionBreakpoint {
  /** A stage name (stops before it), or a section name (stops before its first stage). */
  name: string;
  condition?: string;
  hitCondition?: string;
}

export interface BreakpointResult {
  id: number;
  verified: boolean;
  /**
   * Absolute path of the file it really is in: a function breakpoint on a sub-pipeline's
   * stage (`prep/scale`) is in the sub file, not the pipeline file. Absent when unknown.
   */
  file?: string;
  /** Where it really is: the stage's `stage:` line. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** Why it is unverified, or a note on where it moved. */
  message?: string;
}

export type ExceptionFilter = 'stage-failed' | 'retry-attempt' | 'data-warning';

export type StepKind = 'continue' | 'next' | 'stepIn' | 'stepOut' | 'stepBack' | 'reverseContinue';

/** 'group': a stage that includes a sub-pipeline (`uses: ./x.pipeline.yaml`). */
export type FrameKind = 'step' | 'stage' | 'group' | 'section' | 'pipeline';

export interface Frame {
  id: number;
  name: string;
  kind: FrameKind;
  /** Absolute path: the pipeline file, a sub-pipeline file it includes, or a user stage module where that is where it stopped. */
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** 'subtle' for the outer frames, so the stage stays prominent. */
  presentationHint?: 'normal' | 'label' | 'subtle';
  /** Frames that can be restarted (stages): restartFrame re-runs them from cached input. */
  canRestart?: boolean;
}

export interface Scope {
  name: string; // 'Input' | 'Output' | 'Params' | 'State' | 'Metrics' | 'Changes' | ...
  ref: number;
  expensive: boolean;
  namedVariables?: number;
  indexedVariables?: number;
  presentationHint?: 'arguments' | 'locals' | 'registers' | string;
}

export interface Variable {
  name: string;
  value: string;
  type?: string;
  /** > 0 when it has children. */
  ref: number;
  namedVariables?: number;
  indexedVariables?: number;
  evaluateName?: string;
  /** Becomes DAP's __vscodeVariableMenuContext (e.g. 'plumbTable'). */
  menuContext?: string;
  /** True when setVariable may change it (Params). */
  editable?: boolean;
  /**
   * Costly to compute: shown with a button and computed when clicked (DAP's
   * presentationHint.lazy). Its `ref`'s one child is the value.
   */
  lazy?: boolean;
}

export interface EvaluateResult {
  result: string;
  type?: string;
  ref: number;
  namedVariables?: number;
  indexedVariables?: number;
}

export interface CompletionItem {
  label: string;
  type?: 'property' | 'variable' | 'field' | 'function' | 'value' | 'keyword';
  detail?: string;
  /** Replacement range in the typed text, like DAP: start (0-based) and length. */
  start?: number;
  length?: number;
}

export interface ExceptionInfo {
  exceptionId: string; // error name, e.g. 'TransientError'
  description: string;
  breakMode: 'always' | 'unhandled';
  details: {
    message: string;
    typeName: string;
    stackTrace?: string;
    stage: string;
    attempts: { attempt: number; ok: boolean; durationMs: number; error?: string; delayMs?: number }[];
  };
}

/** Requests from the adapter, each answered by a Response with the same seq. */
export type Request =
  | { cmd: 'start'; config: LaunchConfig }
  | { cmd: 'setBreakpoints'; file: string; breakpoints: SourceBreakpoint[] }
  | { cmd: 'setFunctionBreakpoints'; breakpoints: FunctionBreakpoint[] }
  | { cmd: 'setExceptionFilters'; filters: ExceptionFilter[] }
  | { cmd: 'configurationDone' }
  | { cmd: 'resume'; kind: StepKind }
  | { cmd: 'pause' }
  | { cmd: 'restartFrame'; frameId: number }
  | { cmd: 'stackTrace'; startFrame?: number; levels?: number }
  | { cmd: 'scopes'; frameId: number }
  | { cmd: 'variables'; ref: number; start?: number; count?: number; filter?: 'indexed' | 'named' }
  | { cmd: 'setVariable'; ref: number; name: string; value: string }
  | { cmd: 'evaluate'; expression: string; frameId?: number; context?: 'watch' | 'repl' | 'hover' | 'clipboard' | 'variables' }
  | { cmd: 'completions'; text: string; column: number; frameId?: number }
  | { cmd: 'exceptionInfo' }
  | { cmd: 'terminate' };

/** What each request answers with. */
export interface ResponseBodies {
  /** `file`: the file the stage is written in (a sub-pipeline's stages are in theirs). */
  start: { stages: { name: string; section: string; line: number; file?: string }[] };
  setBreakpoints: { breakpoints: BreakpointResult[] };
  setFunctionBreakpoints: { breakpoints: BreakpointResult[] };
  setExceptionFilters: Record<string, never>;
  configurationDone: Record<string, never>;
  resume: Record<string, never>;
  pause: Record<string, never>;
  restartFrame: Record<string, never>;
  stackTrace: { frames: Frame[]; totalFrames: number };
  scopes: { scopes: Scope[] };
  variables: { variables: Variable[] };
  setVariable: Variable;
  evaluate: EvaluateResult;
  completions: { items: CompletionItem[] };
  exceptionInfo: ExceptionInfo;
  terminate: Record<string, never>;
}

export type RequestMessage = { type: 'request'; seq: number } & Request;

export type ResponseMessage =
  | { type: 'response'; seq: number; ok: true; body: unknown }
  | { type: 'response'; seq: number; ok: false; error: string };

export type StopReason = 'entry' | 'breakpoint' | 'function breakpoint' | 'step' | 'pause' | 'exception' | 'goto' | 'restart';

/** Events from the host, unprompted. */
export type SessionEvent =
  | {
      event: 'stopped';
      reason: StopReason;
      /** Shown in the UI, e.g. "Paused before stage 'fit'" or the error message. */
      description: string;
      text?: string;
      /** Breakpoint ids that caused it. */
      hitBreakpointIds?: number[];
      /** Where: the innermost frame's file and line. */
      file: string;
      line: number;
    }
  | { event: 'continued' }
  | { event: 'output'; category: 'console' | 'stdout' | 'stderr' | 'important'; text: string; file?: string; line?: number }
  /** An engine event (runtime/engine/events.ts), forwarded for the metrics panel. */
  | { event: 'monitor'; data: unknown }
  | { event: 'progressStart'; id: string; title: string; message?: string }
  | { event: 'progressUpdate'; id: string; percentage?: number; message?: string }
  | { event: 'progressEnd'; id: string; message?: string }
  | { event: 'breakpoint'; reason: 'changed'; breakpoint: BreakpointResult }
  /** The run finished (or failed, or was terminated); the host exits after sending this. */
  | { event: 'ended'; status: 'ok' | 'failed' | 'cancelled'; exitCode: number; message?: string; version?: number };

export type EventMessage = { type: 'event' } & SessionEvent;

export type HostMessage = ResponseMessage | EventMessage;

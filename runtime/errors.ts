// Errors that point at a place. Every user-facing mistake names `file:line:col`
// where there is one, so editors and terminals can jump straight to it.

export interface SourcePos {
  line: number; // 1-based
  col: number; // 1-based
}

export interface SourceRange {
  start: SourcePos;
  end: SourcePos;
}

/** One problem found in a pipeline file. `range` is absent only when no node applies. */
export interface Diagnostic {
  file: string;
  range?: SourceRange;
  message: string;
  severity: 'error' | 'warning';
  /** Stable machine-readable kind, e.g. 'unknown-stage', 'bad-param', 'duplicate-stage'. */
  code: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.range ? `${d.file}:${d.range.start.line}:${d.range.start.col}` : d.file;
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** Thrown when a pipeline file has one or more errors; carries all of them. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/** A stage asks to be retried (the default `retry.on` list includes it). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** A run or wait was cancelled through its AbortSignal. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** One attempt ran past the retry policy's per-attempt timeout. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Bad input to the store: invalid name, damaged object, unknown version or alias. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    readonly code: 'bad-name' | 'not-found' | 'corrupt' | 'conflict' | 'io',
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Bad data (unreadable file, ragged CSV row, wrong column type); names file and row where known. */
export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${message}` : message);
  }
}

export function errorName(e: unknown): string {
  return e instanceof Error ? e.name || e.constructor.name : typeof e;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

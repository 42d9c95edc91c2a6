// The attempt loop: run, time out, back off, retry — and stop at once when cancelled.
import { CancelledError, TimeoutError, errorMessage, errorName } from '../errors';
import { isRetryable, retryDelay } from './policy';
import { cancelledBy, sleep } from './sleep';
import type { AttemptRecord, RetryPolicy } from './types';

export interface RunWithRetryOptions {
  /** Cancels the whole loop: the running attempt and any backoff wait. */
  signal?: AbortSignal;
  /** Source of jitter, in [0, 1). Defaults to Math.random. */
  random?: () => number;
  /** `start` is the attempt's start time by `now` (its record's `start`). */
  onAttemptStart?(attempt: number, start: number): void;
  /** Called once per attempt; `delayMs` is set when another attempt follows. */
  onAttemptEnd?(record: AttemptRecord): void;
  /** Clock for records. Defaults to Date.now. */
  now?: () => number;
  /**
   * Errors for which this returns true end the loop at once, rethrown unchanged and
   * unrecorded: a caller's own control flow (the engine's StageInterrupt), not a failure.
   */
  passThrough?(error: unknown): boolean;
  /**
   * Awaited after a failed attempt that will be retried (after onAttemptEnd), before the
   * backoff wait: a debugger stops here. If it throws, the loop ends with that error.
   */
  beforeRetry?(record: AttemptRecord, error: Error): Promise<void> | void;
}

/** The attempt records runWithRetry attached to the error it finally threw, if any. */
export function attemptsOf(error: unknown): AttemptRecord[] | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const attempts = (error as { attempts?: unknown }).attempts;
  return Array.isArray(attempts) ? (attempts as AttemptRecord[]) : undefined;
}

/**
 * Calls `fn` until it succeeds, the error is not retryable, or `policy.attempts` tries are
 * used up, waiting retryDelay() between tries. Each try gets its own AbortSignal, aborted
 * when the outer signal aborts or the per-attempt timeout passes — the try is then
 * abandoned (rejecting with CancelledError / TimeoutError) even if `fn` ignores its signal.
 * On final failure the last error is thrown with a non-enumerable `attempts` property
 * (read it with attemptsOf). Non-Error throws are wrapped in an Error first.
 */
export async function runWithRetry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  policy: RetryPolicy,
  opts: RunWithRetryOptions = {},
): Promise<RetryResult<T>> {
  return attemptLoop(fn, policy, opts, [], 1);
}

export interface RetryResult<T> {
  value: T;
  attempts: AttemptRecord[];
}

/**
 * runWithRetry for a `fn` that may answer synchronously. When the policy has no timeout
 * and the first try returns a plain value (not a thenable), the result is returned as is,
 * synchronously: no promise, no microtask turn, no abort listener — the engine calls this
 * once per stage. Anything else (a thenable, a throw, a retry, a timeout) goes through the
 * same loop as runWithRetry and comes back as a promise; failures always come back as a
 * rejected promise, never as a synchronous throw.
 */
export function runWithRetryEager<T>(
  fn: (attempt: number, signal: AbortSignal) => T | PromiseLike<T>,
  policy: RetryPolicy,
  opts: RunWithRetryOptions = {},
  /** The first attempt's start by `now`, when the caller has just read that clock. */
  firstStart?: number,
): RetryResult<T> | Promise<RetryResult<T>> {
  // The records list is made only off the fast path: one allocation less per stage.
  if (policy.timeoutMs !== undefined && policy.timeoutMs > 0) return attemptLoop(fn, policy, opts, [], 1);
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(withAttempts(cancelledBy(signal), []));
  const now = opts.now ?? Date.now;
  const start = firstStart ?? now();
  try {
    opts.onAttemptStart?.(1, start);
  } catch (e) {
    return Promise.reject(e);
  }
  let value: T | PromiseLike<T>;
  try {
    value = fn(1, signal ?? NEVER_ABORTED);
  } catch (thrown) {
    return afterFailedFirst(fn, policy, opts, [], start, thrown);
  }
  if (isThenable(value)) return settleFirst(fn, policy, opts, [], start, value);
  try {
    // A one-element literal: a push onto the empty array would allocate 17 slots.
    const record: AttemptRecord = { attempt: 1, start, durationMs: now() - start, ok: true };
    opts.onAttemptEnd?.(record);
    return { value, attempts: [record] };
  } catch (thrown) {
    return afterFailedFirst(fn, policy, opts, [], start, thrown);
  }
}

/** The eager first try returned a thenable: race it against the signal like any try. */
async function settleFirst<T>(
  fn: (attempt: number, signal: AbortSignal) => T | PromiseLike<T>,
  policy: RetryPolicy,
  opts: RunWithRetryOptions,
  records: AttemptRecord[],
  start: number,
  pending: PromiseLike<T>,
): Promise<RetryResult<T>> {
  try {
    const value = await raceSignal(Promise.resolve(pending), opts.signal);
    return succeeded(value, 1, start, records, opts);
  } catch (thrown) {
    return afterFailedFirst(fn, policy, opts, records, start, thrown);
  }
}

async function afterFailedFirst<T>(
  fn: (attempt: number, signal: AbortSignal) => T | PromiseLike<T>,
  policy: RetryPolicy,
  opts: RunWithRetryOptions,
  records: AttemptRecord[],
  start: number,
  thrown: unknown,
): Promise<RetryResult<T>> {
  await failed(thrown, 1, start, records, policy, opts);
  return attemptLoop(fn, policy, opts, records, 2);
}

/** Tries `first`, `first + 1`, … until one succeeds or failed() gives up. */
async function attemptLoop<T>(
  fn: (attempt: number, signal: AbortSignal) => T | PromiseLike<T>,
  policy: RetryPolicy,
  opts: RunWithRetryOptions,
  records: AttemptRecord[],
  first: number,
): Promise<RetryResult<T>> {
  const now = opts.now ?? Date.now;
  const maxAttempts = Math.max(1, Math.floor(policy.attempts));
  for (let attempt = first; ; attempt++) {
    if (opts.signal?.aborted) throw withAttempts(cancelledBy(opts.signal), records);
    const start = now();
    opts.onAttemptStart?.(attempt, start);
    try {
      const value = await runOneAttempt(fn, attempt, maxAttempts, policy.timeoutMs, opts.signal);
      return succeeded(value, attempt, start, records, opts);
    } catch (thrown) {
      await failed(thrown, attempt, start, records, policy, opts);
    }
  }
}

function succeeded<T>(value: T, attempt: number, start: number, records: AttemptRecord[], opts: RunWithRetryOptions): RetryResult<T> {
  const record: AttemptRecord = { attempt, start, durationMs: (opts.now ?? Date.now)() - start, ok: true };
  records.push(record);
  opts.onAttemptEnd?.(record);
  return { value, attempts: records };
}

/**
 * Records a failed try. Returns (after beforeRetry and the backoff wait) when another try
 * follows; otherwise throws the error, with the attempt records attached.
 */
async function failed(
  thrown: unknown,
  attempt: number,
  start: number,
  records: AttemptRecord[],
  policy: RetryPolicy,
  opts: RunWithRetryOptions,
): Promise<void> {
  if (opts.passThrough?.(thrown)) throw thrown;
  const error = asError(thrown);
  const record: AttemptRecord = {
    attempt,
    start,
    durationMs: (opts.now ?? Date.now)() - start,
    ok: false,
    error: { name: errorName(error), message: errorMessage(error) },
  };
  records.push(record);
  const maxAttempts = Math.max(1, Math.floor(policy.attempts));
  const again = attempt < maxAttempts && !opts.signal?.aborted && isRetryable(policy, error);
  if (again) record.delayMs = retryDelay(policy, attempt, opts.random ?? Math.random);
  opts.onAttemptEnd?.(record);
  if (!again) throw withAttempts(error, records);
  await opts.beforeRetry?.(record, error);
  try {
    await sleep(record.delayMs!, opts.signal);
  } catch (cancelled) {
    throw withAttempts(asError(cancelled), records);
  }
}

/** Whether `v` is a promise or promise-like, i.e. must be awaited. */
export function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === 'function';
}

/** One try, raced against the timeout and the outer signal; always cleans up after itself. */
function runOneAttempt<T>(
  fn: (attempt: number, signal: AbortSignal) => T | PromiseLike<T>,
  attempt: number,
  maxAttempts: number,
  timeoutMs: number | undefined,
  outer: AbortSignal | undefined,
): Promise<T> {
  // Without a timeout nothing but the outer signal can end a try, so the try uses that
  // signal itself: no AbortController per attempt (the engine makes one try per stage).
  if (timeoutMs === undefined || timeoutMs <= 0) return raceSignal(start(fn, attempt, outer), outer);
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(cancelledBy(outer!));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new TimeoutError(`attempt ${attempt} of ${maxAttempts} timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  return raceSignal(start(fn, attempt, controller.signal), controller.signal).finally(() => {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  });
}

const NEVER_ABORTED = new AbortController().signal;

/** Starts one try; async, so a synchronous throw in fn becomes a rejection like any other. */
async function start<T>(fn: (attempt: number, signal: AbortSignal) => T | PromiseLike<T>, attempt: number, signal: AbortSignal | undefined): Promise<T> {
  return fn(attempt, signal ?? NEVER_ABORTED);
}

/**
 * Settles with the running try, unless `signal` aborts first: the try is then abandoned at
 * once — rejecting with the TimeoutError or CancelledError that aborted it — even if it
 * ignores its signal.
 */
function raceSignal<T>(running: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return running;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof TimeoutError ? signal.reason : cancelledBy(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (thrown !== null && typeof thrown === 'object' && typeof (thrown as Error).message === 'string') return thrown as Error;
  return new Error(typeof thrown === 'string' ? thrown : `non-error thrown: ${String(thrown)}`);
}

function withAttempts(error: Error, records: AttemptRecord[]): Error {
  const attempts = records.slice();
  try {
    Object.defineProperty(error, 'attempts', { value: attempts, enumerable: false, configurable: true, writable: true });
  } catch {
    // A frozen error cannot take the property; it is still thrown as is (attemptsOf → undefined).
  }
  return error;
}

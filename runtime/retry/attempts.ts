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
  onAttemptStart?(attempt: number): void;
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
): Promise<{ value: T; attempts: AttemptRecord[] }> {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const maxAttempts = Math.max(1, Math.floor(policy.attempts));
  const records: AttemptRecord[] = [];

  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw withAttempts(cancelledBy(opts.signal), records);
    opts.onAttemptStart?.(attempt);
    const start = now();
    try {
      const value = await runOneAttempt(fn, attempt, maxAttempts, policy.timeoutMs, opts.signal);
      const record: AttemptRecord = { attempt, start, durationMs: now() - start, ok: true };
      records.push(record);
      opts.onAttemptEnd?.(record);
      return { value, attempts: records };
    } catch (thrown) {
      if (opts.passThrough?.(thrown)) throw thrown;
      const error = asError(thrown);
      const record: AttemptRecord = {
        attempt,
        start,
        durationMs: now() - start,
        ok: false,
        error: { name: errorName(error), message: errorMessage(error) },
      };
      records.push(record);
      const again = attempt < maxAttempts && !opts.signal?.aborted && isRetryable(policy, error);
      if (again) record.delayMs = retryDelay(policy, attempt, random);
      opts.onAttemptEnd?.(record);
      if (!again) throw withAttempts(error, records);
      await opts.beforeRetry?.(record, error);
      try {
        await sleep(record.delayMs!, opts.signal);
      } catch (cancelled) {
        throw withAttempts(asError(cancelled), records);
      }
    }
  }
}

/** One try, raced against the timeout and the outer signal; always cleans up after itself. */
function runOneAttempt<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  attempt: number,
  maxAttempts: number,
  timeoutMs: number | undefined,
  outer: AbortSignal | undefined,
): Promise<T> {
  // Without a timeout nothing but the outer signal can end a try, so the try uses that
  // signal itself: no AbortController per attempt (the engine makes one try per stage).
  if (timeoutMs === undefined || timeoutMs <= 0) return raceSignal(fn, attempt, outer);
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(cancelledBy(outer!));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new TimeoutError(`attempt ${attempt} of ${maxAttempts} timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  return raceSignal(fn, attempt, controller.signal).finally(() => {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  });
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs one try with `signal` as its signal. When the signal aborts the try is abandoned
 * at once — rejecting with the TimeoutError or CancelledError that aborted it — even if
 * `fn` ignores its signal.
 */
function raceSignal<T>(fn: (attempt: number, signal: AbortSignal) => Promise<T>, attempt: number, signal: AbortSignal | undefined): Promise<T> {
  // Async wrapper: a synchronous throw in fn becomes a rejection like any other.
  const running = (async () => fn(attempt, signal ?? NEVER_ABORTED))();
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

// A wait that a cancellation can cut short. Backoff waits can be long (30 s and more),
// and a user pressing Stop must not sit through them.
import { CancelledError } from '../errors';

/**
 * Resolves after `ms` milliseconds, or rejects with CancelledError as soon as `signal`
 * aborts (at once if it already has). The timer and the abort listener are always
 * removed, so a cancelled or finished wait keeps nothing alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledBy(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledBy(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The CancelledError to raise for an aborted signal, keeping its reason's message when it has one. */
export function cancelledBy(signal: AbortSignal): CancelledError {
  const reason: unknown = signal.reason;
  if (reason instanceof CancelledError) return reason;
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message) {
    return new CancelledError(`cancelled: ${reason.message}`);
  }
  return new CancelledError();
}

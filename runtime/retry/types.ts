// A retry policy, fully resolved (durations in milliseconds, defaults filled in).
export type Backoff = 'immediate' | 'fixed' | 'exponential';

export interface RetryPolicy {
  /** Total tries including the first; 1 means never retry. */
  attempts: number;
  backoff: Backoff;
  /** Delay before the first retry (fixed: every retry). */
  initialMs: number;
  /** Exponential growth factor per retry. */
  coefficient: number;
  /** Cap on any single delay. */
  maxMs: number;
  /** Random spread as a fraction of the delay, in [0, 1]: delay × (1 ± jitter). */
  jitter: number;
  /** Per-attempt time limit; the attempt's signal is aborted and a TimeoutError raised. */
  timeoutMs?: number;
  /** Error names that are retried. Empty means every error not in `never`. */
  on: string[];
  /** Error names that are never retried, whatever `on` says. */
  never: string[];
}

/** What happened on one try. */
export interface AttemptRecord {
  attempt: number;
  start: number;
  durationMs: number;
  ok: boolean;
  error?: { name: string; message: string };
  /** Wait before the next attempt, when one followed. */
  delayMs?: number;
}

export const NO_RETRY: RetryPolicy = {
  attempts: 1,
  backoff: 'immediate',
  initialMs: 0,
  coefficient: 2,
  maxMs: 0,
  jitter: 0,
  on: [],
  never: [],
};

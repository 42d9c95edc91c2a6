// Retry policies and the attempt loop. See policy.ts for what `retry:` accepts.
export type { Backoff, RetryPolicy, AttemptRecord } from './types';
export { NO_RETRY } from './types';
export {
  parseRetryPolicy,
  parseDuration,
  retryDelay,
  isRetryable,
  DEFAULT_RETRY_POLICY,
  ALWAYS_NEVER_RETRIED,
  type PolicyProblem,
} from './policy';
export { runWithRetry, runWithRetryEager, attemptsOf, isThenable, type RunWithRetryOptions, type RetryResult } from './attempts';
export { sleep, cancelledBy } from './sleep';

// Retry policies: parsing what the user wrote under `retry:`, the delay before each
// retry, and which errors deserve one.
import type { Backoff, RetryPolicy } from './types';

/** A problem in a `retry:` block. `path` is relative to the `retry:` value, e.g. ['on', 1]. */
export interface PolicyProblem {
  path: (string | number)[];
  message: string;
}

/**
 * What `retry:` means when written, for every key left out: three tries, exponential
 * backoff 1 s → 2 s → … capped at 30 s, no jitter, any error retried except those in
 * `never` and ALWAYS_NEVER_RETRIED.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 3,
  backoff: 'exponential' as Backoff,
  initialMs: 1000,
  coefficient: 2,
  maxMs: 30_000,
  jitter: 0,
  on: [] as string[],
  never: [] as string[],
});

/**
 * Errors that are never retried whatever a policy says: a broken pipeline file does not
 * fix itself, and a cancelled run must stop. They are not copied into `policy.never`
 * (which keeps what the user wrote); isRetryable checks them separately.
 */
export const ALWAYS_NEVER_RETRIED: readonly string[] = Object.freeze(['PipelineError', 'CancelledError']);

const BACKOFFS: readonly Backoff[] = ['immediate', 'fixed', 'exponential'];
const KNOWN_KEYS = ['attempts', 'backoff', 'initial', 'coefficient', 'max', 'jitter', 'timeout', 'on', 'never'];
const MAX_ATTEMPTS = 100;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration into milliseconds: '250ms', '1s', '1.5s', '2m', '1h', compounds such
 * as '1m30s', or a bare number meaning milliseconds. Undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (!/^(\d+(\.\d+)?\s*(ms|s|m|h)\s*)+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

/**
 * Validates a `retry:` block and resolves it into a policy. A bare `retry:` (null) means
 * all defaults. Keys left out come from
 * `defaults` (a pipeline-wide policy) or else DEFAULT_RETRY_POLICY. Every problem is
 * reported, each with the path of the offending key; `policy` is set only when there
 * are none.
 */
export function parseRetryPolicy(
  raw: unknown,
  defaults: RetryPolicy = DEFAULT_RETRY_POLICY,
): { policy?: RetryPolicy; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  // A bare `retry:` (YAML null) asks for retries with every default.
  if (raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ path: [], message: `retry must be a mapping such as { attempts: 3, backoff: exponential }, got ${describe(raw)}` });
    return { problems };
  }
  const obj = raw as Record<string, unknown>;
  const policy: RetryPolicy = { ...defaults, on: [...defaults.on], never: [...defaults.never] };

  for (const key of Object.keys(obj)) {
    if (KNOWN_KEYS.includes(key)) continue;
    const near = closest(key, KNOWN_KEYS);
    problems.push({
      path: [key],
      message: `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ''}; known keys: ${KNOWN_KEYS.join(', ')}`,
    });
  }

  if ('attempts' in obj) {
    const v = obj.attempts;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_ATTEMPTS) {
      problems.push({ path: ['attempts'], message: `attempts must be a whole number from 1 to ${MAX_ATTEMPTS} (total tries, 1 = no retry), got ${describe(v)}` });
    } else policy.attempts = v;
  }
  if ('backoff' in obj) {
    const v = obj.backoff;
    if (typeof v !== 'string' || !BACKOFFS.includes(v as Backoff)) {
      problems.push({ path: ['backoff'], message: `backoff must be one of ${BACKOFFS.join(', ')}, got ${describe(v)}` });
    } else policy.backoff = v as Backoff;
  }
  const initial = durationField(obj, 'initial', problems);
  if (initial !== undefined) policy.initialMs = initial;
  const max = durationField(obj, 'max', problems);
  if (max !== undefined) policy.maxMs = max;
  if ('timeout' in obj) {
    const t = durationField(obj, 'timeout', problems);
    if (t === 0) problems.push({ path: ['timeout'], message: 'timeout must be longer than 0' });
    else if (t !== undefined) policy.timeoutMs = t;
  }
  if ('coefficient' in obj) {
    const v = obj.coefficient;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 1) {
      problems.push({ path: ['coefficient'], message: `coefficient must be a number ≥ 1 (the growth factor per retry), got ${describe(v)}` });
    } else policy.coefficient = v;
  }
  if ('jitter' in obj) {
    const v = obj.jitter;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      problems.push({ path: ['jitter'], message: `jitter must be a number from 0 to 1 (a fraction of the delay), got ${describe(v)}` });
    } else policy.jitter = v;
  }
  const on = nameList(obj, 'on', problems);
  if (on) policy.on = on;
  const never = nameList(obj, 'never', problems);
  if (never) policy.never = never;

  // Cross-field checks, on the merged policy so defaults count, blaming a key the user wrote.
  if (initial !== undefined || max !== undefined) {
    if (policy.maxMs < policy.initialMs) {
      const blame = max !== undefined ? 'max' : 'initial';
      problems.push({
        path: [blame],
        message: `max (${policy.maxMs} ms) must be at least initial (${policy.initialMs} ms)${max === undefined ? '; the default max is in effect, set max too' : ''}`,
      });
    }
  }
  if (on || never) {
    policy.never.forEach((name, i) => {
      if (policy.on.includes(name)) {
        problems.push({ path: [never ? 'never' : 'on', never ? i : policy.on.indexOf(name)], message: `'${name}' is in both on and never; an error cannot be both retried and never retried` });
      }
    });
  }
  if (on) {
    on.forEach((name, i) => {
      if (ALWAYS_NEVER_RETRIED.includes(name)) {
        problems.push({ path: ['on', i], message: `'${name}' is never retried (always never-retried: ${ALWAYS_NEVER_RETRIED.join(', ')}); remove it from on` });
      }
    });
  }

  return problems.length ? { problems } : { policy, problems };
}

/**
 * The wait before retry number `retryIndex` (1 = the first retry), in ms.
 * immediate → 0; fixed → initial; exponential → initial × coefficient^(retryIndex−1);
 * capped at max, then spread by jitter as d × (1 + jitter × (2r − 1)) with r = random()
 * in [0, 1), and finally clamped to [0, max].
 */
export function retryDelay(policy: RetryPolicy, retryIndex: number, random: () => number = Math.random): number {
  if (policy.backoff === 'immediate') return 0;
  const base =
    policy.backoff === 'fixed' ? policy.initialMs : policy.initialMs * Math.pow(policy.coefficient, Math.max(0, retryIndex - 1));
  const capped = Math.min(base, policy.maxMs);
  const spread = policy.jitter > 0 ? capped * (1 + policy.jitter * (2 * random() - 1)) : capped;
  return Math.min(Math.max(spread, 0), policy.maxMs);
}

/**
 * Whether a failure deserves another try under `policy`, judged by error name: the
 * error's `name`, then the constructor names up its class chain (so `on: [TransientError]`
 * also covers subclasses that renamed themselves). A name in ALWAYS_NEVER_RETRIED or
 * `never` wins; otherwise an empty `on` retries everything, else a name must be in `on`.
 */
export function isRetryable(policy: RetryPolicy, error: unknown): boolean {
  const names = errorNames(error);
  if (names.some((n) => ALWAYS_NEVER_RETRIED.includes(n) || policy.never.includes(n))) return false;
  return policy.on.length === 0 || names.some((n) => policy.on.includes(n));
}

function errorNames(error: unknown): string[] {
  if (error === null || typeof error !== 'object') return [typeof error];
  const names: string[] = [];
  const own = (error as { name?: unknown }).name;
  if (typeof own === 'string' && own) names.push(own);
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctorName = proto.constructor?.name;
    if (typeof ctorName === 'string' && ctorName && !names.includes(ctorName)) names.push(ctorName);
  }
  return names;
}

function durationField(obj: Record<string, unknown>, key: string, problems: PolicyProblem[]): number | undefined {
  if (!(key in obj)) return undefined;
  const v = obj[key];
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    problems.push({ path: [key], message: `${key} must be a duration such as 250ms, 1s, 1.5s, 2m, 1h or a number of milliseconds, got ${describe(v)}` });
    return undefined;
  }
  return ms;
}

function nameList(obj: Record<string, unknown>, key: 'on' | 'never', problems: PolicyProblem[]): string[] | undefined {
  if (!(key in obj)) return undefined;
  const v = obj[key];
  // A single name is accepted as a one-item list: `on: TransientError`.
  const items = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items)) {
    problems.push({ path: [key], message: `${key} must be a list of error names such as [TransientError], got ${describe(v)}` });
    return undefined;
  }
  const names: string[] = [];
  let ok = true;
  items.forEach((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      ok = false;
      problems.push({ path: typeof v === 'string' ? [key] : [key, i], message: `${key}[${i}] must be a non-empty error name, got ${describe(item)}` });
    } else names.push(item.trim());
  });
  return ok ? names : undefined;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

/** The known key nearest to a misspelt one, when it is near enough to be a plausible typo. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

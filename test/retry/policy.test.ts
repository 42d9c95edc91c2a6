import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError, PipelineError, CancelledError, TimeoutError } from '../../runtime/errors';
import {
  parseRetryPolicy,
  parseDuration,
  retryDelay,
  isRetryable,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from '../../runtime/retry';

const base: RetryPolicy = { ...DEFAULT_RETRY_POLICY, on: [], never: [] };

test('parseDuration reads units, compounds and bare milliseconds', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1s'), 1000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration(' 40 '), 40);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('5 days'), undefined);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('-1s'), undefined);
});

test('an empty retry block gets the documented defaults', () => {
  // A bare `retry:` parses to null in YAML and means the same as `retry: {}`.
  assert.deepEqual(parseRetryPolicy(null), parseRetryPolicy({}));
  const { policy, problems } = parseRetryPolicy({});
  assert.deepEqual(problems, []);
  assert.deepEqual(policy, {
    attempts: 3,
    backoff: 'exponential',
    initialMs: 1000,
    coefficient: 2,
    maxMs: 30_000,
    jitter: 0,
    on: [],
    never: [],
  });
});

test('a full retry block is resolved into milliseconds', () => {
  const { policy, problems } = parseRetryPolicy({
    attempts: 4,
    backoff: 'fixed',
    initial: '250ms',
    coefficient: 3,
    max: '2m',
    jitter: 0.2,
    timeout: '5m',
    on: ['TransientError'],
    never: ['TypeError'],
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(policy, {
    attempts: 4,
    backoff: 'fixed',
    initialMs: 250,
    coefficient: 3,
    maxMs: 120_000,
    jitter: 0.2,
    timeoutMs: 300_000,
    on: ['TransientError'],
    never: ['TypeError'],
  });
});

test('keys left out come from the given defaults', () => {
  const pipelineDefault: RetryPolicy = { ...base, attempts: 5, initialMs: 10, maxMs: 100, on: ['TransientError'] };
  const { policy } = parseRetryPolicy({ attempts: 2 }, pipelineDefault);
  assert.equal(policy?.attempts, 2);
  assert.equal(policy?.initialMs, 10);
  assert.equal(policy?.maxMs, 100);
  assert.deepEqual(policy?.on, ['TransientError']);
  // The defaults object is not modified.
  assert.equal(pipelineDefault.attempts, 5);
});

test('every problem is reported with the path of its key', () => {
  const { policy, problems } = parseRetryPolicy({
    attemps: 3,
    attempts: 0,
    backoff: 'linear',
    initial: 'soon',
    coefficient: 0.5,
    jitter: 1.5,
    on: ['TransientError', '', 7],
    never: 'oops-not-a-list-but-a-name',
    timeout: 0,
  });
  assert.equal(policy, undefined);
  const byPath = new Map(problems.map((p) => [p.path.join('.'), p.message]));
  assert.equal(byPath.get('attemps'), `unknown key 'attemps' (did you mean 'attempts'?); known keys: attempts, backoff, initial, coefficient, max, jitter, timeout, on, never`);
  assert.match(byPath.get('attempts')!, /whole number from 1 to 100/);
  assert.match(byPath.get('backoff')!, /one of immediate, fixed, exponential, got 'linear'/);
  assert.match(byPath.get('initial')!, /duration/);
  assert.match(byPath.get('coefficient')!, /≥ 1/);
  assert.match(byPath.get('jitter')!, /from 0 to 1/);
  assert.match(byPath.get('on.1')!, /non-empty error name/);
  assert.match(byPath.get('on.2')!, /non-empty error name, got number 7/);
  assert.match(byPath.get('timeout')!, /longer than 0/);
  assert.equal(problems.length, 9);
});

test('attempts must be an integer within 1..100', () => {
  for (const bad of [0, 101, 2.5, '3', -1]) {
    const { problems } = parseRetryPolicy({ attempts: bad });
    assert.equal(problems.length, 1, `attempts: ${String(bad)}`);
    assert.deepEqual(problems[0].path, ['attempts']);
  }
  assert.equal(parseRetryPolicy({ attempts: 100 }).policy?.attempts, 100);
  assert.equal(parseRetryPolicy({ attempts: 1 }).policy?.attempts, 1);
});

test('max below initial is blamed on the key the user wrote', () => {
  const both = parseRetryPolicy({ initial: '10s', max: '5s' });
  assert.deepEqual(both.problems.map((p) => p.path), [['max']]);
  // Only initial written: the default max (30 s) is too small, so initial is blamed.
  const onlyInitial = parseRetryPolicy({ initial: '1m' });
  assert.deepEqual(onlyInitial.problems.map((p) => p.path), [['initial']]);
  assert.match(onlyInitial.problems[0].message, /default max/);
});

test('a name in both on and never is a problem, as is retrying an always-never error', () => {
  const { problems } = parseRetryPolicy({ on: ['TransientError', 'PipelineError'], never: ['TypeError', 'TransientError'] });
  assert.deepEqual(
    problems.map((p) => p.path),
    [['never', 1], ['on', 1]],
  );
  assert.match(problems[0].message, /'TransientError' is in both on and never/);
  assert.match(problems[1].message, /'PipelineError' is never retried/);
});

test('a retry block that is not a mapping is rejected', () => {
  for (const raw of [undefined, 3, 'yes', [1]]) {
    const { policy, problems } = parseRetryPolicy(raw);
    assert.equal(policy, undefined);
    assert.deepEqual(problems[0].path, []);
  }
});

test('a single error name is accepted as a one-item list', () => {
  assert.deepEqual(parseRetryPolicy({ on: 'TransientError' }).policy?.on, ['TransientError']);
});

test('exact delays for each backoff without jitter, capped at max', () => {
  const exp: RetryPolicy = { ...base, backoff: 'exponential', initialMs: 100, coefficient: 3, maxMs: 2000 };
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => retryDelay(exp, i, Math.random)), [100, 300, 900, 2000, 2000]);
  const fixed: RetryPolicy = { ...base, backoff: 'fixed', initialMs: 250, maxMs: 1000 };
  assert.deepEqual([1, 2, 3].map((i) => retryDelay(fixed, i, Math.random)), [250, 250, 250]);
  const immediate: RetryPolicy = { ...base, backoff: 'immediate', initialMs: 250, jitter: 1 };
  assert.deepEqual([1, 2, 3].map((i) => retryDelay(immediate, i, Math.random)), [0, 0, 0]);
});

test('jitter spreads delays within d × (1 ± jitter), never past max', () => {
  const p: RetryPolicy = { ...base, backoff: 'exponential', initialMs: 1000, coefficient: 2, maxMs: 3000, jitter: 0.25 };
  // Deterministic pseudo-random draws (a linear congruential generator) so a failure is reproducible.
  let seed = 12345;
  const lcg = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let minSeen = Infinity;
  let maxSeen = -Infinity;
  let minCapped = Infinity;
  for (let n = 0; n < 5000; n++) {
    const d = retryDelay(p, 2, lcg); // base 2000 → [1500, 2500]
    assert.ok(d >= 1500 && d <= 2500, `delay ${d} out of bounds`);
    minSeen = Math.min(minSeen, d);
    maxSeen = Math.max(maxSeen, d);
    const capped = retryDelay(p, 3, lcg); // base 4000 → capped 3000 → [2250, 3000]
    assert.ok(capped >= 2250 && capped <= 3000, `capped delay ${capped} out of bounds`);
    minCapped = Math.min(minCapped, capped);
  }
  // Jitter applies after the cap, so capped delays still spread below max.
  assert.ok(minCapped < 2300, `capped delays never spread: min ${minCapped}`);
  // The draws cover most of the range rather than collapsing to one value.
  assert.ok(minSeen < 1550 && maxSeen > 2450, `spread ${minSeen}..${maxSeen}`);
  // The extremes of r map to the edges exactly.
  assert.equal(retryDelay(p, 2, () => 0), 1500);
  assert.equal(retryDelay(p, 1, () => 0.5), 1000);
});

test('isRetryable honours on, never and the always-never errors', () => {
  const anyError: RetryPolicy = { ...base, never: ['TypeError'] };
  assert.equal(isRetryable(anyError, new Error('x')), true);
  assert.equal(isRetryable(anyError, new TransientError('x')), true);
  assert.equal(isRetryable(anyError, new TimeoutError('x')), true);
  assert.equal(isRetryable(anyError, new TypeError('x')), false);
  assert.equal(isRetryable(anyError, new PipelineError([])), false);
  assert.equal(isRetryable(anyError, new CancelledError()), false);

  const onlyTransient: RetryPolicy = { ...base, on: ['TransientError'] };
  assert.equal(isRetryable(onlyTransient, new TransientError('x')), true);
  assert.equal(isRetryable(onlyTransient, new Error('x')), false);
  // A subclass with its own name still counts as a TransientError.
  class RateLimited extends TransientError {}
  const limited = new RateLimited('slow down');
  Object.defineProperty(limited, 'name', { value: 'RateLimited' });
  assert.equal(limited.name, 'RateLimited');
  assert.equal(isRetryable(onlyTransient, limited), true);
  // A plain object named like an error is judged by its name.
  assert.equal(isRetryable(onlyTransient, { name: 'TransientError', message: 'm' }), true);
});

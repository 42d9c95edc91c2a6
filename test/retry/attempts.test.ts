import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError, CancelledError, TimeoutError } from '../../runtime/errors';
import {
  runWithRetry,
  attemptsOf,
  sleep,
  DEFAULT_RETRY_POLICY,
  type AttemptRecord,
  type RetryPolicy,
} from '../../runtime/retry';

// Zero-length backoff keeps these tests free of real waiting while still going through sleep().
const quick: RetryPolicy = { ...DEFAULT_RETRY_POLICY, attempts: 4, backoff: 'fixed', initialMs: 0, maxMs: 0, on: [], never: [] };

/** A clock that advances 10 ms on every reading, so durations in records are exact. */
function fakeClock(): () => number {
  let t = 1000;
  return () => (t += 10);
}

test('retries until success and records every attempt', async () => {
  const seen: number[] = [];
  const ended: AttemptRecord[] = [];
  const result = await runWithRetry(
    async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new TransientError(`flaky ${attempt}`);
      return 'done';
    },
    { ...quick, backoff: 'exponential', initialMs: 1, coefficient: 2, maxMs: 1 },
    { now: fakeClock(), onAttemptStart: (a) => seen.push(-a), onAttemptEnd: (r) => ended.push(r) },
  );
  assert.equal(result.value, 'done');
  assert.deepEqual(seen, [-1, 1, -2, 2, -3, 3]);
  assert.deepEqual(result.attempts, [
    { attempt: 1, start: 1010, durationMs: 10, ok: false, error: { name: 'TransientError', message: 'flaky 1' }, delayMs: 1 },
    { attempt: 2, start: 1030, durationMs: 10, ok: false, error: { name: 'TransientError', message: 'flaky 2' }, delayMs: 1 },
    { attempt: 3, start: 1050, durationMs: 10, ok: true },
  ]);
  assert.deepEqual(ended, result.attempts);
});

test('gives up after policy.attempts and throws the last error with its attempts', async () => {
  let calls = 0;
  const err = await runWithRetry(
    async (attempt) => {
      calls++;
      throw new Error(`boom ${attempt}`);
    },
    { ...quick, attempts: 3 },
  ).catch((e: unknown) => e);
  assert.equal(calls, 3);
  assert.ok(err instanceof Error);
  assert.equal(err.message, 'boom 3');
  const records = attemptsOf(err)!;
  assert.deepEqual(records.map((r) => r.attempt), [1, 2, 3]);
  // The last attempt has no delay: nothing followed it.
  assert.deepEqual(records.map((r) => r.delayMs), [0, 0, undefined]);
  // Non-enumerable, so logging or serialising the error does not drag the records along.
  assert.equal(Object.keys(err).includes('attempts'), false);
});

test('never-retry errors and always-never errors are not retried', async () => {
  const cases: [RetryPolicy, Error][] = [
    [{ ...quick, never: ['TypeError'] }, new TypeError('bad type')],
    [quick, new CancelledError('stop')],
  ];
  for (const [policy, error] of cases) {
    let calls = 0;
    const err = await runWithRetry(async () => {
      calls++;
      throw error;
    }, policy).catch((e: unknown) => e);
    assert.equal(calls, 1);
    assert.equal(err, error);
    assert.equal(attemptsOf(err)!.length, 1);
  }
});

test('the retry-on list is honoured', async () => {
  const policy: RetryPolicy = { ...quick, on: ['TransientError'] };
  let calls = 0;
  await assert.rejects(
    runWithRetry(async () => {
      calls++;
      throw new RangeError('not listed');
    }, policy),
    RangeError,
  );
  assert.equal(calls, 1);
  calls = 0;
  const { value } = await runWithRetry(async (attempt) => {
    calls++;
    if (attempt === 1) throw new TransientError('listed');
    return attempt;
  }, policy);
  assert.equal(value, 2);
  assert.equal(calls, 2);
});

test('non-Error throws are wrapped so attempts can be attached', async () => {
  const err = await runWithRetry(async () => {
    throw 'just a string';
  }, { ...quick, attempts: 2 }).catch((e: unknown) => e);
  assert.ok(err instanceof Error);
  assert.equal(err.message, 'just a string');
  assert.equal(attemptsOf(err)!.length, 2);
});

test('cancelling during a 10 s backoff rejects at once with CancelledError', async () => {
  const controller = new AbortController();
  const policy: RetryPolicy = { ...quick, backoff: 'fixed', initialMs: 10_000, maxMs: 10_000 };
  let calls = 0;
  const started = Date.now();
  const run = runWithRetry(
    async () => {
      calls++;
      throw new TransientError('fail');
    },
    policy,
    {
      signal: controller.signal,
      // Cancel right after the first attempt has ended and its 10 s wait begins.
      onAttemptEnd: (r) => {
        assert.equal(r.delayMs, 10_000);
        setImmediate(() => controller.abort());
      },
    },
  );
  const err = await run.catch((e: unknown) => e);
  assert.ok(err instanceof CancelledError, `expected CancelledError, got ${String(err)}`);
  assert.equal(calls, 1);
  assert.equal(attemptsOf(err)!.length, 1);
  // Safety bound only: the wait must not have run its 10 s course.
  assert.ok(Date.now() - started < 1000);
});

// Without a per-attempt timeout the attempt's signal is the outer signal itself; with one,
// it is the attempt's own, aborted with a CancelledError.
for (const [label, policy] of [
  ['no timeout', quick],
  ['a per-attempt timeout', { ...quick, timeoutMs: 60_000 }],
] as const) {
  test(`cancelling during an attempt rejects with CancelledError and aborts the attempt signal (${label})`, async () => {
    const controller = new AbortController();
    let attemptSignal: AbortSignal | undefined;
    const run = runWithRetry(
      (_attempt, signal) => {
        attemptSignal = signal;
        setImmediate(() => controller.abort());
        return new Promise<never>(() => {}); // ignores its signal and never settles
      },
      policy,
      { signal: controller.signal },
    );
    await assert.rejects(run, CancelledError);
    assert.equal(attemptSignal?.aborted, true);
    if (policy.timeoutMs !== undefined) assert.ok(attemptSignal?.reason instanceof CancelledError);
  });
}

test('an already-aborted signal runs nothing', async () => {
  let calls = 0;
  await assert.rejects(
    runWithRetry(async () => calls++, quick, { signal: AbortSignal.abort() }),
    CancelledError,
  );
  assert.equal(calls, 0);
});

test('a per-attempt timeout aborts the attempt signal and raises TimeoutError', async () => {
  const signals: AbortSignal[] = [];
  const err = await runWithRetry(
    (_attempt, signal) => {
      signals.push(signal);
      return new Promise<never>(() => {}); // hangs, ignoring the signal
    },
    { ...quick, attempts: 2, timeoutMs: 20 },
  ).catch((e: unknown) => e);
  assert.ok(err instanceof TimeoutError);
  assert.match(err.message, /attempt 2 of 2 timed out after 20 ms/);
  assert.equal(signals.length, 2);
  assert.ok(signals.every((s) => s.aborted && s.reason instanceof TimeoutError));
  assert.deepEqual(
    attemptsOf(err)!.map((r) => [r.attempt, r.ok, r.error?.name]),
    [
      [1, false, 'TimeoutError'],
      [2, false, 'TimeoutError'],
    ],
  );
});

test('attempt numbers never exceed policy.attempts, even for a nonsense policy', async () => {
  const seen: number[] = [];
  await assert.rejects(
    runWithRetry(async (attempt) => {
      seen.push(attempt);
      throw new Error('x');
    }, { ...quick, attempts: 0 }),
  );
  assert.deepEqual(seen, [1]);
});

test('sleep resolves after its time, rejects at once when cancelled', async () => {
  await sleep(1);
  const c = new AbortController();
  const waiting = sleep(60_000, c.signal);
  c.abort();
  await assert.rejects(waiting, CancelledError);
  await assert.rejects(sleep(5, AbortSignal.abort()), CancelledError);
});

// runWithRetryEager: the same attempt loop as runWithRetry, answering synchronously when
// the first try does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError, TimeoutError } from '../../runtime/errors';
import { runWithRetryEager, attemptsOf, DEFAULT_RETRY_POLICY, type AttemptRecord, type RetryPolicy } from '../../runtime/retry';

const quick: RetryPolicy = { ...DEFAULT_RETRY_POLICY, attempts: 3, backoff: 'fixed', initialMs: 0, maxMs: 0, on: [], never: [] };

function fakeClock(): () => number {
  let t = 1000;
  return () => (t += 10);
}

test('a synchronous first try that succeeds comes back synchronously, recorded like any attempt', () => {
  const started: [number, number][] = [];
  const ended: AttemptRecord[] = [];
  const result = runWithRetryEager(() => 'done', quick, {
    now: fakeClock(),
    onAttemptStart: (a, start) => started.push([a, start]),
    onAttemptEnd: (r) => ended.push(r),
  });
  assert.ok(!(result instanceof Promise), 'no promise for a synchronous answer');
  assert.equal(result.value, 'done');
  assert.deepEqual(result.attempts, [{ attempt: 1, start: 1010, durationMs: 10, ok: true }]);
  assert.deepEqual(started, [[1, 1010]]);
  assert.deepEqual(ended, result.attempts);
});

test('the caller may pass the first attempt start it just read', () => {
  const result = runWithRetryEager(() => 1, quick, { now: () => 500 }, 480);
  assert.ok(!(result instanceof Promise));
  assert.deepEqual(result.attempts, [{ attempt: 1, start: 480, durationMs: 20, ok: true }]);
});

test('a synchronous throw is retried and comes back as a promise', async () => {
  const result = runWithRetryEager(
    (attempt) => {
      if (attempt === 1) throw new TransientError('busy');
      return attempt;
    },
    quick,
    { now: fakeClock() },
  );
  assert.ok(result instanceof Promise);
  const { value, attempts } = await result;
  assert.equal(value, 2);
  assert.deepEqual(attempts.map((a) => [a.attempt, a.ok, a.error?.message]), [
    [1, false, 'busy'],
    [2, true, undefined],
  ]);
});

test('a thenable first try is awaited; final failures reject with the attempts attached', async () => {
  const ok = runWithRetryEager(async () => 'later', quick);
  assert.ok(ok instanceof Promise);
  assert.equal((await ok).value, 'later');

  let calls = 0;
  const failing = runWithRetryEager(() => {
    calls++;
    throw new TransientError(`no ${calls}`);
  }, quick);
  assert.ok(failing instanceof Promise, 'failures never throw synchronously');
  const err = await (failing as Promise<unknown>).then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.equal((err as Error).message, 'no 3');
  assert.equal(attemptsOf(err)?.length, 3);
});

test('with a timeout every try goes through the timed loop', async () => {
  const result = runWithRetryEager(() => new Promise<never>(() => undefined), { ...quick, attempts: 1, timeoutMs: 5 });
  assert.ok(result instanceof Promise);
  await assert.rejects(result as Promise<unknown>, TimeoutError);
});

test('an aborted signal rejects before any try', async () => {
  let calls = 0;
  const result = runWithRetryEager(() => ++calls, quick, { signal: AbortSignal.abort() });
  assert.ok(result instanceof Promise);
  await assert.rejects(result as Promise<unknown>, { name: 'CancelledError' });
  assert.equal(calls, 0);
});

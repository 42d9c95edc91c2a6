// R6 retry properties (fast-check): delays stay in [0, max], jitter stays within ±jitter of
// the un-jittered delay, attempts never exceed the policy, never-retry errors are never
// retried, and cancelling during a backoff returns promptly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ALWAYS_NEVER_RETRIED, CancelledError, retryDelay, runWithRetry, type RetryPolicy } from '../../runtime';
import { Failures, recordCheck, trialCount } from './helpers';

const RUNS = trialCount('PLUMB_RETRY_RUNS', 2000, 400);

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  attempts: fc.integer({ min: 1, max: 8 }),
  backoff: fc.constantFrom('immediate', 'fixed', 'exponential') as fc.Arbitrary<RetryPolicy['backoff']>,
  initialMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
  coefficient: fc.double({ min: 1, max: 10, noNaN: true }),
  maxMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  on: fc.constant([]),
  never: fc.constant([]),
});

/** The un-jittered delay before retry `k`, capped: what retryDelay spreads around. */
function plainDelay(p: RetryPolicy, k: number): number {
  if (p.backoff === 'immediate') return 0;
  const base = p.backoff === 'fixed' ? p.initialMs : p.initialMs * Math.pow(p.coefficient, k - 1);
  return Math.min(base, p.maxMs);
}

test('R6: retry delays, attempt counts, never-retry and cancellation hold for random policies', { timeout: 120_000 }, async () => {
  const failures = new Failures();
  let cases = 0;
  const check = (ok: boolean, what: string): void => {
    cases++;
    if (!ok) failures.add(what);
  };

  // Delays: within [0, max], and within ±jitter × plain of the plain delay.
  fc.assert(
    fc.property(policyArb, fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (p, k, r) => {
      const d = retryDelay(p, k, () => r);
      const plain = plainDelay(p, k);
      const eps = 1e-9 * Math.max(1, plain);
      check(Number.isFinite(d) && d >= 0 && d <= p.maxMs + eps, `delay ${d} outside [0, ${p.maxMs}] for ${JSON.stringify(p)} k=${k}`);
      check(Math.abs(d - plain) <= p.jitter * plain + eps, `delay ${d} more than ±${p.jitter} from ${plain} for ${JSON.stringify(p)} k=${k}`);
      if (p.jitter === 0) check(d === plain, `no jitter yet delay ${d} ≠ ${plain}`);
      return true;
    }),
    { numRuns: RUNS * 5 },
  );

  // Attempts never exceed the policy; a never-retry error is tried once.
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 10 }),
      fc.constantFrom('TransientError', 'Fatal', ...ALWAYS_NEVER_RETRIED),
      fc.boolean(),
      async (attempts, failFirst, errorName, listNever) => {
        const policy: RetryPolicy = { attempts, backoff: 'immediate', initialMs: 0, coefficient: 2, maxMs: 0, jitter: 0, on: [], never: listNever ? ['Fatal'] : [] };
        let calls = 0;
        const neverRetried = ALWAYS_NEVER_RETRIED.includes(errorName) || (listNever && errorName === 'Fatal');
        try {
          await runWithRetry(async () => {
            calls++;
            if (calls <= failFirst) throw Object.assign(new Error('planned'), { name: errorName });
            return 'done';
          }, policy);
        } catch {
          // counted below
        }
        check(calls <= attempts, `${calls} calls for attempts=${attempts}`);
        if (neverRetried && failFirst > 0) check(calls === 1, `never-retry ${errorName} was tried ${calls} times`);
        else check(calls === Math.min(attempts, failFirst + 1), `expected ${Math.min(attempts, failFirst + 1)} calls, got ${calls}`);
        return true;
      },
    ),
    { numRuns: RUNS },
  );

  // Cancelling during a backoff (even one of hours) returns promptly.
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1_000, max: 3_600_000 }), fc.integer({ min: 0, max: 5 }), async (waitMs, cancelAfterMs) => {
      const controller = new AbortController();
      const policy: RetryPolicy = { attempts: 3, backoff: 'fixed', initialMs: waitMs, coefficient: 2, maxMs: waitMs, jitter: 0, on: [], never: [] };
      const started = runWithRetry(async () => {
        throw new Error('fails');
      }, policy, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, cancelAfterMs));
      const t0 = performance.now();
      controller.abort();
      const err = await started.then(() => undefined, (e: unknown) => e);
      const took = performance.now() - t0;
      check(err instanceof CancelledError, `cancel gave ${String(err)}`);
      // A safety bound far above the microseconds it takes: a backoff that is not cut short would show as seconds.
      check(took < 200, `cancel took ${took.toFixed(0)} ms during a ${waitMs} ms backoff`);
      return true;
    }),
    { numRuns: 200 },
  );

  await recordCheck('R6-retry-properties', {
    title: 'Retry policy properties',
    trials: 3,
    cases,
    failures: failures.count,
    examples: failures.examples,
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

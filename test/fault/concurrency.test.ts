// R2 concurrency at full size: 8 processes × 100 saves into one store at the same time
// must get 800 distinct version numbers, and every one must load and verify.
// (test/store/concurrency.test.ts is the quick 8 × 25 version.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../runtime/store';
import { runNode } from '../store/helpers';
import { bundleFixture, Failures, recordCheck, tempDir, trialCount } from './helpers';

const WORKERS = 8;
const PER_WORKER = trialCount('PLUMB_CONCURRENCY_SAVES', 100, 25);
const PIPELINE = 'busy';

async function saver(script: string, root: string, worker: number): Promise<number[]> {
  const out = await runNode([script, root, PIPELINE, String(worker), String(PER_WORKER), '4'], `saver ${worker}`);
  return out.split('\n').slice(1).filter(Boolean).map(Number);
}

test(`R2: ${WORKERS} processes × ${PER_WORKER} saves at once get ${WORKERS * PER_WORKER} distinct versions`, { timeout: 300_000 }, async (t) => {
  const root = tempDir(t, 'plumb-busy-');
  const script = await bundleFixture(path.join(__dirname, 'fixtures', 'save-loop.ts'));
  t.after(() => fs.rmSync(script, { force: true }));
  const failures = new Failures();

  const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => saver(script, root, w)));
  const all = results.flat().sort((a, b) => a - b);
  const expected = Array.from({ length: WORKERS * PER_WORKER }, (_, i) => i + 1);
  if (new Set(all).size !== all.length) failures.add(`duplicate version numbers handed out: ${all.length - new Set(all).size}`);
  if (JSON.stringify(all) !== JSON.stringify(expected)) failures.add(`numbers are not exactly 1..${expected.length}`);

  const store = new Store(root);
  const list = await store.listVersions(PIPELINE);
  if (list.length !== expected.length) failures.add(`listVersions returned ${list.length} versions`);
  let loaded = 0;
  for (const m of list) {
    try {
      const v = await store.loadVersion(PIPELINE, m.version);
      const { worker, i } = v.state as { worker: number; i: number };
      assert.equal(results[worker][i], m.version, 'the saver that got this number saved this content');
      assert.equal(m.runId, `w${worker}-${i}`);
      loaded++;
    } catch (e) {
      failures.add(`version ${m.version}: ${(e as Error).message}`);
    }
  }
  for (const p of await store.verify(PIPELINE)) failures.add(`verify: ${p.message}`);

  await recordCheck('R2-concurrency', {
    title: 'Concurrent saves from many processes',
    trials: WORKERS,
    cases: WORKERS * PER_WORKER,
    failures: failures.count,
    examples: failures.examples,
    versionsLoaded: loaded,
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

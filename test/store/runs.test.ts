import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError } from '../../runtime/store';
import { tempDir } from './helpers';

test('run records save, load, list by start time and update in place', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  assert.equal(await store.latestRun('churn'), undefined);
  await store.saveRun('churn', { runId: 'b', startTime: 2000, stages: [{ name: 'fit', durationMs: 12.5 }] });
  await store.saveRun('churn', { runId: 'c', startTime: 1000, status: 'ok' });
  await store.saveRun('churn', { runId: 'a', startTime: 3000, status: 'running' });
  assert.deepEqual((await store.listRuns('churn')).map((r) => r.runId), ['c', 'b', 'a']);
  assert.deepEqual(await store.getRun('churn', 'b'), { runId: 'b', startTime: 2000, stages: [{ name: 'fit', durationMs: 12.5 }] });
  assert.equal((await store.latestRun('churn'))?.runId, 'a');
  await store.saveRun('churn', { runId: 'a', startTime: 3000, status: 'failed' });
  assert.equal((await store.getRun('churn', 'a')).status, 'failed');
  assert.equal((await store.listRuns('churn')).length, 3);
  await assert.rejects(store.getRun('churn', 'zzz'), (e: unknown) => e instanceof StoreError && e.code === 'not-found' && /runs: a, b, c/.test(e.message));
});

test('a damaged run record is named; skipDamaged lists the rest', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  await store.saveRun('churn', { runId: 'r1', startTime: 1 });
  await store.saveRun('churn', { runId: 'r2', startTime: 2 });
  const bad = path.join(root, 'pipelines', 'churn', 'runs', 'r1.json');
  fs.writeFileSync(bad, '{"runId": "r1", ');
  await assert.rejects(store.listRuns('churn'), (e: unknown) => e instanceof StoreError && e.code === 'corrupt' && e.message.includes(bad));
  const list = await store.listRuns('churn', { skipDamaged: true });
  assert.deepEqual(list.map((r) => r.runId), ['r2']);
  assert.deepEqual(list.damaged?.map((d) => d.file), [bad]);
});

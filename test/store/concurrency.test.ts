import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../runtime/store';
import { runNode, tempDir } from './helpers';

const WORKERS = 8;
const PER_WORKER = 25;
const FIXTURE = path.join(__dirname, 'fixtures', 'save-many.ts');

async function runWorker(root: string, worker: number): Promise<number[]> {
  const out = await runNode(['--import', 'tsx', FIXTURE, root, 'churn', String(worker), String(PER_WORKER)], `worker ${worker}`);
  return JSON.parse(out.trim()) as number[];
}

test('8 processes saving 25 versions each at once get 200 distinct numbers 1..200', async (t) => {
  const root = tempDir(t);
  const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => runWorker(root, w)));
  const all = results.flat().sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: WORKERS * PER_WORKER }, (_, i) => i + 1));
  // Each worker's own saves came out in increasing order.
  for (const got of results) assert.deepEqual(got, [...got].sort((a, b) => a - b));

  const store = new Store(root);
  const list = await store.listVersions('churn');
  assert.equal(list.length, 200);
  for (const m of list) {
    const loaded = await store.loadVersion('churn', m.version);
    const { worker, i } = loaded.state as { worker: number; i: number };
    assert.equal(m.runId, `w${worker}-${i}`);
    assert.deepEqual(loaded.model, { kind: 'constant', value: worker * 1000 + i });
    assert.equal(results[worker][i], m.version);
    // Parent = the newest version when the number was claimed, which is the one just before.
    assert.equal(m.parent, m.version > 1 ? m.version - 1 : undefined);
  }
  assert.deepEqual(await store.verify(), []);
  // No temp file survived any of the writers.
  const versionsDir = path.join(root, 'pipelines', 'churn', 'versions');
  assert.deepEqual(fs.readdirSync(versionsDir).filter((n) => n.startsWith('.')), []);
});

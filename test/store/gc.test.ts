import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError } from '../../runtime/store';
import { dirSize, sampleInput, tempDir } from './helpers';

function objectPath(root: string, id: string): string {
  return path.join(root, 'objects', id.slice(0, 2), id.slice(2));
}

test('gc removes only unreferenced objects and reports the bytes freed', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const v1 = await store.saveVersion('churn', sampleInput({ auc: 0.7 }));
  const v2 = await store.saveVersion('churn', sampleInput({ auc: 0.8 }));
  const loose = await store.putJson({ scratch: true });
  const looseSize = fs.statSync(objectPath(root, loose)).size;

  // Young objects are protected by the default age rule.
  assert.equal((await store.gc()).removedObjects, 0);

  const result = await store.gc({ minAgeMs: 0 });
  assert.deepEqual(result, { removedObjects: 1, freedBytes: looseSize, keptObjects: 5, removedTempFiles: 0 });
  assert.equal(fs.existsSync(objectPath(root, loose)), false);

  // Deleting v1 makes its metrics object garbage (state, config, model are shared with v2).
  await store.deleteVersion('churn', 1);
  const metricsSize = v1.sizes.metrics;
  const second = await store.gc({ minAgeMs: 0 });
  assert.deepEqual(second, { removedObjects: 1, freedBytes: metricsSize, keptObjects: 4, removedTempFiles: 0 });
  assert.equal(fs.existsSync(objectPath(root, v1.objects.metrics)), false);
  const loaded = await store.loadVersion('churn', 2);
  assert.equal((loaded.metrics as { auc: number }).auc, 0.8);
  assert.deepEqual(await store.verify(), []);
  assert.equal(v2.objects.state, v1.objects.state);
});

test('dryRun counts without removing', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  await store.putJson({ scratch: 1 });
  const before = dirSize(path.join(root, 'objects'));
  const result = await store.gc({ minAgeMs: 0, dryRun: true });
  assert.equal(result.removedObjects, 1);
  assert.equal(dirSize(path.join(root, 'objects')), before);
});

test('gc sweeps old temp files but leaves fresh ones (a write may be in progress)', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  await store.saveVersion('churn', sampleInput());
  const versions = path.join(root, 'pipelines', 'churn', 'versions');
  const old = path.join(versions, '.tmp-1-aaaa-000002.json');
  const fresh = path.join(versions, '.tmp-1-bbbb-000002.json');
  const oldObjectTemp = path.join(root, 'objects', '.tmp-1-cccc-x');
  for (const f of [old, fresh, oldObjectTemp]) fs.writeFileSync(f, 'partial');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(old, twoHoursAgo, twoHoursAgo);
  fs.utimesSync(oldObjectTemp, twoHoursAgo, twoHoursAgo);
  const result = await store.gc({ minAgeMs: 0 });
  assert.equal(result.removedTempFiles, 2);
  assert.equal(result.removedObjects, 0);
  assert.equal(fs.existsSync(old), false);
  assert.equal(fs.existsSync(oldObjectTemp), false);
  assert.equal(fs.existsSync(fresh), true);
});

test('gc keeps objects named by a damaged manifest', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const v1 = await store.saveVersion('churn', sampleInput({ auc: 0.6 }));
  await store.saveVersion('churn', sampleInput({ auc: 0.9 }));
  const file = path.join(root, 'pipelines', 'churn', 'versions', '000001.json');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, -3)); // truncated JSON
  const result = await store.gc({ minAgeMs: 0 });
  assert.equal(result.removedObjects, 0);
  assert.ok(fs.existsSync(objectPath(root, v1.objects.metrics)));
  const problems = await store.verify();
  assert.equal(problems.length, 1);
  assert.equal(problems[0].code, 'corrupt');
  assert.equal(problems[0].file, file);
});

test('a second gc while one holds the lock is refused', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  await store.putJson({ x: 1 });
  fs.writeFileSync(path.join(root, 'gc.lock'), '{}');
  await assert.rejects(store.gc({ minAgeMs: 0 }), (e: unknown) => e instanceof StoreError && e.code === 'conflict');
  fs.rmSync(path.join(root, 'gc.lock'));
  assert.equal((await store.gc({ minAgeMs: 0 })).removedObjects, 1);
  assert.equal(fs.existsSync(path.join(root, 'gc.lock')), false);
});

test('verify names the version, artifact and object of a tampered file', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const v1 = await store.saveVersion('churn', sampleInput());
  await store.saveVersion('other', sampleInput({ auc: 0.5 }));
  fs.writeFileSync(objectPath(root, v1.objects.model!), '{"kind":"evil"}');
  const problems = await store.verify('churn');
  assert.equal(problems.length, 1);
  assert.equal(problems[0].version, 1);
  assert.equal(problems[0].artifact, 'model');
  assert.equal(problems[0].objectId, v1.objects.model);
  assert.equal(problems[0].code, 'corrupt');
  // 'other' shares the model object, so the whole-store check reports it there too.
  assert.deepEqual((await store.verify()).map((p) => `${p.pipeline}:${p.version}:${p.artifact}`), ['churn:1:model', 'other:1:model']);
  fs.rmSync(objectPath(root, v1.objects.state));
  assert.ok((await store.verify('churn')).some((p) => p.artifact === 'state' && p.code === 'not-found'));
});

test('a gc racing saves that reuse garbage objects never leaves a version with a missing object', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (let round = 0; round < 10; round++) {
    // Make the sample's objects garbage, then save them again while gc runs.
    const doomed = await store.saveVersion('churn', sampleInput({ auc: round }));
    await store.deleteVersion('churn', doomed.version);
    const saves = Promise.all([0, 1, 2].map(() => new Store(root).saveVersion('churn', sampleInput({ auc: round }))));
    const [, saved] = await Promise.all([new Store(root).gc({ minAgeMs: 0 }), saves]);
    for (const m of saved) assert.equal((await store.loadVersion('churn', m.version)).manifest.version, m.version);
  }
  assert.deepEqual(await store.verify(), []);
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError } from '../../runtime/store';
import { dirSize, sampleInput, tempDir } from './helpers';

const isStoreError = (code: string, pattern?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
  assert.equal(e.code, code);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

test('saveVersion then loadVersion round-trips every artifact and the lineage', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const input = sampleInput();
  const saved = await store.saveVersion('churn', { ...input, time: 1_700_000_000_000, tags: ['nightly'] });
  assert.equal(saved.version, 1);
  assert.equal(saved.format, 1);
  assert.equal(saved.parent, undefined);
  assert.equal(saved.time, 1_700_000_000_000);
  assert.deepEqual(saved.tags, ['nightly']);
  // Summary keeps only top-level numbers (confusion is a matrix).
  assert.deepEqual(saved.metrics, { accuracy: 0.75, auc: 0.81 });
  assert.ok(fs.existsSync(path.join(root, 'pipelines', 'churn', 'versions', '000001.json')));

  const loaded = await store.loadVersion('churn', 1);
  assert.deepEqual(loaded.state, input.artifacts.state);
  assert.deepEqual(loaded.config, input.artifacts.config);
  assert.deepEqual(loaded.model, input.artifacts.model);
  assert.deepEqual(loaded.metrics, input.artifacts.metrics);
  assert.equal(loaded.manifest.runId, 'run-1');
  assert.deepEqual(loaded.manifest.params, input.lineage.params);
  assert.equal(loaded.manifest.sizes.model, Buffer.byteLength(JSON.stringify({ bias: 0.1, kind: 'logistic-regression', weights: [0.25, -1.5, 3] })));
  assert.deepEqual(await store.loadArtifact('churn', 'latest', 'model'), input.artifacts.model);
});

test('a version without a model loads model as null', async (t) => {
  const store = new Store(tempDir(t));
  const input = sampleInput();
  input.artifacts.model = null;
  const saved = await store.saveVersion('features', input);
  assert.equal(saved.objects.model, undefined);
  assert.equal(await store.loadArtifact('features', 1, 'model'), null);
  assert.equal((await store.loadVersion('features', 1)).model, null);
});

test('re-saving unchanged artifacts adds 0 bytes of objects; parent defaults to latest', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const first = await store.saveVersion('churn', sampleInput());
  const objectBytes = dirSize(path.join(root, 'objects'));
  const second = await store.saveVersion('churn', sampleInput({ runId: 'run-2' }));
  assert.equal(dirSize(path.join(root, 'objects')), objectBytes);
  assert.deepEqual(second.objects, first.objects);
  assert.equal(second.version, 2);
  assert.equal(second.parent, 1);
  const third = await store.saveVersion('churn', { ...sampleInput({ auc: 0.9 }), lineage: { ...sampleInput().lineage, parent: 1 } });
  assert.equal(third.parent, 1);
  assert.ok(dirSize(path.join(root, 'objects')) > objectBytes, 'changed metrics add a new object');
  assert.notEqual(third.objects.metrics, first.objects.metrics);
  assert.equal(third.objects.state, first.objects.state);
});

test('listVersions is ascending, carries aliases, and ignores temp and foreign files', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (let i = 0; i < 12; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  await store.tag('churn', 'champion', 3);
  await store.tag('churn', 'staging', 3);
  await store.tag('churn', 'candidate', 'latest');
  const dir = path.join(root, 'pipelines', 'churn', 'versions');
  fs.writeFileSync(path.join(dir, '.tmp-999-abc-000013.json'), '{"half":');
  fs.writeFileSync(path.join(dir, '0000002.json'), '{}'); // not canonical padding: not a version
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'hi');

  const list = await store.listVersions('churn');
  assert.deepEqual(list.map((m) => m.version), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(list[2].aliases, ['champion', 'staging']);
  assert.deepEqual(list[11].aliases, ['candidate']);
  assert.deepEqual(list[0].aliases, []);
  assert.deepEqual(list.map((m) => (m.params as { seed: number }).seed), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  // The next save still gets 13: the temp file never counted as a version.
  assert.equal((await store.saveVersion('churn', sampleInput())).version, 13);
  // A second Store (another process) sees the same list through the index.
  const again = await new Store(root).listVersions('churn');
  assert.deepEqual(again.map((m) => m.version), [...list.map((m) => m.version), 13]);
});

test('the listing notices manifests removed or added behind its back', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (let i = 0; i < 4; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  assert.equal((await store.listVersions('churn')).length, 4);
  const dir = path.join(root, 'pipelines', 'churn', 'versions');
  fs.unlinkSync(path.join(dir, '000002.json'));
  await new Store(root).saveVersion('churn', sampleInput({ seed: 99 }));
  const list = await store.listVersions('churn');
  assert.deepEqual(list.map((m) => m.version), [1, 3, 4, 5]);
  assert.equal((list[3].params as { seed: number }).seed, 99);
  // A damaged index is only a cache: it is rebuilt.
  fs.writeFileSync(path.join(root, 'pipelines', 'churn', 'index.json'), '{not json');
  assert.deepEqual((await new Store(root).listVersions('churn')).map((m) => m.version), [1, 3, 4, 5]);
});

test('getVersion and resolve accept numbers, numeric strings, latest and aliases', async (t) => {
  const store = new Store(tempDir(t));
  for (let i = 0; i < 5; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  await store.tag('churn', 'champion', '2');
  assert.equal(await store.resolve('churn', 4), 4);
  assert.equal(await store.resolve('churn', '4'), 4);
  assert.equal(await store.resolve('churn', 'latest'), 5);
  assert.equal(await store.resolve('churn', 'champion'), 2);
  const v = await store.getVersion('churn', 'champion');
  assert.equal(v.version, 2);
  assert.deepEqual(v.aliases, ['champion']);
  assert.equal((v.params as { seed: number }).seed, 1);
});

test('not-found errors say what exists', async (t) => {
  const store = new Store(tempDir(t));
  await assert.rejects(store.getVersion('churn', 'latest'), isStoreError('not-found', /churn has no versions yet/));
  for (let i = 0; i < 5; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  await store.tag('churn', 'champion', 5);
  await assert.rejects(
    store.getVersion('churn', 7),
    isStoreError('not-found', /^no version 7 of pipeline churn \(versions 1–5; aliases: champion\)$/),
  );
  await store.deleteVersion('churn', 3);
  await assert.rejects(store.getVersion('churn', 'best'), isStoreError('not-found', /no alias "best" .*\(versions 1–2, 4–5; aliases: champion\)/));
  await assert.rejects(store.getVersion('churn', 0), isStoreError('bad-name'));
  await assert.rejects(store.getVersion('churn', -1), isStoreError('bad-name'));
  await assert.rejects(store.getVersion('churn', 1.5), isStoreError('bad-name'));
});

test('tag, move, untag aliases', async (t) => {
  const store = new Store(tempDir(t));
  for (let i = 0; i < 3; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  assert.deepEqual(await store.aliases('churn'), {});
  assert.equal(await store.tag('churn', 'champion', 1), 1);
  assert.deepEqual(await store.aliases('churn'), { champion: 1 });
  await store.tag('churn', 'champion', 'latest'); // moving overwrites
  assert.deepEqual(await store.aliases('churn'), { champion: 3 });
  await store.tag('churn', 'prev', 'champion'); // an alias can be tagged from another alias
  assert.deepEqual(await store.aliases('churn'), { champion: 3, prev: 3 });
  await store.untag('churn', 'champion');
  assert.deepEqual(await store.aliases('churn'), { prev: 3 });
  await assert.rejects(store.untag('churn', 'champion'), isStoreError('not-found'));
  await assert.rejects(store.tag('churn', 'x', 9), isStoreError('not-found'));
  for (const bad of ['12', 'latest', '../x', '']) {
    await assert.rejects(store.tag('churn', bad, 1), isStoreError('bad-name'));
  }
});

test('deleteVersion removes the manifest and its aliases, keeps objects, never reuses the number', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (let i = 0; i < 3; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  await store.tag('churn', 'champion', 3);
  await store.tag('churn', 'first', 1);
  const objectBytes = dirSize(path.join(root, 'objects'));
  assert.equal(await store.deleteVersion('churn', 'champion'), 3);
  assert.deepEqual((await store.listVersions('churn')).map((m) => m.version), [1, 2]);
  assert.deepEqual(await store.aliases('churn'), { first: 1 });
  assert.equal(dirSize(path.join(root, 'objects')), objectBytes);
  await assert.rejects(store.deleteVersion('churn', 3), isStoreError('not-found'));
  const next = await store.saveVersion('churn', sampleInput({ seed: 7 }));
  assert.equal(next.version, 4);
  assert.equal(next.parent, 2);
});

test('diffVersions reports params, metrics with deltas, changed objects and lineage', async (t) => {
  const store = new Store(tempDir(t));
  await store.saveVersion('churn', sampleInput({ auc: 0.8, lr: 0.1 }));
  const b = sampleInput({ auc: 0.85, lr: 0.05, runId: 'run-2' });
  b.lineage.dataHash = 'c'.repeat(64);
  (b.artifacts.metrics as Record<string, unknown>).f1 = 0.5;
  await store.saveVersion('churn', b);
  const diff = await store.diffVersions('churn', 1, 2);
  assert.equal(diff.a, 1);
  assert.equal(diff.b, 2);
  assert.deepEqual(diff.params, [{ key: 'fit.learning_rate', from: 0.1, to: 0.05 }]);
  const auc = diff.metrics.find((m) => m.name === 'auc')!;
  assert.equal(auc.from, 0.8);
  assert.equal(auc.to, 0.85);
  assert.ok(Math.abs(auc.delta! - 0.05) < 1e-12);
  assert.deepEqual(diff.metrics.find((m) => m.name === 'accuracy'), { name: 'accuracy', from: 0.75, to: 0.75, delta: 0 });
  assert.deepEqual(diff.metrics.find((m) => m.name === 'f1'), { name: 'f1', from: null, to: 0.5, delta: null });
  assert.deepEqual(diff.objects.filter((o) => o.changed).map((o) => o.artifact), ['metrics']);
  assert.deepEqual(diff.lineage.map((l) => l.field).sort(), ['dataHash', 'parent', 'runId']);
  assert.deepEqual(diff.lineage.find((l) => l.field === 'parent'), { field: 'parent', from: null, to: 1 });
});

test('a damaged manifest is named; skipDamaged returns the rest and lists it', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (let i = 0; i < 3; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  await store.listVersions('churn'); // builds the index
  const bad = path.join(root, 'pipelines', 'churn', 'versions', '000002.json');
  fs.writeFileSync(bad, '{"format": 1, "pipeline": "churn", "vers');
  const fresh = new Store(root);
  // The index still holds version 2, but the direct read does not trust it.
  await assert.rejects(fresh.getVersion('churn', 2), (e: unknown) => e instanceof StoreError && e.code === 'corrupt' && e.path === bad && e.message.includes(bad));
  fs.rmSync(path.join(root, 'pipelines', 'churn', 'index.json'));
  await assert.rejects(fresh.listVersions('churn'), (e: unknown) => e instanceof StoreError && e.code === 'corrupt' && e.message.includes(bad));
  const list = await fresh.listVersions('churn', { skipDamaged: true });
  assert.deepEqual(list.map((m) => m.version), [1, 3]);
  assert.deepEqual(list.damaged?.map((d) => d.file), [bad]);
  // A manifest moved to another number is caught too.
  fs.copyFileSync(path.join(root, 'pipelines', 'churn', 'versions', '000001.json'), path.join(root, 'pipelines', 'churn', 'versions', '000009.json'));
  await assert.rejects(fresh.getVersion('churn', 9), isStoreError('corrupt', /says version 1 but its file name says 9/));
});

test('a store that does not exist lists nothing and creates nothing', async (t) => {
  const root = path.join(tempDir(t), 'never-made');
  const store = new Store(root);
  assert.deepEqual(await store.listPipelines(), []);
  assert.deepEqual([...(await store.listVersions('churn'))], []);
  assert.deepEqual(await store.aliases('churn'), {});
  assert.deepEqual([...(await store.listRuns('churn'))], []);
  assert.deepEqual(await store.verify(), []);
  assert.deepEqual(await store.gc({ minAgeMs: 0 }), { removedObjects: 0, freedBytes: 0, keptObjects: 0, removedTempFiles: 0 });
  assert.equal(fs.existsSync(root), false);
});

test('listPipelines names every pipeline with versions', async (t) => {
  const store = new Store(tempDir(t));
  await store.saveVersion('churn', sampleInput());
  await store.saveVersion('ames-housing', sampleInput());
  assert.deepEqual(await store.listPipelines(), ['ames-housing', 'churn']);
});

test('manifests listed from the index equal those read from their files', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  await store.saveVersion('churn', { ...sampleInput(), tags: ['a', 'b'], time: 5 });
  const noModel = sampleInput({ seed: 3 });
  noModel.artifacts.model = null;
  await store.saveVersion('churn', noModel);
  await store.saveVersion('churn', { ...sampleInput({ auc: 0.99 }), lineage: { ...sampleInput().lineage, parent: 1 } });
  const fromFiles = await store.listVersions('churn'); // reads files, writes the index
  const indexFile = path.join(root, 'pipelines', 'churn', 'index.json');
  assert.ok(fs.existsSync(indexFile));
  const fromIndex = await new Store(root).listVersions('churn');
  assert.deepEqual(fromIndex, fromFiles);
  assert.equal(fromIndex[1].objects.model, undefined);
  assert.deepEqual(fromIndex[0].tags, ['a', 'b']);
  // Each listed manifest also equals a direct getVersion.
  for (const m of fromIndex) assert.deepEqual(await store.getVersion('churn', m.version), m);
});

test('a tampered index is not trusted: listing falls back to the manifest files', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (let i = 0; i < 3; i++) await store.saveVersion('churn', sampleInput({ seed: i }));
  const expected = await store.listVersions('churn'); // writes the index
  const indexFile = path.join(root, 'pipelines', 'churn', 'index.json');
  const text = fs.readFileSync(indexFile, 'utf8');
  const [columns, ids] = [text.slice(0, text.indexOf('\n')), text.slice(text.indexOf('\n') + 1)];
  const tampered = [
    `${columns}\n${ids.slice(0, -64)}${'../'.repeat(21)}x`, // an id that is a path, not hex
    `${columns}\n${ids.toUpperCase()}`, // hex, but not an object id
    `${columns}\n${ids.slice(0, -64)}`, // an id row beyond the ids
    `${columns.replace('"metrics":[{', '"metrics":[{"x":"1",')}\n${ids}`, // a metric that is not a number
  ];
  for (const bad of tampered) {
    fs.writeFileSync(indexFile, bad);
    const list = await new Store(root).listVersions('churn');
    assert.deepEqual(list, expected);
    // ...and the index is rewritten from the files, and then serves the listing.
    assert.notEqual(fs.readFileSync(indexFile, 'utf8'), bad);
    assert.deepEqual(await new Store(root).listVersions('churn'), expected);
  }
});

test('each listing belongs to its caller: changing one does not change the next', async (t) => {
  const root = tempDir(t);
  for (let i = 0; i < 2; i++) await new Store(root).saveVersion('churn', sampleInput({ seed: i }));
  const store = new Store(root);
  const first = await store.listVersions('churn'); // from the files
  const second = await store.listVersions('churn'); // from the index
  first[0].aliases!.push('mine');
  first[0].objects.state = 'changed';
  second[1].sizes.config = -5;
  const third = await store.listVersions('churn');
  assert.deepEqual(third[0].aliases, []);
  assert.notEqual(third[0].objects.state, 'changed');
  assert.notEqual(third[1].sizes.config, -5);
  assert.deepEqual(await new Store(root).listVersions('churn'), third);
});

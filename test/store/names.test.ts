import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError } from '../../runtime/store';
import { listFiles, sampleInput, tempDir } from './helpers';

const HOSTILE = ['../../x', 'a/b', 'a\\b', '', 'x'.repeat(300), 'a\0b', '..', '.', '.hidden', '-rf', 'a b', 'CON', 'nul.txt', 'tab\there'];

const badName = (e: unknown) => e instanceof StoreError && e.code === 'bad-name';

test('hostile pipeline names are rejected and nothing is created anywhere', async (t) => {
  const parent = tempDir(t);
  const root = path.join(parent, 'store');
  const store = new Store(root);
  for (const name of HOSTILE) {
    await assert.rejects(store.saveVersion(name, sampleInput()), badName, `pipeline ${JSON.stringify(name)}`);
    await assert.rejects(store.listVersions(name), badName);
    await assert.rejects(store.saveRun(name, { runId: 'r1' }), badName);
  }
  assert.deepEqual(listFiles(parent), []);
});

test('hostile alias and run id names are rejected; the store content is unchanged', async (t) => {
  const parent = tempDir(t);
  const root = path.join(parent, 'store');
  const store = new Store(root);
  await store.saveVersion('churn', sampleInput());
  const before = listFiles(parent);
  for (const name of HOSTILE) {
    await assert.rejects(store.tag('churn', name, 1), badName, `alias ${JSON.stringify(name)}`);
    await assert.rejects(store.saveRun('churn', { runId: name }), badName);
    await assert.rejects(store.getRun('churn', name), badName);
    await assert.rejects(store.saveVersion('churn', sampleInput({ runId: name })), badName);
  }
  assert.deepEqual(listFiles(parent), before);
});

test('bad-name messages quote the name with control characters escaped', async (t) => {
  const store = new Store(tempDir(t));
  await assert.rejects(store.listVersions('a\0b\nc'), (e: unknown) => {
    assert.ok(e instanceof StoreError);
    assert.equal(e.message.includes('\0'), false);
    assert.equal(e.message.includes('\n'), false);
    assert.match(e.message, /invalid pipeline name "a\\u0000b\\nc"/);
    return true;
  });
  await assert.rejects(store.listVersions('x'.repeat(300)), /longer than 128 characters/);
});

test('ordinary names work, including dots, dashes and underscores', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  await store.saveVersion('churn_v2.small-1', sampleInput({ runId: '2024-01-01T10.00.00_abc' }));
  await store.tag('churn_v2.small-1', 'champion.2024-q1', 1);
  assert.equal(await store.resolve('churn_v2.small-1', 'champion.2024-q1'), 1);
  assert.ok(fs.existsSync(path.join(root, 'pipelines', 'churn_v2.small-1', 'aliases', 'champion.2024-q1')));
});

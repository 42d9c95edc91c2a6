import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError } from '../../runtime/store';
import { dirSize, listFiles, tempDir } from './helpers';

test('putObject stores bytes under their sha256 and getObject returns them', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const bytes = new TextEncoder().encode('hello plumb');
  const id = await store.putObject(bytes);
  assert.equal(id, createHash('sha256').update('hello plumb').digest('hex'));
  assert.ok(fs.existsSync(path.join(root, 'objects', id.slice(0, 2), id.slice(2))));
  assert.deepEqual(Buffer.from(await store.getObject(id)).toString(), 'hello plumb');
  // No temp file is left beside the object.
  assert.deepEqual(listFiles(path.join(root, 'objects')), [path.join(id.slice(0, 2), id.slice(2))]);
});

test('putJson is canonical: key order does not change the id, and a re-put adds 0 bytes', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const a = await store.putJson({ b: 1, a: { y: [1, 2, { q: true, p: null }], x: 'z' } });
  const sizeAfterFirst = dirSize(path.join(root, 'objects'));
  const b = await store.putJson({ a: { x: 'z', y: [1, 2, { p: null, q: true }] }, b: 1 });
  assert.equal(a, b);
  assert.equal(dirSize(path.join(root, 'objects')), sizeAfterFirst);
  assert.deepEqual(await store.getJson(a), { a: { x: 'z', y: [1, 2, { p: null, q: true }] }, b: 1 });
  // The stored bytes are the compact sorted form.
  const text = fs.readFileSync(path.join(root, 'objects', a.slice(0, 2), a.slice(2)), 'utf8');
  assert.equal(text, '{"a":{"x":"z","y":[1,2,{"p":null,"q":true}]},"b":1}');
});

test('a __proto__ key round-trips as plain data and pollutes nothing', async (t) => {
  const store = new Store(tempDir(t));
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
  const id = await store.putJson(hostile);
  const back = (await store.getJson(id)) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.keys(back).sort(), ['__proto__', 'ok']);
});

test('putJson rejects values JSON cannot hold', async (t) => {
  const store = new Store(tempDir(t));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(store.putJson(cyclic), /refers to itself/);
  await assert.rejects(store.putJson({ n: 10n }), /bigint/);
  await assert.rejects(store.putJson({ w: new Int32Array(2) }), /typed arrays other than Float64Array/);
});

test('a tampered object is reported as corrupt, naming its id and the actual hash', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const id = await store.putJson({ weights: [1, 2, 3] });
  const file = path.join(root, 'objects', id.slice(0, 2), id.slice(2));
  fs.writeFileSync(file, '{"weights":[1,2,4]}');
  const actual = createHash('sha256').update('{"weights":[1,2,4]}').digest('hex');
  await assert.rejects(store.getJson(id), (e: unknown) => {
    assert.ok(e instanceof StoreError);
    assert.equal(e.code, 'corrupt');
    assert.equal(e.path, file);
    assert.match(e.message, new RegExp(`object ${id} is damaged: its content hashes to ${actual}`));
    return true;
  });
});

test('bad and missing object ids', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  for (const bad of ['../../etc/passwd', 'ABC', 'a'.repeat(63), 'A'.repeat(64), '']) {
    await assert.rejects(store.getObject(bad), (e: unknown) => e instanceof StoreError && e.code === 'bad-name');
  }
  await assert.rejects(store.getObject('0'.repeat(64)), (e: unknown) => e instanceof StoreError && e.code === 'not-found');
  assert.equal(fs.existsSync(root) ? fs.readdirSync(root).length : 0, 0);
});

// Binary artifact objects: long arrays of finite numbers are stored as raw float64 inside
// one content-addressed object (runtime/store/binary.ts) and come back as plain number[].
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError, canonicalJson } from '../../runtime/store';
import { MIN_BINARY_ARRAY_LENGTH, encodeArtifact, planArtifact, planChunks, type BinaryPlan } from '../../runtime/store/binary';
import { dirSize, sampleInput, tempDir } from './helpers';

const N = MIN_BINARY_ARRAY_LENGTH;
const objectFile = (root: string, id: string) => path.join(root, 'objects', id.slice(0, 2), id.slice(2));
const isCorrupt = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
  assert.equal(e.code, 'corrupt');
  assert.match(e.message, pattern);
  return true;
};

/** Awkward doubles: subnormals, extremes, integers beyond 2^53, -0 (JSON gives it back as 0). */
function weights(n: number, salt = 0): number[] {
  const special = [5e-324, -1.7976931348623157e308, 2 ** 60 + 0.5, 0.1, -0, 1 / 3, 123456789.125];
  return Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : Math.sin(i + salt) * 10 ** ((i % 40) - 20)));
}

/** What the value reads back as through plain JSON: the behaviour binary must match. */
const viaJson = (v: unknown) => JSON.parse(JSON.stringify(v));

test('long number arrays are stored as float64 and load back as the same plain number[]', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const model = {
    kind: 'logistic-regression',
    data: { coef: [weights(N, 1), weights(N + 3, 2)], intercept: [0.5, -0.25], bias: weights(2 * N, 3) },
  };
  const id = await store.putJson(model);
  const bytes = fs.readFileSync(objectFile(root, id));
  assert.equal(bytes.subarray(0, 8).toString('latin1'), '\0PLUMBF1');
  assert.ok(bytes.byteLength < canonicalJson(model).length / 1.5, `binary ${bytes.byteLength} B vs JSON ${canonicalJson(model).length} B`);

  // Streamed through small reused chunks (arrays cut across chunk ends) = built in one buffer.
  assert.deepEqual(bytes, encodeArtifact(model));
  const parts: Buffer[] = [];
  for (const chunk of planChunks(planArtifact(model) as BinaryPlan, 8 * 1000)) parts.push(Buffer.from(chunk)); // copied: buffers are reused
  assert.deepEqual(Buffer.concat(parts), bytes);

  const back = (await store.getJson(id)) as typeof model;
  assert.deepEqual(back, viaJson(model));
  assert.ok(Array.isArray(back.data.coef[1]) && !ArrayBuffer.isView(back.data.coef[1]));
  assert.ok(Object.is(back.data.coef[0][4], 0), '-0 is stored as 0, as JSON would');

  // Same value, other key order → same object, 0 bytes added.
  const before = dirSize(path.join(root, 'objects'));
  assert.equal(await store.putJson({ data: { bias: model.data.bias, intercept: [0.5, -0.25], coef: model.data.coef }, kind: 'logistic-regression' }), id);
  assert.equal(dirSize(path.join(root, 'objects')), before);
});

test('short arrays, non-finite numbers, holes and mixed arrays stay JSON text', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const withNaN = weights(N);
  withNaN[10] = NaN;
  const holey = weights(N);
  delete holey[7];
  const mixed: unknown[] = weights(N);
  mixed[3] = 'x';
  for (const value of [{ w: weights(N - 1) }, { w: withNaN }, { w: holey }, { w: mixed }]) {
    const id = await store.putJson(value);
    // Byte for byte the canonical JSON earlier stores hold, so old objects keep deduplicating.
    assert.equal(fs.readFileSync(objectFile(root, id), 'utf8'), canonicalJson(value));
    assert.deepEqual(await store.getJson(id), viaJson(value));
  }
});

test('a value that itself uses the reference key is kept as JSON and loads back unchanged', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const value = { fake: { '$plumb:f64': 0, length: N }, w: weights(N) };
  const id = await store.putJson(value);
  assert.equal(fs.readFileSync(objectFile(root, id), 'utf8'), canonicalJson(value));
  assert.deepEqual(await store.getJson(id), viaJson(value));
});

test('a __proto__ key in a binary artifact stays plain data', async (t) => {
  const store = new Store(tempDir(t));
  const hostile = JSON.parse(`{"__proto__": {"polluted": [${weights(N).map((x) => JSON.stringify(x)).join(',')}]}, "ok": 1}`);
  const back = (await store.getJson(await store.putJson(hostile))) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.keys(back).sort(), ['__proto__', 'ok']);
  assert.equal(((back.__proto__ as Record<string, unknown>).polluted as number[]).length, N);
});

/** A binary object written by hand (its hash is right, so only the decoder can object). */
function handMade(header: string, dataBytes: number, pad = true): Buffer {
  const h = Buffer.from(header, 'utf8');
  const start = pad ? (12 + h.length + 7) & ~7 : 12 + h.length;
  const out = Buffer.alloc(start + dataBytes);
  out.write('\0PLUMBF1', 0, 'latin1');
  out.writeUInt32LE(h.length, 8);
  h.copy(out, 12);
  return out;
}

test('malformed binary artifacts are reported as corrupt, naming the object', async (t) => {
  const store = new Store(tempDir(t));
  const cases: [Buffer, RegExp][] = [
    [handMade('{"arrays":[2],"value":{"$plumb:f64":0,"length":2}}', 8), /need \d+ bytes in all but the object has/],
    [handMade('{"arrays":[1],"value":{"$plumb:f64":0,"length":1}}', 16), /need \d+ bytes in all but the object has/],
    [handMade('{"arrays":[1],"value":{"$plumb:f64":1,"length":1}}', 8), /names array 1, which does not exist/],
    [handMade('{"arrays":[1],"value":{"$plumb:f64":0,"length":2}}', 8), /has 1 numbers but its reference says 2/],
    [handMade('{"arrays":[1],"value":[{"$plumb:f64":0,"length":1},{"$plumb:f64":0,"length":1}]}', 8), /referenced twice/],
    [handMade('{"arrays":[1],"value":{"$plumb:f64":0,"length":1,"x":1}}', 8), /a reference has keys/],
    [handMade('{"arrays":[1],"value":{}}', 8), /array 0 is never referenced/],
    [handMade('{"arrays":[-1],"value":{}}', 0), /is not a count/],
    [handMade('{"arrays":[1],"value"', 8), /header is not JSON/],
    [handMade('{"value":1}', 0), /lacks "arrays" or "value"/],
    [handMade('{"arrays":[],"value":1}', 0).subarray(0, 20), /header claims \d+ bytes/],
  ];
  for (const [bytes, pattern] of cases) {
    const id = await store.putObject(bytes);
    await assert.rejects(store.getJson(id), isCorrupt(new RegExp(`object ${id} is a damaged binary artifact: .*${pattern.source}`)));
  }
  // A well-formed one decodes (so the cases above fail for the reason they name).
  const good = handMade('{"arrays":[2],"value":{"$plumb:f64":0,"length":2}}', 16);
  good.writeDoubleLE(1.5, good.length - 16);
  good.writeDoubleLE(-2, good.length - 8);
  assert.deepEqual(await store.getJson(await store.putObject(good)), [1.5, -2]);
});

test('a damaged binary object is caught by its hash before decoding', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const id = await store.putJson({ w: weights(N) });
  const file = objectFile(root, id);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 3] ^= 0xff; // one flipped byte inside a float
  fs.writeFileSync(file, bytes);
  await assert.rejects(store.getJson(id), isCorrupt(new RegExp(`object ${id} is damaged: its content hashes to`)));
  assert.equal((await store.verify()).length, 0, 'no version references it yet');
});

test('a version with a big model saves, verifies, survives gc and loads as plain JSON data; old JSON objects still load', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const input = sampleInput();
  const model = { kind: 'logistic-regression', weights: weights(3 * N), bias: 0.1 };
  const saved = await store.saveVersion('churn', { ...input, artifacts: { ...input.artifacts, model } });
  assert.equal(saved.format, 1);
  assert.equal(saved.sizes.model, fs.statSync(objectFile(root, saved.objects.model!)).size);
  assert.deepEqual(await store.verify(), []);
  await store.gc({ minAgeMs: 0 });
  const loaded = await new Store(root).loadVersion('churn', 'latest');
  assert.deepEqual(loaded.model, viaJson(model));
  assert.deepEqual(loaded.state, input.artifacts.state);

  // Re-saving the unchanged model adds no object bytes.
  const before = dirSize(path.join(root, 'objects'));
  await store.saveVersion('churn', { ...input, artifacts: { ...input.artifacts, model }, lineage: { ...input.lineage, runId: 'run-2' } });
  assert.equal(dirSize(path.join(root, 'objects')), before);

  // An object an earlier Plumb wrote (the model as canonical JSON text) reads as before.
  const oldId = await store.putObject(Buffer.from(canonicalJson(model), 'utf8'));
  assert.deepEqual(await store.getJson(oldId), viaJson(model));
});

test('objects above the chunk size (written while hashed, read in chunks) round-trip, dedupe and catch damage', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  const model = { w: weights(1_400_000) }; // 11.2 MB of float64: two read chunks
  const id = await store.putJson(model);
  assert.deepEqual(fs.readdirSync(path.join(root, 'objects')).filter((f) => f.startsWith('.tmp-')), [], 'no temp file left');
  const before = dirSize(path.join(root, 'objects'));
  assert.equal(await store.putJson(model), id);
  assert.equal(dirSize(path.join(root, 'objects')), before, 're-put adds 0 bytes');
  assert.deepEqual(fs.readdirSync(path.join(root, 'objects')).filter((f) => f.startsWith('.tmp-')), []);
  assert.deepEqual(await new Store(root).getJson(id), viaJson(model));

  const file = objectFile(root, id);
  const bytes = fs.readFileSync(file);
  bytes[9_000_000] ^= 1; // in the second chunk
  fs.writeFileSync(file, bytes);
  await assert.rejects(store.getJson(id), isCorrupt(new RegExp(`object ${id} is damaged: its content hashes to`)));
});

// Binary artifact objects: long arrays of finite numbers are stored as raw float64 inside
// one content-addressed object (runtime/store/binary.ts) and come back as Float64Array views
// that write themselves as plain JSON arrays.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError, artifactJson, canonicalJson } from '../../runtime/store';
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

/** The value with every typed array replaced by the plain array of its numbers. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: plain((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

test('long number arrays are stored as float64 and load back as Float64Arrays of the same numbers', async (t) => {
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
  assert.deepEqual(plain(back), viaJson(model));
  assert.ok(back.data.coef[1] instanceof Float64Array && back.data.coef[1].length === N + 3);
  assert.ok(Array.isArray(back.data.intercept), 'short arrays stay number[]');
  assert.ok(Object.is(back.data.coef[0][4], 0), '-0 is stored as 0, as JSON would');
  // Every JSON view of it reads as the JSON of the saved value: arrays, not {"0":…}.
  assert.deepEqual(JSON.parse(JSON.stringify(back)), viaJson(model));
  assert.equal(canonicalJson(back), canonicalJson(model));

  // Saving what was loaded (Float64Arrays) gives the same object, byte for byte.
  assert.equal(await store.putJson(back), id);
  assert.deepEqual(encodeArtifact(back), bytes);

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

test('a long array found not to be all numbers while its chunks are written is stored as JSON, with nothing left behind', async (t) => {
  const root = tempDir(t);
  const store = new Store(root);
  // Past the first 4 MiB chunk, so part of the binary object was written before the string.
  const late: unknown[] = weights(700_000, 5);
  late[650_000] = '1';
  const infinite = weights(700_000, 6);
  infinite[699_999] = Infinity;
  const lateId = await store.putJson({ w: late });
  assert.equal(fs.readFileSync(objectFile(root, lateId), 'utf8'), canonicalJson({ w: late }));
  assert.deepEqual(encodeArtifact({ w: late }), Buffer.from(canonicalJson({ w: late })));
  // The array with Infinity stays JSON text; the other long array is still float64.
  const mixed = { w: infinite, v: weights(N) };
  const mixedId = await store.putJson(mixed);
  const bytes = fs.readFileSync(objectFile(root, mixedId));
  assert.deepEqual(bytes, encodeArtifact(mixed));
  assert.match(bytes.subarray(0, 60).toString('latin1'), /^\0PLUMBF1[^]{4}\{"arrays":\[4096\],/);
  assert.deepEqual(plain(await store.getJson(mixedId)), viaJson(mixed));
  // Only the two objects: no temp file of the abandoned binary attempt.
  const files = fs.readdirSync(path.join(root, 'objects'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  assert.equal(files.length, 2, files.map((f) => f.name).join(', '));
});

test('a Float64Array is stored exactly as the number[] of its values (binary, short or with NaN)', async (t) => {
  const store = new Store(tempDir(t));
  const withNaN = weights(N);
  withNaN[10] = NaN;
  const noNegativeZero = weights(3 * N).map((x) => x || 1);
  for (const numbers of [weights(2 * N), noNegativeZero, weights(N - 1), withNaN, [0.5, -0]]) {
    const asArray = { w: numbers, k: 'x' };
    const asFloat64 = { k: 'x', w: Float64Array.from(numbers) };
    assert.equal(canonicalJson(asFloat64), canonicalJson(asArray));
    assert.deepEqual(encodeArtifact(asFloat64), encodeArtifact(asArray));
    const plan = planArtifact(asFloat64);
    if (!Buffer.isBuffer(plan)) {
      // Streamed in small chunks (its own bytes, or copies when -0 needs fixing) = built in one buffer.
      const parts: Buffer[] = [];
      for (const chunk of planChunks(plan, 8 * 1000)) parts.push(Buffer.from(chunk)); // copied: buffers are reused
      assert.deepEqual(Buffer.concat(parts), encodeArtifact(asArray));
    }
    assert.equal(await store.putJson(asFloat64), await store.putJson(asArray));
  }
  // Float64Arrays big enough to be handed to the file without a copy, and after a number[].
  const big = { a: weights(N), b: Float64Array.from(weights(600_000, 4)) };
  const id = await store.putJson(big);
  assert.equal(await store.putJson({ a: big.a, b: Array.from(big.b) }), id);
  assert.deepEqual(plain(await store.getJson(id)), viaJson(plain(big)));
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
  assert.equal(((back.__proto__ as Record<string, unknown>).polluted as Float64Array).length, N);
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
  assert.deepEqual(Array.from((await store.getJson(await store.putObject(good))) as unknown as Float64Array), [1.5, -2]);
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

test('a version with a big model saves, verifies, survives gc and loads with Float64Array weights; old JSON objects still load', async (t) => {
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
  assert.deepEqual(plain(loaded.model), viaJson(model));
  assert.ok((loaded.model as { weights: unknown }).weights instanceof Float64Array);
  assert.deepEqual(loaded.state, input.artifacts.state);

  // Re-saving the unchanged model adds no object bytes, whether as saved or as loaded.
  const before = dirSize(path.join(root, 'objects'));
  await store.saveVersion('churn', { ...input, artifacts: { ...input.artifacts, model }, lineage: { ...input.lineage, runId: 'run-2' } });
  const again = await store.saveVersion('churn', { ...input, artifacts: { ...input.artifacts, model: loaded.model }, lineage: { ...input.lineage, runId: 'run-3' } });
  assert.equal(dirSize(path.join(root, 'objects')), before);
  assert.equal(again.objects.model, saved.objects.model);

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
  const back = (await new Store(root).getJson(id)) as unknown as { w: Float64Array };
  assert.deepEqual(plain(back), viaJson(model));
  // Loaded weights saved again are handed to the file as they are (no copy) and dedupe.
  assert.equal(await store.putJson(back), id);
  assert.equal(dirSize(path.join(root, 'objects')), before);

  const file = objectFile(root, id);
  const bytes = fs.readFileSync(file);
  bytes[9_000_000] ^= 1; // in the second chunk
  fs.writeFileSync(file, bytes);
  await assert.rejects(store.getJson(id), isCorrupt(new RegExp(`object ${id} is damaged: its content hashes to`)));
});

test('artifactJson writes loaded Float64Arrays (and any typed array) as plain JSON arrays', async (t) => {
  const store = new Store(tempDir(t));
  const model = { kind: 'linear-regression', data: { coef: weights(N, 5), intercept: 1 } };
  const loaded = await store.getJson(await store.putJson(model));
  const text = artifactJson(loaded);
  assert.ok(text.includes('"coef": [\n'), 'an array, not {"0": …}');
  assert.deepEqual(JSON.parse(text), viaJson(model));
  assert.equal(artifactJson({ w: new Float32Array([0.5, 2]) }, 0), '{"w":[0.5,2]}');
});

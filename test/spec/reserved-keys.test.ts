// `__proto__`, `constructor` and `prototype` as keys: in `with:` (and any map read into a
// plain object) they would replace the object's prototype or read Object's own members,
// silently changing a stage's parameters. They are refused at their place; `params:` and
// `--set` keep `__proto__` as an ordinary key.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { validatePipeline, loadPipeline } from '../../runtime/spec';
import { formatted, tempDir, writeFiles } from './helpers';

const file = (withLine: string, extra = ''): string => `pipeline: toy
params: { __proto__: { polluted: 1 }, n: 2 }
feature:
  - stage: impute
    uses: impute
    with: ${withLine}
${extra}`;

test('reserved keys in with: are located errors, never a silently changed stage', async (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, string]> = [
    // the with-object's prototype would have become { strategy: constant, fill_value: 99 }
    ['{ __proto__: { strategy: constant, fill_value: 99 }, columns: [a] }', '__proto__'],
    // ... or { polluted: 3 }, reported as an unknown parameter 'polluted'
    ['{ strategy: mean, __proto__: { polluted: 3 } }', '__proto__'],
    ['{ strategy: mean, constructor: 1 }', 'constructor'],
    ['{ strategy: mean, columns: [a], prototype: x }', 'prototype'],
  ];
  for (const [withLine, key] of cases) {
    const col = `    with: ${withLine}`.indexOf(key) + 1;
    writeFiles(dir, { 'toy.pipeline.yaml': file(withLine) });
    const f = path.join(dir, 'toy.pipeline.yaml');
    const messages = formatted(await validatePipeline(f));
    const expected = `toy.pipeline.yaml:6:${col}: '${key}' cannot be used as a key here`;
    assert.ok(messages.some((m) => m.startsWith(expected)), `${withLine}\n${messages.join('\n')}`);
    assert.ok(!messages.some((m) => /polluted/.test(m)), messages.join('\n'));
    await assert.rejects(loadPipeline(f), /cannot be used as a key here/);
  }
  // Nested inside a with: value, and in a data: map, too.
  writeFiles(dir, { 'toy.pipeline.yaml': file('{ strategy: mean }').replace('feature:', 'data: { train: x.csv, __proto__: y.csv }\nfeature:') });
  const messages = formatted(await validatePipeline(path.join(dir, 'toy.pipeline.yaml')));
  assert.ok(messages.some((m) => m.includes("'__proto__' cannot be used")), messages.join('\n'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
});

test('params: and --set keep __proto__ as an ordinary own key', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { 'toy.pipeline.yaml': file('{ strategy: "${params.__proto__.s}" }').replace('polluted: 1', 's: mean') });
  const f = path.join(dir, 'toy.pipeline.yaml');
  const spec = await loadPipeline(f);
  assert.equal(Object.getPrototypeOf(spec.params), Object.prototype);
  assert.ok(Object.hasOwn(spec.params, '__proto__'));
  assert.deepEqual(spec.feature[0].with, { strategy: 'mean' });
  const set = await loadPipeline(f, { overrides: ['__proto__.s=median'] });
  assert.equal(Object.getPrototypeOf(set.params), Object.prototype);
  assert.deepEqual(set.feature[0].with, { strategy: 'median' });
  assert.equal(({} as Record<string, unknown>).s, undefined);
});

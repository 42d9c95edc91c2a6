// `${params.x}` interpolation and `--set` overrides, through their public functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolateString, lookupParam, paramPaths } from '../../runtime/spec/interpolate';
import { applyOverrides, parseOverrides, parseOverrideValue } from '../../runtime/spec/overrides';

const params = { seed: 42, test_size: 0.2, name: 'churn', cols: ['a', 'b'], model: { lr: 0.1, layers: [8, 4] }, off: false };

test('interpolate: an exact reference keeps the param type', () => {
  assert.deepEqual(interpolateString('${params.test_size}', params), { value: 0.2, problems: [] });
  assert.deepEqual(interpolateString('${params.cols}', params).value, ['a', 'b']);
  assert.equal(interpolateString('${params.off}', params).value, false);
  assert.equal(interpolateString('${ params.model.lr }', params).value, 0.1);
  assert.deepEqual(interpolateString('${params.model}', params).value, { lr: 0.1, layers: [8, 4] });
});

test('interpolate: embedded references are stringified, $${ escapes', () => {
  assert.equal(interpolateString('out/${params.name}-${params.seed}.csv', params).value, 'out/churn-42.csv');
  assert.equal(interpolateString('lr=${params.model.lr}', params).value, 'lr=0.1');
  assert.equal(interpolateString('${params.cols}!', params).value, '["a","b"]!');
  assert.equal(interpolateString('cost: $${params.seed}', params).value, 'cost: ${params.seed}');
  assert.equal(interpolateString('$${params.seed}', params).value, '${params.seed}');
  assert.equal(interpolateString('$$${params.seed}', params).value, '$${params.seed}');
  assert.equal(interpolateString('no refs $ here {}', params).value, 'no refs $ here {}');
});

test('interpolate: problems carry the index of the ${', () => {
  const r = interpolateString('a ${params.sed} b ${params.model.lrr}', params);
  assert.deepEqual(
    r.problems.map((p) => [p.index, p.length, p.code, p.message]),
    [
      [2, 13, 'unknown-param-ref', "unknown param 'sed' in '${params.sed}' (did you mean 'seed'?)"],
      [18, 19, 'unknown-param-ref', "unknown param 'model.lrr' in '${params.model.lrr}' (did you mean 'model.lr'?)"],
    ],
  );
  assert.equal(r.value, 'a ${params.sed} b ${params.model.lrr}');
  const bad = interpolateString('x ${seed} ${params.seed', params);
  assert.deepEqual(
    bad.problems.map((p) => [p.index, p.code]),
    [
      [2, 'bad-interpolation'],
      [10, 'bad-interpolation'],
    ],
  );
  assert.match(bad.problems[1].message, /unclosed/);
  // Walking into a non-map is unknown, not a crash.
  assert.equal(interpolateString('${params.seed.x}', params).problems[0].code, 'unknown-param-ref');
});

test('interpolate: lookups and the list of paths used for suggestions', () => {
  assert.deepEqual(lookupParam(params, 'model.layers'), { found: true, value: [8, 4] });
  assert.deepEqual(lookupParam(params, 'model.nope'), { found: false });
  assert.deepEqual(lookupParam(params, 'toString'), { found: false });
  assert.deepEqual(paramPaths(params), ['seed', 'test_size', 'name', 'cols', 'model', 'model.lr', 'model.layers', 'off']);
});

test('overrides: values are read as YAML scalars', () => {
  assert.equal(parseOverrideValue('0.3'), 0.3);
  assert.equal(parseOverrideValue('abc'), 'abc');
  assert.equal(parseOverrideValue('true'), true);
  assert.equal(parseOverrideValue('"42"'), '42');
  assert.deepEqual(parseOverrideValue('[a, b]'), ['a', 'b']);
  assert.equal(parseOverrideValue(''), '');
  assert.equal(parseOverrideValue('a: b: c'), 'a: b: c'); // not YAML: kept as text
  const { overrides, problems } = parseOverrides(['test_size=0.3', 'model.lr=1e-3', 'name=a=b', 'x']);
  assert.deepEqual(
    overrides.map((o) => [o.path, o.value]),
    [
      [['test_size'], 0.3],
      [['model', 'lr'], 0.001],
      [['name'], 'a=b'],
    ],
  );
  assert.deepEqual(problems, ['--set x: expected key=value, e.g. --set test_size=0.3']);
});

test('overrides: YAML 1.1 tags build no Buffer, Set or Date; such a value is its literal text', () => {
  // Found by R3 (test/fault/hostile-pipelines.test.ts): `--set seed=!!binary aGk=` put a Buffer into params.
  for (const text of ['!!binary aGk=', '!!set {a: null}', '!!timestamp 2001-12-14', '!!omap [a: 1]', '!custom x']) {
    assert.equal(parseOverrideValue(text), text, text);
  }
  assert.equal(parseOverrideValue('!!str 5'), '5');
  assert.equal(parseOverrideValue('!!int 7'), 7);
});

test('overrides: applied to a copy; unknown keys are errors with suggestions', () => {
  const { overrides } = parseOverrides(['seed=1', 'model.lr=0.5', 'cols=[c]', 'tset_size=1', 'model.lr.x=1', 'zzz=1']);
  const r = applyOverrides(params, overrides);
  assert.deepEqual(r.params, { ...params, seed: 1, cols: ['c'], model: { lr: 0.5, layers: [8, 4] } });
  assert.equal(params.seed, 42, 'the input is not modified');
  assert.deepEqual(r.problems, [
    "--set tset_size=1: unknown param 'tset_size' (did you mean 'test_size'?)",
    "--set model.lr.x=1: unknown param 'model.lr.x' (did you mean 'model.lr'?)",
    "--set zzz=1: unknown param 'zzz' (params: seed, test_size, name, cols, model, model.lr, model.layers, off)",
  ]);
  const none = applyOverrides({}, parseOverrides(['a=1']).overrides);
  assert.deepEqual(none.problems, ["--set a=1: unknown param 'a' (the pipeline declares no params)"]);
});

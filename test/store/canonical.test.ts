import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../runtime/store/canonical';

test('number arrays serialise exactly like JSON, including non-finite values and -0', () => {
  const numbers = [1, -0, 0.1, 1e21, 5e-324, NaN, Infinity, -Infinity, 123456789.125];
  assert.equal(canonicalJson(numbers), '[1,0,0.1,1e+21,5e-324,null,null,null,123456789.125]');
  assert.equal(canonicalJson({ b: [[1, 2], [3]], a: [] }), '{"a":[],"b":[[1,2],[3]]}');
});

test('mixed and holey arrays take the general path', () => {
  // eslint-disable-next-line no-sparse-arrays
  const holey = [1, , 3] as unknown[];
  assert.equal(canonicalJson(holey), '[1,null,3]');
  assert.equal(canonicalJson([1, 'a', null, { z: 1, y: [2] }]), '[1,"a",null,{"y":[2],"z":1}]');
});

test('a bigint deep inside an array is still refused, naming the place', () => {
  assert.throws(() => canonicalJson({ w: [1, 2n] }), /\$\.w\[1\].*bigint/);
});

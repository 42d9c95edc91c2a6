// parseHitCondition: which arrivals (1-based hit counts) each hit condition lets through.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseHitCondition } from '../../runtime/debug/breakpoints';

const ARRIVALS = [1, 2, 3, 4, 5, 6];

describe('parseHitCondition', () => {
  const cases: [string, number[]][] = [
    ['3', [3, 4, 5, 6]], // a bare number means >=
    ['>= 3', [3, 4, 5, 6]],
    ['>=3', [3, 4, 5, 6]],
    ['> 3', [4, 5, 6]],
    ['<= 2', [1, 2]],
    ['< 2', [1]],
    ['== 2', [2]],
    ['= 2', [2]],
    ['% 2', [2, 4, 6]],
    ['%3', [3, 6]],
    ['  % 1  ', ARRIVALS],
  ];
  for (const [text, expected] of cases) {
    it(`'${text}' stops on arrivals ${expected.join(', ')}`, () => {
      const test = parseHitCondition(text);
      assert.deepEqual(ARRIVALS.filter((h) => test(h)), expected);
    });
  }

  const bad: [string, RegExp][] = [
    ['sometimes', /hit condition 'sometimes' not understood: use a number, or >= n/],
    ['>= ', /not understood/],
    ['>= -1', /not understood/],
    ['2.5', /not understood/],
    ['!= 2', /not understood/],
    ['% 0', /% 0 is never true/],
  ];
  for (const [text, message] of bad) {
    it(`'${text}' is an error saying why`, () => {
      assert.throws(() => parseHitCondition(text), message);
    });
  }
});

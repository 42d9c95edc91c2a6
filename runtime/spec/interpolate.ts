// `${params.x}` interpolation.
//
//  - A scalar that is exactly `${params.x}` takes the param's typed value, so
//    `test: ${params.test_size}` stays a number and `columns: ${params.cols}` a list.
//  - References embedded in longer text are stringified (`out/${params.run}.csv`).
//  - `$${` is an escape for a literal `${`.
//  - `${params.a.b}` walks into map-valued params.
// Problems carry the index of the `${` inside the string so the loader can point at
// the exact column in the file.

import { didYouMean } from './suggest';

export interface InterpolationProblem {
  /** Index of the `${` in the input string. */
  index: number;
  /** Length of the whole `${...}` expression (to the end of the string if unclosed). */
  length: number;
  code: 'unknown-param-ref' | 'bad-interpolation';
  message: string;
}

export interface Interpolated {
  value: unknown;
  problems: InterpolationProblem[];
}

const REF = /^params\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/;

/** Looks up a dotted param path ('a.b') in a params object. */
export function lookupParam(params: Record<string, unknown>, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = params;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, key)) {
      return { found: false };
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  return { found: true, value: cur };
}

/** Every dotted path into the params (maps only, not list indices), for suggestions. */
export function paramPaths(params: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const path = prefix + key;
    out.push(path);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...paramPaths(value as Record<string, unknown>, `${path}.`));
    }
  }
  return out;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** True when the string contains anything interpolation would touch. */
export function hasInterpolation(text: string): boolean {
  return text.includes('${');
}

/** Interpolates one string. Unknown references stay as written in the output. */
export function interpolateString(text: string, params: Record<string, unknown>): Interpolated {
  const problems: InterpolationProblem[] = [];
  let out = '';
  let i = 0;
  let pieces = 0;
  let lastValue: unknown;
  let onlyRef = false;
  while (i < text.length) {
    const open = text.indexOf('${', i);
    if (open < 0) {
      out += text.slice(i);
      break;
    }
    if (open > 0 && text[open - 1] === '$') {
      // `$${` → literal `${` (the first `$` is the escape and is dropped).
      out += text.slice(i, open - 1) + '${';
      i = open + 2;
      continue;
    }
    out += text.slice(i, open);
    const close = text.indexOf('}', open + 2);
    if (close < 0) {
      problems.push({
        index: open,
        length: text.length - open,
        code: 'bad-interpolation',
        message: `unclosed '\${' in '${text}' (write '$\${' for a literal '\${')`,
      });
      out += text.slice(open);
      break;
    }
    const expr = text.slice(open + 2, close).trim();
    const whole = text.slice(open, close + 1);
    const m = REF.exec(expr);
    if (!m) {
      problems.push({
        index: open,
        length: whole.length,
        code: 'bad-interpolation',
        message: `cannot interpolate '${whole}': only \${params.<name>} is supported`,
      });
      out += whole;
    } else {
      const path = m[1];
      const hit = lookupParam(params, path);
      if (!hit.found) {
        problems.push({
          index: open,
          length: whole.length,
          code: 'unknown-param-ref',
          message: `unknown param '${path}' in '${whole}'${didYouMean(path, paramPaths(params))}`,
        });
        out += whole;
      } else {
        out += stringify(hit.value);
        lastValue = hit.value;
        onlyRef = open === 0 && close === text.length - 1;
      }
    }
    pieces++;
    i = close + 1;
  }
  if (pieces === 1 && onlyRef && problems.length === 0) return { value: lastValue, problems };
  return { value: out, problems };
}

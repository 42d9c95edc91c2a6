// Canonical JSON: the same value always gives the same bytes (keys sorted, no spaces), so
// an unchanged artifact hashes to the same object id and costs nothing to save again.

import { StoreError } from '../errors';

/**
 * Serializes plain JSON data canonically. Follows JSON.stringify where JSON has no
 * answer (NaN and ±Infinity become null, undefined object members are dropped, toJSON is
 * honoured), but throws on cycles and on values JSON cannot hold at all (bigint).
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, new Set(), '$');
  return parts.join('');
}

function write(value: unknown, out: string[], seen: Set<object>, where: string): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      throw new StoreError(`cannot store ${where}: bigint is not JSON (convert it to a number or string)`, 'io');
    case 'undefined':
    case 'function':
    case 'symbol':
      out.push('null'); // only reached for array items and the top level, as in JSON.stringify
      return;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  const obj = value as object;
  if (seen.has(obj)) throw new StoreError(`cannot store ${where}: it refers to itself`, 'io');
  seen.add(obj);
  if (Array.isArray(obj) && isNumberArray(obj)) {
    // Model weights: millions of numbers. JSON.stringify writes a dense number array exactly
    // as the general path below would (non-finite -> null), at a fraction of the cost.
    out.push(JSON.stringify(obj));
  } else if (Array.isArray(obj)) {
    out.push('[');
    // A plain loop, not forEach: forEach skips holes, which must be written as null.
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      write(obj[i], out, seen, `${where}[${i}]`);
    }
    out.push(']');
  } else if (ArrayBuffer.isView(obj)) {
    throw new StoreError(`cannot store ${where}: typed arrays are not JSON (use a plain array)`, 'io');
  } else {
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, out, seen, `${where}.${key}`);
    }
    out.push('}');
  }
  seen.delete(obj);
}

/** JSON.parse only: loading a store file never runs code. Bad JSON → 'corrupt' naming the file. */
export function parseJsonFile(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StoreError(`${what} ${file} is damaged: not valid JSON (${(e as Error).message})`, 'corrupt', file);
  }
}

/** Every slot holds a number (a hole reads as undefined, so holey arrays take the general path). */
function isNumberArray(a: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number') return false;
  return true;
}

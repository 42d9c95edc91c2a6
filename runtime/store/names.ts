// One gate for every name that becomes part of a path inside the store. Anything that
// passes can be joined onto the store root without escaping it: no separators, no dots
// at the start, no control characters, bounded length.

import { StoreError } from '../errors';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const OBJECT_ID = /^[0-9a-f]{64}$/;
// Windows would map these to devices whatever the extension; reject them so a store
// stays portable between machines.
const DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

export type NameKind = 'pipeline' | 'alias' | 'run id';

/** Quote a name for an error message, showing control characters as escapes. */
export function quoteName(name: unknown): string {
  if (typeof name !== 'string') return `(${typeof name})`;
  const shown = name.length > 60 ? `${name.slice(0, 60)}… (${name.length} characters)` : name;
  return JSON.stringify(shown).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Throws StoreError 'bad-name' unless `name` is safe to use as one path segment. */
export function checkName(kind: NameKind, name: unknown): string {
  const problem = nameProblem(kind, name);
  if (problem) {
    throw new StoreError(`invalid ${kind} name ${quoteName(name)}: ${problem}`, 'bad-name');
  }
  return name as string;
}

function nameProblem(kind: NameKind, name: unknown): string | undefined {
  if (typeof name !== 'string') return 'it must be a string';
  if (name === '') return 'it is empty';
  if (name.length > 128) return 'it is longer than 128 characters';
  if (!NAME.test(name)) {
    return 'use letters, digits, ".", "_" and "-", starting with a letter or digit';
  }
  if (DEVICE.test(name)) return 'it is a reserved device name on Windows';
  if (kind === 'alias') {
    if (/^\d+$/.test(name)) return 'an alias cannot be a number (it would shadow a version)';
    if (name === 'latest') return '"latest" always means the newest version';
  }
  return undefined;
}

/** Throws StoreError 'bad-name' unless `id` is a sha256 hex digest (64 lowercase hex). */
export function checkObjectId(id: unknown): string {
  if (typeof id !== 'string' || !OBJECT_ID.test(id)) {
    throw new StoreError(
      `invalid object id ${quoteName(id)}: expected 64 lowercase hex characters (sha256)`,
      'bad-name',
    );
  }
  return id;
}

export function isObjectId(id: unknown): id is string {
  return typeof id === 'string' && OBJECT_ID.test(id);
}

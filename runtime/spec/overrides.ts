// `--set key=value` overrides of the pipeline's `params:`.
//
// Values are read as YAML, so `--set test_size=0.3` is a number, `--set name=abc` a
// string and `--set columns=[a,b]` a list, exactly as if typed in the file. Keys may be
// dotted (`--set model.lr=0.1`) to reach into map-valued params.
// An override of a param the file does not declare is an error, with a suggestion:
// in CI a misspelt key would otherwise be silently ignored.

import { parseDocument, visit } from 'yaml';
import { paramPaths } from './interpolate';
import { didYouMean } from './suggest';

export interface Override {
  path: string[];
  value: unknown;
  /** How the user wrote it, for messages: `--set a=1` or `override 'a'`. */
  source: string;
}

const KEY = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** Reads a `--set` value as a YAML value; unparsable text stays a plain string. */
export function parseOverrideValue(text: string): unknown {
  // An empty value means the empty string, which is what `--set name=` is meant to say
  // (YAML would read it as null).
  if (text.trim() === '') return '';
  // resolveKnownTags: false — YAML 1.1 tags such as `!!binary` or `!!set` would build a
  // Buffer or a Set, which a param cannot hold; a tag yaml then does not know (a warning)
  // makes the value the literal text, like unparsable text.
  const doc = parseDocument(text, { resolveKnownTags: false });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return text;
  // Aliases have no use in a one-line value and can build circular or exponentially
  // large values (`&a [*a]`, alias bombs): such a value is taken as the literal text.
  let aliased = false;
  visit(doc, { Alias: () => ((aliased = true), visit.BREAK) });
  if (aliased) return text;
  return doc.toJS();
}

export function parseOverrides(input: readonly string[] | Record<string, unknown>): {
  overrides: Override[];
  problems: string[];
} {
  const overrides: Override[] = [];
  const problems: string[] = [];
  const entries: { key: string; value: unknown; source: string; malformed?: boolean }[] = Array.isArray(input)
    ? input.map((s) => {
        const eq = s.indexOf('=');
        if (eq < 0) return { key: s, value: undefined, source: `--set ${s}`, malformed: true };
        return { key: s.slice(0, eq).trim(), value: parseOverrideValue(s.slice(eq + 1)), source: `--set ${s}` };
      })
    : Object.entries(input).map(([key, value]) => ({ key, value, source: `override '${key}'` }));
  for (const { key, value, source, malformed } of entries) {
    if (malformed) {
      problems.push(`${source}: expected key=value, e.g. --set test_size=0.3`);
      continue;
    }
    if (!KEY.test(key)) {
      problems.push(`${source}: '${key}' is not a param name (letters, digits, _ and -, dotted for nested params)`);
      continue;
    }
    overrides.push({ path: key.split('.'), value, source });
  }
  return { overrides, problems };
}

/** Applies overrides to a copy of `params`; unknown keys are reported, not added. */
export function applyOverrides(
  params: Record<string, unknown>,
  overrides: readonly Override[],
): { params: Record<string, unknown>; problems: string[] } {
  const result = structuredClone(params);
  const problems: string[] = [];
  for (const o of overrides) {
    let parent: Record<string, unknown> = result;
    let ok = true;
    for (let i = 0; i < o.path.length - 1; i++) {
      const next = parent[o.path[i]];
      if (!Object.hasOwn(parent, o.path[i]) || next === null || typeof next !== 'object' || Array.isArray(next)) {
        ok = false;
        break;
      }
      parent = next as Record<string, unknown>;
    }
    const last = o.path[o.path.length - 1];
    if (!ok || !Object.hasOwn(parent, last)) {
      const name = o.path.join('.');
      const known = paramPaths(params);
      const hint = known.length
        ? didYouMean(name, known) || ` (params: ${known.join(', ')})`
        : ' (the pipeline declares no params)';
      problems.push(`${o.source}: unknown param '${name}'${hint}`);
      continue;
    }
    parent[last] = o.value;
  }
  return { params: result, problems };
}

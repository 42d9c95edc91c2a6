// `--set key=value` overrides of the pipeline's `params:`.
//
// Values are read as YAML, so `--set test_size=0.3` is a number, `--set name=abc` a
// string and `--set columns=[a,b]` a list, exactly as if typed in the file. Keys may be
// dotted (`--set model.lr=0.1`) to reach into map-valued params.
// An override of a param the file does not declare is an error, with a suggestion:
// in CI a misspelt key would otherwise be silently ignored. An override must also keep the
// kind of value the file declares (a number stays a number: `--set seed=abc` is refused
// the way `seed: abc` in a stage's `with:` is, even where no stage schema would see it, e.g.
// ctx.seed); `--set` text for a param declared as a string is taken as that text
// (`--set tag=2` is the string '2').

import { parseDocument, visit } from 'yaml';
import { paramPaths } from './interpolate';
import { didYouMean } from './suggest';
import { describeValue } from './check-with';

export interface Override {
  path: string[];
  value: unknown;
  /** The text after `=` of a `--set`, when it came from one. */
  text?: string;
  /** How the user wrote it, for messages: `--set a=1` or `override 'a'`. */
  source: string;
}

const KEY = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** Reads a `--set` value as a YAML value; unparsable text stays a plain string. */
export function parseOverrideValue(text: string): unknown {
  // An empty value means the empty string, which is what `--set name=` is meant to say
  // (YAML would read it as null).
  if (text.trim() === '') return '';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
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
  const entries: { key: string; value: unknown; text?: string; source: string; malformed?: boolean }[] = Array.isArray(input)
    ? input.map((s) => {
        const eq = s.indexOf('=');
        if (eq < 0) return { key: s, value: undefined, source: `--set ${s}`, malformed: true };
        const text = s.slice(eq + 1);
        return { key: s.slice(0, eq).trim(), value: parseOverrideValue(text), text, source: `--set ${s}` };
      })
    : Object.entries(input).map(([key, value]) => ({ key, value, source: `override '${key}'` }));
  for (const { key, value, text, source, malformed } of entries) {
    if (malformed) {
      problems.push(`${source}: expected key=value, e.g. --set test_size=0.3`);
      continue;
    }
    if (!KEY.test(key)) {
      problems.push(`${source}: '${key}' is not a param name (letters, digits, _ and -, dotted for nested params)`);
      continue;
    }
    overrides.push({ path: key.split('.'), value, text, source });
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
    const declared = parent[last];
    let value = o.value;
    if (typeof declared === 'string' && typeof value !== 'string' && o.text !== undefined && (value === null || typeof value !== 'object')) {
      value = o.text; // `--set tag=2` for a string param means the text '2'
    }
    const want = kind(declared);
    if (want !== undefined && kind(value) !== want) {
      problems.push(
        `${o.source}: param '${o.path.join('.')}' is a ${want} in the pipeline file (${shortJson(declared)}), got ${describeValue(value)}`,
      );
      continue;
    }
    parent[last] = value;
  }
  return { params: result, problems };
}

/** The kind of value a declared param holds, or undefined when anything goes (null). */
function kind(v: unknown): 'number' | 'string' | 'boolean' | 'list' | 'map' | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return typeof v === 'boolean' ? 'boolean' : undefined;
}

function shortJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

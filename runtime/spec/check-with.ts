// Checks a stage's `with:` block against its JSON Schema (ajv) and turns ajv's errors
// into short messages with a path the loader can map back to the YAML node:
// "unknown parameter 'colums' (did you mean 'columns'?)", "expected number, got string 'abc'".

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { didYouMean } from './suggest';

export type ParamPath = (string | number)[];

export interface ParamProblem {
  /** Path from the `with:` map to the offending value (or to the map holding `key`). */
  path: ParamPath;
  /** For an unknown key: the key itself, so the error can point at the key, not the value. */
  key?: string;
  code: 'unknown-param' | 'bad-param';
  message: string;
}

// strict: false because stage schemas may carry editor-only keywords (markdownDescription, ...).
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) a stage's param schema; throws when it is not valid JSON Schema. */
export function compileParamSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

const TYPE_WORDS: Record<string, string> = { array: 'list', object: 'map' };

function typeWord(t: string): string {
  return TYPE_WORDS[t] ?? t;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** "string 'abc'", "number 3", "list", ... */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 37)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  if (v === null || v === undefined) return 'nothing';
  return typeWord(jsonType(v));
}

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function toPath(pointer: string, data: unknown): ParamPath {
  if (!pointer) return [];
  const out: ParamPath = [];
  let cur = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(cur) ? Number(seg) : seg;
    out.push(key);
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
  }
  return out;
}

/** 'columns[0]', 'model.lr' */
export function formatParamPath(path: ParamPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function matchesType(alt: Record<string, unknown>, value: unknown): boolean {
  const t = alt.type;
  if (t === undefined) return false;
  const types = Array.isArray(t) ? t : [t];
  const actual = jsonType(value);
  return types.some((x) => x === actual || (x === 'integer' && typeof value === 'number'));
}

function describeAlternative(alt: Record<string, unknown>): string {
  if (Array.isArray(alt.enum)) return alt.enum.map(quote).join(' or ');
  if ('const' in alt) return quote(alt.const);
  const t = alt.type;
  if (t === undefined) return 'another value';
  return (Array.isArray(t) ? t : [t]).map((x) => typeWord(String(x))).join(' or ');
}

/** Drops the noise of anyOf/oneOf: keep the branch whose type matches, else one summary line. */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  const summaries = new Map<ErrorObject, string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue;
    if (e.keyword === 'oneOf' && (e.params as { passingSchemas?: unknown }).passingSchemas) continue;
    const alts = (Array.isArray(e.schema) ? e.schema : []) as Record<string, unknown>[];
    const matching = alts.findIndex((a) => matchesType(a, e.data));
    const prefix = `${e.schemaPath}/`;
    for (const sub of errors) {
      if (sub === e || !sub.schemaPath.startsWith(prefix)) continue;
      const keep = matching >= 0 && sub.schemaPath.startsWith(`${prefix}${matching}/`);
      if (!keep) drop.add(sub);
    }
    if (matching >= 0) drop.add(e);
    else summaries.set(e, `expected ${alts.map(describeAlternative).join(' or ')}, got ${describeValue(e.data)}`);
  }
  return errors
    .filter((e) => !drop.has(e))
    .map((e) => (summaries.has(e) ? { ...e, message: summaries.get(e) } : e));
}

function problemFor(e: ErrorObject, data: unknown, stageType: string): ParamProblem {
  const path = toPath(e.instancePath, data);
  const where = path.length ? `with.${formatParamPath(path)}: ` : '';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const props = Object.keys(((e.parentSchema as Record<string, unknown>)?.properties as object) ?? {});
      const hint = didYouMean(key, props) || (props.length ? ` (known: ${props.join(', ')})` : ` (${stageType} takes no parameters)`);
      const name = path.length ? `${formatParamPath(path)}.${key}` : key;
      return { path, key, code: 'unknown-param', message: `unknown parameter '${name}' for ${stageType}${hint}` };
    }
    case 'required':
      return {
        path,
        code: 'bad-param',
        message: `missing required parameter '${path.length ? `${formatParamPath(path)}.` : ''}${String(params.missingProperty)}' for ${stageType}`,
      };
    case 'type': {
      const t = String(params.type).split(',').map(typeWord).join(' or ');
      return { path, code: 'bad-param', message: `${where}expected ${t}, got ${describeValue(e.data)}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.filter((a): a is string => typeof a === 'string')) : '';
      return {
        path,
        code: 'bad-param',
        message: `${where}expected one of ${allowed.map(quote).join(', ')}, got ${describeValue(e.data)}${hint}`,
      };
    }
    case 'const':
      return { path, code: 'bad-param', message: `${where}expected ${quote(params.allowedValue)}, got ${describeValue(e.data)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, code: 'bad-param', message: `${where}must be ${String(params.comparison)} ${String(params.limit)}, got ${String(e.data)}` };
    default:
      return { path, code: 'bad-param', message: `${where}${e.message ?? 'is not valid'}` };
  }
}

/** Validates `value` (a stage's interpolated `with:` map) against its param schema. */
export function checkParams(schema: object, value: unknown, stageType: string): ParamProblem[] {
  const validate = compileParamSchema(schema);
  if (validate(value)) return [];
  return collapseAlternatives(validate.errors ?? []).map((e) => problemFor(e, value, stageType));
}

// What can follow `uses:`: the built-in stages and the stage modules found beside a
// pipeline file, each with its summary and `with:` schema. Plain data, so completion
// and hover logic can be tested without VS Code.
import { builtinStages } from '../../runtime/stages/registry';
import type { StageDef } from '../../runtime/stages/types';

export interface ParamInfo {
  name: string;
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  required: boolean;
}

export interface StageInfo {
  uses: string;
  summary: string;
  /** 'transform' | 'fitted' | 'model' for built-ins; 'module' for a local file. */
  kind: string;
  builtin: boolean;
  params: ParamInfo[];
  /** False for a stage module listed by file name only: not loaded, so its params are unknown. */
  loaded?: boolean;
  /** Set for a module that could not be loaded (its summary says why). */
  loadError?: boolean;
}

export interface StageCatalog {
  byUses: ReadonlyMap<string, StageInfo>;
}

function typeOf(schema: Record<string, unknown>): string | undefined {
  if (typeof schema.type === 'string') return schema.type === 'array' && isRecord(schema.items) && typeof schema.items.type === 'string' ? `${schema.items.type}[]` : schema.type;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  const alts = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(alts)) return alts.map((a) => (isRecord(a) ? typeOf(a) : undefined) ?? 'any').join(' | ');
  if (Array.isArray(schema.enum)) return 'enum';
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A stage's `with:` schema as a flat list of documented params. */
export function paramsOf(schema: unknown): ParamInfo[] {
  if (!isRecord(schema) || !isRecord(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const p = isRecord(raw) ? raw : {};
    return {
      name,
      type: typeOf(p),
      description: typeof p.description === 'string' ? p.description : undefined,
      default: p.default,
      enum: Array.isArray(p.enum) ? p.enum : undefined,
      required: required.has(name),
    };
  });
}

export function stageInfo(uses: string, def: Pick<StageDef, 'summary' | 'params'> & { kind?: string }, builtin: boolean): StageInfo {
  return { uses, summary: def.summary ?? '', kind: builtin ? (def.kind ?? 'transform') : 'module', builtin, params: paramsOf(def.params) };
}

export function builtinCatalog(): StageInfo[] {
  return [...builtinStages.values()].map((d) => stageInfo(d.type, d, true)).sort((a, b) => a.uses.localeCompare(b.uses));
}

export function makeCatalog(stages: StageInfo[]): StageCatalog {
  return { byUses: new Map(stages.map((s) => [s.uses, s])) };
}

// What a version pins so inference can replay it exactly: the `code` artifact.
//
// It holds the resolved spec (every stage of every section with its interpolated `with:`,
// retry policy and source ranges; params; target), the text of the pipeline file and of
// each sub-pipeline file it includes (so a reader can see what ran), and for every user
// stage module the id of its compiled bundle (one CommonJS text with an inline source map,
// stored as its own content-addressed object) plus the source files that went into it with
// their sha256. Paths are relative to the pipeline file's folder, so a project copied or
// cloned elsewhere replays the same.
//
// What inference still takes from the working pipeline file: the pipeline name and store
// (to find the version), `data:` (the rows to score; `--data` overrides it) and nothing
// else. Output options (`--out`) are the caller's. See docs/runtime.md, "Pinned code".

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { StoreError } from '../errors';
import type { PipelineSpec, StageParent, StageSpec } from '../spec/types';
import type { StageDef } from '../stages/types';
import { builtFrom, compileUserStage, type CompiledStage } from '../stages/user';
import { SECTIONS, type Json } from '../vocabulary';

export const PINNED_FORMAT = 1;

/** One user stage module as built. */
export interface PinnedModule {
  /** The module, relative to the pipeline file's folder ('/' separated). */
  path: string;
  /** Object id (sha256) of the compiled bundle. */
  bundle: string;
  /** Bytes of the bundle. */
  bytes: number;
  /** Every source file compiled into it, relative to the pipeline file's folder. */
  sources: { path: string; sha256: string; bytes: number }[];
}

/** The `code` artifact of a version. */
export interface PinnedCode {
  format: typeof PINNED_FORMAT;
  pipeline: string;
  /** The pipeline file when it was trained, relative to the store root. */
  file: string;
  /** sha256 of the pipeline file's text the spec was read from. */
  fileHash: string;
  /** The resolved spec without the fields inference takes from the working copy (file, store, data). */
  spec: Json;
  /** The pipeline file (first) and every sub-pipeline file it includes. */
  files: { path: string; sha256: string; text: string }[];
  modules: PinnedModule[];
}

/** The fields of a spec that inference takes from the working copy rather than the version. */
const WORKING_COPY_FIELDS = ['file', 'store', 'data', 'pinned'] as const;

const slash = (p: string): string => p.split(path.sep).join('/');

/** Every stage of every section the spec has (sections added later are picked up too). */
export function allStages(spec: PipelineSpec): StageSpec[] {
  const out: StageSpec[] = [];
  for (const section of SECTIONS) {
    const list = (spec as unknown as Record<string, unknown>)[section];
    if (Array.isArray(list)) out.push(...(list as StageSpec[]));
  }
  return out;
}

/** The spec as plain JSON with paths relative to the pipeline file's folder. */
export function specToJson(spec: PipelineSpec): Json {
  const dir = path.dirname(spec.file);
  // The pipeline file itself is left out of stage.file / parent.file: a renamed file still replays.
  const rel = (file: string | undefined): string | undefined =>
    file === undefined || file === spec.file ? undefined : slash(path.relative(dir, file));
  const out: Record<string, unknown> = { ...spec };
  for (const key of WORKING_COPY_FIELDS) delete out[key];
  for (const section of SECTIONS) {
    const list = (spec as unknown as Record<string, unknown>)[section];
    if (!Array.isArray(list)) continue;
    out[section] = (list as StageSpec[]).map((s) => ({
      ...s,
      module: s.module === undefined ? undefined : slash(path.relative(dir, s.module)),
      file: rel(s.file),
      parents: s.parents?.map((p: StageParent) => ({ ...p, file: rel(p.file) })),
    }));
  }
  // Through JSON: drops undefined fields, so equal specs give equal (deduplicated) objects.
  // A value JSON cannot hold (`.inf` / `.nan` in `with:`) would replay as null: refused.
  return JSON.parse(
    JSON.stringify(out, (key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new Error(`cannot pin the spec: '${key}' is ${value}, which a version cannot store (use a finite number)`);
      }
      return value;
    }),
  ) as Json;
}

/**
 * The pinned spec as a runnable PipelineSpec for the working pipeline file `working`:
 * paths rebased onto its folder; file, store and data taken from it.
 */
export function specFromJson(json: Json, working: PipelineSpec, fileHash: string): PipelineSpec {
  const dir = path.dirname(working.file);
  const abs = (file: unknown): string => (typeof file === 'string' ? path.resolve(dir, file) : working.file);
  const spec = structuredClone(json) as unknown as Record<string, unknown>;
  for (const section of SECTIONS) {
    const list = spec[section];
    if (!Array.isArray(list)) {
      spec[section] = [];
      continue;
    }
    for (const s of list as Record<string, unknown>[]) {
      if (typeof s.module === 'string') s.module = path.resolve(dir, s.module);
      s.file = abs(s.file);
      if (Array.isArray(s.parents)) for (const p of s.parents as Record<string, unknown>[]) p.file = abs(p.file);
    }
  }
  return { ...(spec as unknown as PipelineSpec), file: working.file, fileHash, store: working.store, data: working.data };
}

/** A module's path as written relative to the pipeline file's folder. */
export function modulePath(spec: PipelineSpec, absModule: string): string {
  return slash(path.relative(path.dirname(spec.file), absModule));
}

/**
 * The code artifact for `spec`, and the bundles it names (id → bytes). `defs` are the
 * stage definitions the run used (by module path): their code is pinned exactly as it ran;
 * modules the run did not load (inference stages of a training run) are compiled now,
 * never evaluated.
 */
export async function buildPinnedCode(
  spec: PipelineSpec,
  storeRoot: string,
  defs: Iterable<StageDef> = [],
): Promise<{ doc: PinnedCode; bundles: Map<string, Uint8Array> }> {
  const dir = path.dirname(spec.file);
  const ran = new Map<string, CompiledStage>();
  for (const def of defs) {
    const b = builtFrom(def);
    if (b) ran.set(b.module, b);
  }
  const modules: PinnedModule[] = [];
  const bundles = new Map<string, Uint8Array>();
  const seen = new Set<string>();
  for (const s of allStages(spec)) {
    if (!s.module || seen.has(s.module)) continue;
    seen.add(s.module);
    const built = ran.get(s.module) ?? (await compileUserStage(s.module));
    const bytes = Buffer.from(built.code, 'utf8');
    const id = createHash('sha256').update(bytes).digest('hex');
    bundles.set(id, bytes);
    modules.push({
      path: modulePath(spec, s.module),
      bundle: id,
      bytes: bytes.byteLength,
      sources: built.sources
        .map((x) => ({ path: slash(path.relative(dir, x.file)), sha256: x.sha256, bytes: x.bytes }))
        .sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)),
    });
  }
  const doc: PinnedCode = {
    format: PINNED_FORMAT,
    pipeline: spec.name,
    file: slash(path.relative(storeRoot, spec.file)),
    fileHash: spec.fileHash,
    spec: specToJson(spec),
    files: await pipelineFiles(spec),
    modules,
  };
  return { doc, bundles };
}

/** The pipeline file and each sub-pipeline file its stages come from, with their text. */
async function pipelineFiles(spec: PipelineSpec): Promise<PinnedCode['files']> {
  const files = new Set<string>([spec.file]);
  for (const s of allStages(spec)) {
    for (const p of s.parents ?? []) files.add(p.file);
    if (s.file) files.add(s.file);
  }
  const dir = path.dirname(spec.file);
  const out: PinnedCode['files'] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const rel = file === spec.file ? path.basename(file) : slash(path.relative(dir, file));
    out.push({ path: rel, sha256: createHash('sha256').update(text).digest('hex'), text });
  }
  return out;
}

/** Reads a `code` artifact back, checking its shape (it came from disk). */
export function readPinnedCode(raw: Json | null, where: string): PinnedCode | undefined {
  if (raw === null) return undefined;
  const doc = raw as unknown as PinnedCode;
  const ok =
    typeof raw === 'object' &&
    !Array.isArray(raw) &&
    doc.format === PINNED_FORMAT &&
    typeof doc.pipeline === 'string' &&
    typeof doc.file === 'string' &&
    doc.spec !== null &&
    typeof doc.spec === 'object' &&
    Array.isArray(doc.files) &&
    Array.isArray(doc.modules) &&
    doc.modules.every((m) => typeof m?.path === 'string' && /^[0-9a-f]{64}$/.test(m.bundle) && Array.isArray(m.sources));
  if (!ok) throw new StoreError(`${where}: the pinned code record is damaged or not one this Plumb reads (format ${JSON.stringify(doc?.format)})`, 'corrupt');
  return doc;
}

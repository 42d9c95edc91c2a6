// The version manifest: one small JSON file per version that names its artifact objects
// and its lineage. Read back field by field (never merged onto another object), so a
// hand-edited or hostile manifest can only be rejected, not smuggle in properties.

import type { Json } from '../vocabulary';
import { StoreError } from '../errors';
import { isObjectId } from './names';

export const MANIFEST_FORMAT = 1;

export type ArtifactName = 'state' | 'config' | 'model' | 'metrics' | 'code';
export const ARTIFACT_NAMES: readonly ArtifactName[] = ['state', 'config', 'model', 'metrics', 'code'];
/** Artifacts a version may lack: no model (a feature-only pipeline), no code (saved before Plumb pinned code). */
export const OPTIONAL_ARTIFACTS: ReadonlySet<ArtifactName> = new Set(['model', 'code']);

export interface ArtifactIds {
  state: string;
  config: string;
  /** Absent when the version has no model (e.g. a feature-only pipeline). */
  model?: string;
  metrics: string;
  /**
   * The pinned spec and code (runtime/engine/pinned-code.ts): the resolved spec, the
   * pipeline files' text and each user stage module's bundle id. Absent in versions saved
   * before Plumb pinned code.
   */
  code?: string;
}

export interface ArtifactSizes {
  state: number;
  config: number;
  model?: number;
  metrics: number;
  code?: number;
}

export interface VersionManifest {
  format: 1;
  pipeline: string;
  version: number;
  /** Save time, ms since the epoch. */
  time: number;
  parent?: number;
  runId: string;
  pipelineFileHash: string;
  dataHash: string;
  params: Json;
  objects: ArtifactIds;
  /** Bytes of each artifact object. */
  sizes: ArtifactSizes;
  /** Top-level finite numbers of the metrics artifact, for listings and charts. */
  metrics: Record<string, number>;
  /**
   * Further objects the version needs: the compiled bundles of its user stage modules
   * (named by the `code` artifact). Listed here so gc keeps them and verify checks them.
   */
  bundles?: string[];
  tags?: string[];
  /** Filled in by listVersions / getVersion from the aliases folder; never stored. */
  aliases?: string[];
}

/** Scalar numbers at the top level of a metrics artifact (nested values are left out). */
export function metricsSummary(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) return out;
  for (const key of Object.keys(metrics)) {
    const value = (metrics as Record<string, unknown>)[key];
    // '__proto__' would set the prototype instead of a metric; no real metric is named so.
    if (typeof value === 'number' && Number.isFinite(value) && key !== '__proto__') out[key] = value;
  }
  return out;
}

/**
 * Checks a parsed manifest and copies out exactly the known fields. `expected` is the
 * version number and pipeline implied by the file's location; a mismatch means the file
 * was moved or edited. (Written without closures: the index re-checks 10,000s of these.)
 */
export function readManifest(
  raw: unknown,
  file: string,
  expected: { pipeline: string; version: number },
): VersionManifest {
  if (!isRecord(raw)) return damaged(file, 'not a JSON object');
  const m = raw;
  if (m.format !== MANIFEST_FORMAT) {
    damaged(file, `unknown format ${JSON.stringify(m.format)} (this Plumb reads format ${MANIFEST_FORMAT})`);
  }
  if (m.pipeline !== expected.pipeline) {
    damaged(file, `it says pipeline ${JSON.stringify(m.pipeline)} but lives under ${expected.pipeline}`);
  }
  if (m.version !== expected.version) {
    damaged(file, `it says version ${JSON.stringify(m.version)} but its file name says ${expected.version}`);
  }
  const objects = isRecord(m.objects) ? m.objects : damaged(file, '"objects" is not an object');
  const sizes = isRecord(m.sizes) ? m.sizes : damaged(file, '"sizes" is not an object');
  const ids = {} as ArtifactIds;
  const sizeOut = {} as ArtifactSizes;
  for (const name of ARTIFACT_NAMES) {
    const id = objects[name];
    if (id === undefined && OPTIONAL_ARTIFACTS.has(name)) continue;
    if (!isObjectId(id)) damaged(file, `objects.${name} is not an object id`);
    ids[name] = id as string;
    sizeOut[name] = numberField(file, `sizes.${name}`, sizes[name]);
  }
  if (!isRecord(m.metrics)) damaged(file, '"metrics" is not an object');
  const manifest: VersionManifest = {
    format: MANIFEST_FORMAT,
    pipeline: expected.pipeline,
    version: expected.version,
    time: numberField(file, 'time', m.time),
    runId: stringField(file, 'runId', m.runId),
    pipelineFileHash: stringField(file, 'pipelineFileHash', m.pipelineFileHash),
    dataHash: stringField(file, 'dataHash', m.dataHash),
    params: (m.params ?? null) as Json,
    objects: ids,
    sizes: sizeOut,
    metrics: metricsSummary(m.metrics),
  };
  if (m.parent !== undefined) manifest.parent = numberField(file, 'parent', m.parent);
  if (m.bundles !== undefined) {
    if (!Array.isArray(m.bundles) || !m.bundles.every(isObjectId)) damaged(file, '"bundles" is not a list of object ids');
    manifest.bundles = [...(m.bundles as string[])];
  }
  if (m.tags !== undefined) {
    if (!Array.isArray(m.tags) || !m.tags.every((t) => typeof t === 'string')) damaged(file, '"tags" is not a list of strings');
    manifest.tags = [...(m.tags as string[])];
  }
  return manifest;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function numberField(file: string, key: string, v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : damaged(file, `"${key}" is not a number`);
}

function stringField(file: string, key: string, v: unknown): string {
  return typeof v === 'string' ? v : damaged(file, `"${key}" is not a string`);
}

function damaged(file: string, why: string): never {
  throw new StoreError(`manifest ${file} is damaged: ${why}`, 'corrupt', file);
}

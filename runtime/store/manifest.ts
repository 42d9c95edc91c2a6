// The version manifest: one small JSON file per version that names its artifact objects
// and its lineage. Read back field by field (never merged onto another object), so a
// hand-edited or hostile manifest can only be rejected, not smuggle in properties.

import type { Json } from '../stages/types';
import { StoreError } from '../errors';
import { isObjectId } from './names';

export const MANIFEST_FORMAT = 1;

export type ArtifactName = 'state' | 'config' | 'model' | 'metrics';
export const ARTIFACT_NAMES: readonly ArtifactName[] = ['state', 'config', 'model', 'metrics'];

export interface ArtifactIds {
  state: string;
  config: string;
  /** Absent when the version has no model (e.g. a feature-only pipeline). */
  model?: string;
  metrics: string;
}

export interface ArtifactSizes {
  state: number;
  config: number;
  model?: number;
  metrics: number;
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
  tags?: string[];
  /** Filled in by listVersions / getVersion from the aliases folder; never stored. */
  aliases?: string[];
}

/** Scalar numbers at the top level of a metrics artifact (nested values are left out). */
export function metricsSummary(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) return out;
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

/**
 * Checks a parsed manifest and copies out exactly the known fields. `expected` is the
 * version number and pipeline implied by the file's location; a mismatch means the file
 * was moved or edited.
 */
export function readManifest(
  raw: unknown,
  file: string,
  expected: { pipeline: string; version: number },
): VersionManifest {
  const bad = (why: string): never => {
    throw new StoreError(`manifest ${file} is damaged: ${why}`, 'corrupt', file);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) bad(`unknown format ${JSON.stringify(m.format)} (this Plumb reads format ${MANIFEST_FORMAT})`);
  if (m.pipeline !== expected.pipeline) bad(`it says pipeline ${JSON.stringify(m.pipeline)} but lives under ${expected.pipeline}`);
  if (m.version !== expected.version) bad(`it says version ${JSON.stringify(m.version)} but its file name says ${expected.version}`);
  const num = (key: string, v: unknown): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(`"${key}" is not a number`);
  const str = (key: string, v: unknown): string => (typeof v === 'string' ? v : bad(`"${key}" is not a string`));
  const obj = (key: string, v: unknown): Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(`"${key}" is not an object`);

  const objects = obj('objects', m.objects);
  const sizes = obj('sizes', m.sizes);
  const ids = {} as ArtifactIds;
  const sizeOut = {} as ArtifactSizes;
  for (const name of ARTIFACT_NAMES) {
    const id = objects[name];
    if (id === undefined && name === 'model') continue;
    if (!isObjectId(id)) bad(`objects.${name} is not an object id`);
    ids[name] = id as string;
    sizeOut[name] = num(`sizes.${name}`, sizes[name]);
  }
  const summary = obj('metrics', m.metrics);
  const manifest: VersionManifest = {
    format: MANIFEST_FORMAT,
    pipeline: expected.pipeline,
    version: expected.version,
    time: num('time', m.time),
    runId: str('runId', m.runId),
    pipelineFileHash: str('pipelineFileHash', m.pipelineFileHash),
    dataHash: str('dataHash', m.dataHash),
    params: (m.params ?? null) as Json,
    objects: ids,
    sizes: sizeOut,
    metrics: metricsSummary(summary),
  };
  if (m.parent !== undefined) manifest.parent = num('parent', m.parent);
  if (m.tags !== undefined) {
    if (!Array.isArray(m.tags) || !m.tags.every((t) => typeof t === 'string')) bad('"tags" is not a list of strings');
    manifest.tags = [...(m.tags as string[])];
  }
  return manifest;
}

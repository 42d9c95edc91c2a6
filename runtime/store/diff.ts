// What changed between two versions: params (flattened to dotted keys), metrics (with
// deltas), which artifact objects differ, and lineage.

import type { Json } from '../vocabulary';
import { canonicalJson } from './canonical';
import { ARTIFACT_NAMES, type ArtifactName, type VersionManifest } from './manifest';

export interface ValueChange {
  key: string;
  /** undefined when the key is new in `b`. */
  from?: Json;
  /** undefined when the key was removed in `b`. */
  to?: Json;
}

export interface MetricChange {
  name: string;
  from: number | null;
  to: number | null;
  /** to − from when both exist. */
  delta: number | null;
}

export interface ArtifactChange {
  artifact: ArtifactName;
  from: string | null;
  to: string | null;
  changed: boolean;
}

export interface LineageChange {
  field: 'pipelineFileHash' | 'dataHash' | 'parent' | 'runId';
  from: string | number | null;
  to: string | number | null;
}

export interface VersionDiff {
  pipeline: string;
  a: number;
  b: number;
  /** Only keys whose value differs. */
  params: ValueChange[];
  /** Every metric in either version, sorted by name. */
  metrics: MetricChange[];
  /** All four artifacts, each saying whether its object id changed. */
  objects: ArtifactChange[];
  /** Only lineage fields that differ. */
  lineage: LineageChange[];
}

export function diffManifests(a: VersionManifest, b: VersionManifest): VersionDiff {
  const pa = flatten(a.params);
  const pb = flatten(b.params);
  const params: ValueChange[] = [];
  for (const key of [...new Set([...pa.keys(), ...pb.keys()])].sort()) {
    const from = pa.get(key);
    const to = pb.get(key);
    if (from !== undefined && to !== undefined && canonicalJson(from) === canonicalJson(to)) continue;
    const change: ValueChange = { key };
    if (from !== undefined) change.from = from;
    if (to !== undefined) change.to = to;
    params.push(change);
  }

  const metricNames = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  const metrics = metricNames.map((name): MetricChange => {
    const from = Object.hasOwn(a.metrics, name) ? a.metrics[name] : null;
    const to = Object.hasOwn(b.metrics, name) ? b.metrics[name] : null;
    return { name, from, to, delta: from !== null && to !== null ? to - from : null };
  });

  const objects = ARTIFACT_NAMES.map((artifact): ArtifactChange => {
    const from = a.objects[artifact] ?? null;
    const to = b.objects[artifact] ?? null;
    return { artifact, from, to, changed: from !== to };
  });

  const lineage: LineageChange[] = [];
  for (const field of ['pipelineFileHash', 'dataHash', 'parent', 'runId'] as const) {
    const from = a[field] ?? null;
    const to = b[field] ?? null;
    if (from !== to) lineage.push({ field, from, to });
  }
  return { pipeline: a.pipeline, a: a.version, b: b.version, params, metrics, objects, lineage };
}

/**
 * Nested objects become dotted keys; arrays and scalars are leaves. A Float64Array (the
 * store gives long number arrays back as one) is an array, not an object of "0", "1", ….
 */
function flatten(value: Json, prefix = '', out = new Map<string, Json>()): Map<string, Json> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix) out.set(prefix, value);
    for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.set(prefix, value);
  } else if (value !== null) {
    out.set('(params)', value); // params that are not an object at all
  }
  return out;
}

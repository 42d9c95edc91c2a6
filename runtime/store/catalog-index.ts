// The on-disk listing cache of one pipeline (pipelines/<p>/index.json), stored by column
// with repeated strings (hashes, object ids) interned: it parses about twice as fast as
// an array of manifests, which is what keeps listing 10,000 versions under ~100 ms.
// It is only a cache: anything unexpected makes decodeIndex throw and the caller rebuild.

import type { Json } from '../vocabulary';
import { metricsSummary, MANIFEST_FORMAT, type ArtifactIds, type ArtifactSizes, type VersionManifest } from './manifest';
import { isObjectId } from './names';

// 2: the optional `code` artifact and `bundles` (older indexes are rebuilt).
const INDEX_FORMAT = 2;

interface IndexColumns {
  format: number;
  pipeline: string;
  strings: string[];
  version: number[];
  time: number[];
  parent: (number | null)[];
  runId: number[];
  pipelineFileHash: number[];
  dataHash: number[];
  params: Json[];
  /** [state, config, model or -1, metrics, code or -1] as indexes into `strings`. */
  objects: number[][];
  /** [state, config, model or -1, metrics, code or -1] in bytes. */
  sizes: number[][];
  metrics: Record<string, number>[];
  /** Bundle object ids as indexes into `strings`, or null. */
  bundles: (number[] | null)[];
  tags: (string[] | null)[];
}

export function encodeIndex(pipeline: string, manifests: VersionManifest[]): IndexColumns {
  const strings: string[] = [];
  const seen = new Map<string, number>();
  const intern = (s: string): number => {
    let i = seen.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      seen.set(s, i);
    }
    return i;
  };
  const cols: IndexColumns = {
    format: INDEX_FORMAT,
    pipeline,
    strings,
    version: [],
    time: [],
    parent: [],
    runId: [],
    pipelineFileHash: [],
    dataHash: [],
    params: [],
    objects: [],
    sizes: [],
    metrics: [],
    bundles: [],
    tags: [],
  };
  for (const m of manifests) {
    cols.version.push(m.version);
    cols.time.push(m.time);
    cols.parent.push(m.parent ?? null);
    cols.runId.push(intern(m.runId));
    cols.pipelineFileHash.push(intern(m.pipelineFileHash));
    cols.dataHash.push(intern(m.dataHash));
    cols.params.push(m.params);
    const o = m.objects;
    cols.objects.push([intern(o.state), intern(o.config), o.model === undefined ? -1 : intern(o.model), intern(o.metrics), o.code === undefined ? -1 : intern(o.code)]);
    const s = m.sizes;
    cols.sizes.push([s.state, s.config, s.model ?? -1, s.metrics, s.code ?? -1]);
    cols.metrics.push(m.metrics);
    cols.bundles.push(m.bundles ? m.bundles.map(intern) : null);
    cols.tags.push(m.tags ?? null);
  }
  return cols;
}

class BadIndex extends Error {}

/** Rebuilds manifests from a parsed index; throws on anything unexpected. */
export function decodeIndex(raw: unknown, pipeline: string): VersionManifest[] {
  const c = raw as IndexColumns;
  if (c === null || typeof c !== 'object' || c.format !== INDEX_FORMAT || c.pipeline !== pipeline) throw new BadIndex();
  const n = c.version?.length;
  const columns = [c.time, c.parent, c.runId, c.pipelineFileHash, c.dataHash, c.params, c.objects, c.sizes, c.metrics, c.bundles, c.tags];
  if (!Array.isArray(c.version) || !Array.isArray(c.strings) || columns.some((col) => !Array.isArray(col) || col.length !== n)) {
    throw new BadIndex();
  }
  const str = (i: unknown): string => {
    const s = c.strings[i as number];
    if (typeof s !== 'string') throw new BadIndex();
    return s;
  };
  // Each distinct string is checked once, not once per version that names it.
  const idOk = new Uint8Array(c.strings.length); // 0 unchecked, 1 an object id, 2 not
  const id = (i: unknown): string => {
    const s = str(i);
    const k = i as number;
    if (idOk[k] === 0) idOk[k] = isObjectId(s) ? 1 : 2;
    if (idOk[k] !== 1) throw new BadIndex();
    return s;
  };
  const num = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadIndex();
    return v;
  };
  const out: VersionManifest[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const version = c.version[i];
    if (!Number.isSafeInteger(version) || version < 1) throw new BadIndex();
    const o = c.objects[i];
    const s = c.sizes[i];
    if (!Array.isArray(o) || o.length !== 5 || !Array.isArray(s) || s.length !== 5) throw new BadIndex();
    const objects: ArtifactIds = { state: id(o[0]), config: id(o[1]), metrics: id(o[3]) };
    const sizes: ArtifactSizes = { state: num(s[0]), config: num(s[1]), metrics: num(s[3]) };
    if (o[2] !== -1) {
      objects.model = id(o[2]);
      sizes.model = num(s[2]);
    }
    if (o[4] !== -1) {
      objects.code = id(o[4]);
      sizes.code = num(s[4]);
    }
    const m: VersionManifest = {
      format: MANIFEST_FORMAT,
      pipeline,
      version,
      time: num(c.time[i]),
      runId: str(c.runId[i]),
      pipelineFileHash: str(c.pipelineFileHash[i]),
      dataHash: str(c.dataHash[i]),
      params: c.params[i] ?? null,
      objects,
      sizes,
      metrics: metricsSummary(c.metrics[i]),
    };
    const parent = c.parent[i];
    if (parent !== null) m.parent = num(parent);
    const bundles = c.bundles[i];
    if (bundles !== null) {
      if (!Array.isArray(bundles)) throw new BadIndex();
      m.bundles = bundles.map(id);
    }
    const tags = c.tags[i];
    if (tags !== null) {
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new BadIndex();
      m.tags = tags;
    }
    out[i] = m;
  }
  return out;
}

// The on-disk listing cache of one pipeline (pipelines/<p>/index.json). Listing 10,000
// versions in a fresh process is mostly JSON.parse, allocation and the garbage collector,
// so the index is shaped for few, cheap allocations:
//   - flat number columns (version, time, parent; objects and sizes 4 per version), which
//     parse into packed arrays instead of 10,000 small ones;
//   - every object id (64 hex characters) in one long string after the JSON, checked in
//     one pass and cut with slice (V8 makes cheap views of the long string), instead of
//     20,000-30,000 strings each parsed, allocated and checked;
//   - the metrics summaries used as parsed once every value is checked to be a finite number.
// It is only a cache: anything unexpected makes readIndexText throw and the caller rebuild.

import type { Json } from '../vocabulary';
import { MANIFEST_FORMAT, type ArtifactIds, type ArtifactSizes, type VersionManifest } from './manifest';

const INDEX_FORMAT = 2;
const ID_LENGTH = 64;

export interface IndexColumns {
  format: number;
  pipeline: string;
  /** Other repeated strings (run ids, lineage hashes), referenced by index. */
  strings: string[];
  /** Every distinct object id, concatenated (stored after the JSON, see indexText). */
  ids: string;
  version: number[];
  time: number[];
  /** 0 for none (versions start at 1). */
  parent: number[];
  runId: number[];
  pipelineFileHash: number[];
  dataHash: number[];
  params: Json[];
  /** [state, config, model or -1, metrics] per version, as indexes of ids (the nth id). */
  objects: number[];
  /** [state, config, model or -1, metrics] per version, in bytes. */
  sizes: number[];
  metrics: Record<string, number>[];
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
  const ids: string[] = [];
  const seenIds = new Map<string, number>();
  const internId = (s: string | undefined): number => {
    if (s === undefined) return -1;
    let i = seenIds.get(s);
    if (i === undefined) {
      i = ids.length;
      ids.push(s);
      seenIds.set(s, i);
    }
    return i;
  };
  const cols: IndexColumns = {
    format: INDEX_FORMAT,
    pipeline,
    strings,
    ids: '',
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
    tags: [],
  };
  for (const m of manifests) {
    cols.version.push(m.version);
    cols.time.push(m.time);
    cols.parent.push(m.parent ?? 0);
    cols.runId.push(intern(m.runId));
    cols.pipelineFileHash.push(intern(m.pipelineFileHash));
    cols.dataHash.push(intern(m.dataHash));
    cols.params.push(m.params);
    const o = m.objects;
    cols.objects.push(internId(o.state), internId(o.config), internId(o.model), internId(o.metrics));
    const s = m.sizes;
    cols.sizes.push(s.state, s.config, s.model ?? -1, s.metrics);
    cols.metrics.push(m.metrics);
    cols.tags.push(m.tags ?? null);
  }
  cols.ids = ids.join('');
  return cols;
}

class BadIndex extends Error {}

/**
 * The file: the columns as one line of JSON, then the ids after the newline, outside the
 * JSON (JSON.parse would copy 1.3 MB of them at 10,000 versions; slicing the file's text
 * does not).
 */
export function indexText(c: IndexColumns): string {
  return `${JSON.stringify({ ...c, ids: undefined })}\n${c.ids}`;
}

/** The columns of an index file, checked; throws on anything unexpected. */
export function readIndexText(text: string, pipeline: string): IndexColumns {
  const end = text.indexOf('\n');
  if (end < 0) bad();
  const raw = JSON.parse(text.slice(0, end)) as unknown;
  if (raw !== null && typeof raw === 'object') (raw as IndexColumns).ids = text.slice(end + 1);
  return checkIndex(raw, pipeline);
}

function bad(): never {
  throw new BadIndex();
}

/**
 * Checks a parsed index from end to end (without building anything), so that
 * manifestAt can then read it without checks; throws on anything unexpected.
 */
function checkIndex(raw: unknown, pipeline: string): IndexColumns {
  const c = raw as IndexColumns;
  if (c === null || typeof c !== 'object' || c.format !== INDEX_FORMAT || c.pipeline !== pipeline) bad();
  const n = Array.isArray(c.version) ? c.version.length : bad();
  const columns = [c.time, c.parent, c.runId, c.pipelineFileHash, c.dataHash, c.params, c.metrics, c.tags];
  if (!Array.isArray(c.strings) || columns.some((col) => !Array.isArray(col) || col.length !== n)) bad();
  const { ids, strings, objects, sizes } = c;
  if (!Array.isArray(objects) || objects.length !== 4 * n || !Array.isArray(sizes) || sizes.length !== 4 * n) bad();
  if (typeof ids !== 'string' || ids.length % ID_LENGTH !== 0 || !isLowerHex(ids)) bad();
  const idCount = ids.length / ID_LENGTH;
  for (const s of strings) if (typeof s !== 'string') bad();
  const stringIndex = (i: unknown): boolean => Number.isInteger(i) && (i as number) >= 0 && (i as number) < strings.length;
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const version = c.version[i];
    // Ascending, so a listing can match it against the directory in one pass.
    if (!Number.isSafeInteger(version) || version <= previous) bad();
    previous = version;
    if (!finite(c.time[i]) || !stringIndex(c.runId[i]) || !stringIndex(c.pipelineFileHash[i]) || !stringIndex(c.dataHash[i])) bad();
    const parent = c.parent[i];
    if (!Number.isSafeInteger(parent) || parent < 0) bad();
    for (let k = 4 * i; k < 4 * i + 4; k++) {
      const o = objects[k];
      const model = k % 4 === 2;
      if (model && o === -1 && sizes[k] === -1) continue;
      if (!Number.isInteger(o) || o < 0 || o >= idCount || !finite(sizes[k])) bad();
    }
    checkMetrics(c.metrics[i]);
    const tags = c.tags[i];
    if (tags !== null && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) bad();
  }
  return c;
}

/**
 * A parsed metrics summary, used as it is: an object of finite numbers, as metricsSummary
 * writes them (it never keeps '__proto__', so an index holding one was not written by us).
 */
function checkMetrics(v: unknown): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad();
  const rec = v as Record<string, unknown>;
  for (const key in rec) {
    const x = rec[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || key === '__proto__') bad();
  }
}

/**
 * The manifest in row i of a checked index, a new object each time (the caller owns it);
 * with `aliases`, that key is set too (last, as listVersions shows it).
 */
export function manifestAt(c: IndexColumns, i: number, aliases?: string[]): VersionManifest {
  const o = c.objects;
  const z = c.sizes;
  const ids = c.ids;
  const k = 4 * i;
  // Whole literals in readManifest's key order: an object given its keys one by one
  // would grow a second, out-of-object property store.
  const noModel = o[k + 2] === -1;
  const objects: ArtifactIds = noModel
    ? { state: idAt(ids, o[k]), config: idAt(ids, o[k + 1]), metrics: idAt(ids, o[k + 3]) }
    : { state: idAt(ids, o[k]), config: idAt(ids, o[k + 1]), model: idAt(ids, o[k + 2]), metrics: idAt(ids, o[k + 3]) };
  const sizes: ArtifactSizes = noModel
    ? { state: z[k], config: z[k + 1], metrics: z[k + 3] }
    : { state: z[k], config: z[k + 1], model: z[k + 2], metrics: z[k + 3] };
  const parent = c.parent[i];
  const tags = c.tags[i];
  const strings = c.strings;
  if (aliases && parent === 0 && tags === null) {
    return {
      format: MANIFEST_FORMAT,
      pipeline: c.pipeline,
      version: c.version[i],
      time: c.time[i],
      runId: strings[c.runId[i]],
      pipelineFileHash: strings[c.pipelineFileHash[i]],
      dataHash: strings[c.dataHash[i]],
      params: c.params[i] ?? null,
      objects,
      sizes,
      metrics: c.metrics[i],
      aliases,
    };
  }
  const m: VersionManifest = {
    format: MANIFEST_FORMAT,
    pipeline: c.pipeline,
    version: c.version[i],
    time: c.time[i],
    runId: strings[c.runId[i]],
    pipelineFileHash: strings[c.pipelineFileHash[i]],
    dataHash: strings[c.dataHash[i]],
    params: c.params[i] ?? null,
    objects,
    sizes,
    metrics: c.metrics[i],
  };
  if (parent !== 0) m.parent = parent;
  if (tags !== null) m.tags = [...tags];
  if (aliases) m.aliases = aliases;
  return m;
}

function idAt(ids: string, j: number): string {
  return ids.slice(j * ID_LENGTH, (j + 1) * ID_LENGTH);
}

/**
 * Whether s is all lowercase hex: Buffer's hex decoder stops at the first other character
 * (a few times faster on a megabyte than a regex run for the first time).
 */
function isLowerHex(s: string): boolean {
  return Buffer.from(s, 'hex').byteLength * 2 === s.length && s.toLowerCase() === s;
}

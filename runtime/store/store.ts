// The Store: versioned state, config, models, metrics and run records for pipelines.
// See README.md in this folder for the layout and the guarantees.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../errors';
import type { Json, ModelArtifact } from '../vocabulary';
import { AliasTable } from './aliases';
import { decodeArtifact, PlanAgain, planArtifact, planChunks } from './binary';
import { canonicalJson } from './canonical';
import { diffManifests, type VersionDiff } from './diff';
import { collectGarbage, GC_LOCK_STALE_MS, gcLockPath, type GcOptions, type GcResult } from './gc';
import { waitWhileLocked } from './lock';
import {
  ARTIFACT_NAMES,
  MANIFEST_FORMAT,
  metricsSummary,
  type ArtifactIds,
  type ArtifactName,
  type ArtifactSizes,
  type VersionManifest,
} from './manifest';
import { checkName, quoteName } from './names';
import { ObjectStore, readdirOrEmpty } from './objects';
import { RunTable, type RunRecord } from './runs';
import { VersionCatalog, type DamagedFile } from './versions';

export type VersionRef = number | string;

export interface SaveVersionInput {
  artifacts: {
    state: Json;
    config: Json;
    model: Json | ModelArtifact | null;
    metrics: Json;
  };
  lineage: {
    pipelineFileHash: string;
    dataHash: string;
    params: Json;
    /** Defaults to the newest version at the moment the number is claimed. */
    parent?: number;
    runId: string;
  };
  /** ms since the epoch; defaults to now. */
  time?: number;
  tags?: string[];
}

export interface LoadedVersion {
  manifest: VersionManifest;
  state: Json;
  config: Json;
  model: Json | null;
  metrics: Json;
}

export interface ListOptions {
  /** Return the readable entries and report unreadable files instead of throwing. */
  skipDamaged?: boolean;
}

export interface VersionList extends Array<VersionManifest> {
  /** Files that could not be read (only filled with `skipDamaged`). */
  damaged?: DamagedFile[];
}

export interface RunList extends Array<RunRecord> {
  damaged?: DamagedFile[];
}

export interface VerifyProblem {
  pipeline: string;
  version?: number;
  artifact?: ArtifactName;
  objectId?: string;
  file: string;
  code: 'corrupt' | 'not-found' | 'io';
  message: string;
}

export class Store {
  readonly root: string;
  private readonly objects: ObjectStore;
  private readonly catalogs = new Map<string, VersionCatalog>();

  constructor(root: string) {
    this.root = path.resolve(root);
    this.objects = new ObjectStore(this.root);
  }

  // ---- objects -------------------------------------------------------------------------

  async putObject(bytes: Uint8Array): Promise<string> {
    return (await this.objects.put(bytes)).id;
  }

  async getObject(id: string): Promise<Uint8Array> {
    return this.objects.get(id);
  }

  /** Stores a JSON value as an artifact object (long number arrays as float64, see binary.ts). */
  async putJson(value: unknown): Promise<string> {
    return (await this.putArtifact(value)).id;
  }

  /** Reads an artifact object (JSON text or binary) back as plain JSON data. */
  async getJson(id: string): Promise<Json> {
    const bytes = await this.objects.get(id);
    return decodeArtifact(bytes, id, this.objects.pathOf(id)) as Json;
  }

  /** Stores one artifact; big binary ones stream from the value to the file (binary.ts). */
  private async putArtifact(value: unknown, exact = false): Promise<{ id: string; size: number }> {
    const plan = planArtifact(value, { exact });
    if (Buffer.isBuffer(plan)) return { id: (await this.objects.put(plan)).id, size: plan.byteLength };
    try {
      return { id: (await this.objects.putChunks(planChunks(plan))).id, size: plan.byteLength };
    } catch (e) {
      // A long array was not all finite numbers after all (the temp file is gone): exactly.
      if (e instanceof PlanAgain && !exact) return this.putArtifact(value, true);
      throw e;
    }
  }

  // ---- versions ------------------------------------------------------------------------

  async saveVersion(pipeline: string, input: SaveVersionInput): Promise<VersionManifest> {
    const catalog = this.catalog(pipeline);
    const { lineage } = input;
    checkName('run id', lineage?.runId);
    for (const key of ['pipelineFileHash', 'dataHash'] as const) {
      if (typeof lineage[key] !== 'string') throw new StoreError(`lineage.${key} must be a string`, 'io');
    }
    if (lineage.parent !== undefined && !(Number.isSafeInteger(lineage.parent) && lineage.parent >= 1)) {
      throw new StoreError(`lineage.parent must be a version number, got ${String(lineage.parent)}`, 'io');
    }
    const time = input.time ?? Date.now();
    if (!Number.isFinite(time)) throw new StoreError(`time must be a number of ms, got ${String(time)}`, 'io');
    if (input.tags !== undefined && !(Array.isArray(input.tags) && input.tags.every((t) => typeof t === 'string'))) {
      throw new StoreError('tags must be a list of strings', 'io');
    }

    // Objects first: once the manifest is linked, everything it names already exists.
    // All at once: the small artifacts' fsyncs then overlap the model's hashing.
    const values = new Map<string, unknown>();
    const objects = {} as ArtifactIds;
    const sizes = {} as ArtifactSizes;
    const names = ARTIFACT_NAMES.filter((name) => !(name === 'model' && (input.artifacts[name] === null || input.artifacts[name] === undefined)));
    const settled = await Promise.allSettled(names.map((name) => this.putArtifact(input.artifacts[name])));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason; // after every write has finished or cleaned up
    const stored = settled.map((r) => (r as PromiseFulfilledResult<{ id: string; size: number }>).value);
    names.forEach((name, i) => {
      const { id, size } = stored[i];
      values.set(id, input.artifacts[name]);
      objects[name] = id;
      sizes[name] = size;
    });
    const params = JSON.parse(canonicalJson(lineage.params ?? null)) as Json;
    const metrics = metricsSummary(input.artifacts.metrics);

    const manifest = await catalog.claim((version, latest) => {
      const m: VersionManifest = {
        format: MANIFEST_FORMAT,
        pipeline,
        version,
        time,
        runId: lineage.runId,
        pipelineFileHash: lineage.pipelineFileHash,
        dataHash: lineage.dataHash,
        params,
        objects,
        sizes,
        metrics,
      };
      const parent = lineage.parent ?? latest;
      if (parent !== undefined) m.parent = parent;
      if (input.tags?.length) m.tags = [...input.tags];
      return m;
    });

    // A gc that listed manifests before ours was linked may have judged a reused (old)
    // object unreferenced. Wait for any running gc to finish, then put back whatever it took.
    await waitWhileLocked(gcLockPath(this.root), GC_LOCK_STALE_MS);
    for (const [id, value] of values) {
      if (!(await this.objects.exists(id))) await this.putArtifact(value);
    }
    return { ...manifest, aliases: [] };
  }

  async listVersions(pipeline: string, options: ListOptions = {}): Promise<VersionList> {
    const catalog = this.catalog(pipeline);
    const aliasRead = this.aliasTable(pipeline).all();
    // The catalog sets each manifest's aliases as it builds it (no second copy of 10,000s).
    const byVersion = aliasRead.then((a) => invert(a.aliases));
    byVersion.catch(() => {}); // a failure surfaces through aliasRead below
    const [{ manifests, damaged }, aliasResult] = await Promise.all([catalog.list({ aliases: byVersion }), aliasRead]);
    const problems = [...damaged, ...aliasResult.damaged];
    if (problems.length > 0 && !options.skipDamaged) {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more damaged files)` : '';
      throw new StoreError(`${problems[0].message}${more}; list with { skipDamaged: true } to see the rest`, 'corrupt', problems[0].file);
    }
    const list: VersionList = manifests;
    if (options.skipDamaged) list.damaged = problems;
    return list;
  }

  async getVersion(pipeline: string, ref: VersionRef): Promise<VersionManifest> {
    const version = await this.resolve(pipeline, ref);
    const manifest = await this.catalog(pipeline).read(version);
    if (!manifest) throw await this.notFound(pipeline, `no version ${version} of pipeline ${pipeline}`);
    const { aliases } = await this.aliasTable(pipeline).all();
    return { ...manifest, aliases: invert(aliases).get(version) ?? [] };
  }

  /** A version number, a numeric string, 'latest', or an alias → the version number. */
  async resolve(pipeline: string, ref: VersionRef): Promise<number> {
    const catalog = this.catalog(pipeline);
    let version: number;
    if (typeof ref === 'number' || (typeof ref === 'string' && /^\d+$/.test(ref))) {
      version = Number(ref);
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new StoreError(`invalid version ${quoteName(String(ref))}: versions are whole numbers from 1`, 'bad-name');
      }
    } else if (ref === 'latest') {
      const latest = (await catalog.scan()).numbers.at(-1);
      // Not notFound(): its "(no versions yet)" would only repeat the message.
      if (latest === undefined) throw new StoreError(`pipeline ${pipeline} has no versions yet`, 'not-found', this.pipelineDir(pipeline));
      return latest;
    } else {
      const alias = checkName('alias', ref);
      const target = await this.aliasTable(pipeline).get(alias);
      if (target === undefined) throw await this.notFound(pipeline, `no alias ${quoteName(alias)} for pipeline ${pipeline}`);
      version = target;
      if (!(await exists(catalog.pathOf(version)))) {
        throw await this.notFound(pipeline, `alias ${quoteName(alias)} points at version ${version} of pipeline ${pipeline}, which no longer exists`);
      }
      return version;
    }
    if (!(await exists(catalog.pathOf(version)))) {
      throw await this.notFound(pipeline, `no version ${version} of pipeline ${pipeline}`);
    }
    return version;
  }

  async loadArtifact(pipeline: string, ref: VersionRef, which: ArtifactName): Promise<Json> {
    if (!ARTIFACT_NAMES.includes(which)) {
      throw new StoreError(`unknown artifact ${quoteName(which)}: use one of ${ARTIFACT_NAMES.join(', ')}`, 'bad-name');
    }
    const manifest = await this.getVersion(pipeline, ref);
    const id = manifest.objects[which];
    return id === undefined ? null : this.getJson(id);
  }

  async loadVersion(pipeline: string, ref: VersionRef): Promise<LoadedVersion> {
    const manifest = await this.getVersion(pipeline, ref);
    const load = (which: ArtifactName) => {
      const id = manifest.objects[which];
      return id === undefined ? Promise.resolve(null) : this.getJson(id);
    };
    const [state, config, model, metrics] = await Promise.all(ARTIFACT_NAMES.map(load));
    return { manifest, state, config, model, metrics };
  }

  /** Removes a version and every alias pointing at it. Its objects stay until gc. */
  async deleteVersion(pipeline: string, ref: VersionRef): Promise<number> {
    const version = await this.resolve(pipeline, ref);
    const aliases = this.aliasTable(pipeline);
    if (!(await this.catalog(pipeline).remove(version))) {
      throw await this.notFound(pipeline, `no version ${version} of pipeline ${pipeline}`);
    }
    const { aliases: all } = await aliases.all();
    for (const alias of invert(all).get(version) ?? []) await aliases.remove(alias);
    return version;
  }

  async diffVersions(pipeline: string, a: VersionRef, b: VersionRef): Promise<VersionDiff> {
    const [ma, mb] = await Promise.all([this.getVersion(pipeline, a), this.getVersion(pipeline, b)]);
    return diffManifests(ma, mb);
  }

  // ---- aliases -------------------------------------------------------------------------

  /** Points `alias` at a version (moving it if it exists). Returns the version number. */
  async tag(pipeline: string, alias: string, ref: VersionRef): Promise<number> {
    checkName('alias', alias);
    const version = await this.resolve(pipeline, ref);
    await this.aliasTable(pipeline).set(alias, version);
    return version;
  }

  async untag(pipeline: string, alias: string): Promise<void> {
    if (!(await this.aliasTable(pipeline).remove(alias))) {
      throw await this.notFound(pipeline, `no alias ${quoteName(alias)} for pipeline ${pipeline}`);
    }
  }

  async aliases(pipeline: string): Promise<Record<string, number>> {
    const { aliases, damaged } = await this.aliasTable(pipeline).all();
    if (damaged.length > 0) throw new StoreError(damaged[0].message, 'corrupt', damaged[0].file);
    return { ...aliases };
  }

  async listPipelines(): Promise<string[]> {
    const names = await readdirOrEmpty(path.join(this.root, 'pipelines'));
    return names.filter((n) => isValidName(n)).sort();
  }

  // ---- runs ----------------------------------------------------------------------------

  async saveRun(pipeline: string, record: RunRecord): Promise<void> {
    return this.runTable(pipeline).save(record);
  }

  async listRuns(pipeline: string, options: ListOptions = {}): Promise<RunList> {
    const { runs, damaged } = await this.runTable(pipeline).list();
    if (damaged.length > 0 && !options.skipDamaged) {
      throw new StoreError(damaged[0].message, 'corrupt', damaged[0].file);
    }
    const list: RunList = runs;
    if (options.skipDamaged) list.damaged = damaged;
    return list;
  }

  async getRun(pipeline: string, runId: string): Promise<RunRecord> {
    const table = this.runTable(pipeline);
    const run = await table.get(runId);
    if (!run) {
      const ids = (await table.ids()).sort();
      const known = ids.length ? `runs: ${summarize(ids)}` : 'no runs recorded';
      throw new StoreError(`no run ${quoteName(runId)} of pipeline ${pipeline} (${known})`, 'not-found', table.pathOf(runId));
    }
    return run;
  }

  /** The most recent run record, or undefined when none was saved. */
  async latestRun(pipeline: string): Promise<RunRecord | undefined> {
    return (await this.listRuns(pipeline, { skipDamaged: true })).at(-1);
  }

  // ---- maintenance ---------------------------------------------------------------------

  /**
   * Removes objects no manifest references and stale temp files. Objects younger than
   * `minAgeMs` (default 10 minutes) are kept, since a save in progress writes its objects
   * before linking its manifest. See README.md for the full argument.
   */
  async gc(options: GcOptions = {}): Promise<GcResult> {
    const pipelines = await this.listPipelines();
    return collectGarbage(this.root, this.objects, pipelines.map((p) => ({ pipeline: p, catalog: this.catalog(p) })), options);
  }

  /** Re-hashes every object of every version (of one pipeline, or all). Reports, never throws on damage. */
  async verify(pipeline?: string): Promise<VerifyProblem[]> {
    const pipelines = pipeline === undefined ? await this.listPipelines() : [checkName('pipeline', pipeline)];
    const problems: VerifyProblem[] = [];
    const checked = new Map<string, StoreError | null>();
    for (const p of pipelines) {
      const { manifests, damaged } = await this.catalog(p).list({ fresh: true });
      for (const d of damaged) problems.push({ pipeline: p, file: d.file, code: 'corrupt', message: d.message });
      for (const m of manifests) {
        for (const artifact of ARTIFACT_NAMES) {
          const id = m.objects[artifact];
          if (id === undefined) continue;
          if (!checked.has(id)) checked.set(id, await this.objects.get(id).then(() => null, (e) => toStoreError(e, this.objects.pathOf(id))));
          const error = checked.get(id);
          if (error) {
            problems.push({
              pipeline: p,
              version: m.version,
              artifact,
              objectId: id,
              file: error.path ?? this.objects.pathOf(id),
              code: error.code === 'corrupt' || error.code === 'not-found' ? error.code : 'io',
              message: `version ${m.version} ${artifact}: ${error.message}`,
            });
          }
        }
      }
    }
    return problems;
  }

  // ---- helpers -------------------------------------------------------------------------

  private pipelineDir(pipeline: string): string {
    return path.join(this.root, 'pipelines', checkName('pipeline', pipeline));
  }

  private catalog(pipeline: string): VersionCatalog {
    let catalog = this.catalogs.get(pipeline);
    if (!catalog) {
      catalog = new VersionCatalog(pipeline, this.pipelineDir(pipeline));
      this.catalogs.set(pipeline, catalog);
    }
    return catalog;
  }

  private aliasTable(pipeline: string): AliasTable {
    return new AliasTable(this.pipelineDir(pipeline));
  }

  private runTable(pipeline: string): RunTable {
    return new RunTable(this.pipelineDir(pipeline));
  }

  /** A 'not-found' error that also says what does exist. */
  private async notFound(pipeline: string, what: string): Promise<StoreError> {
    const { numbers } = await this.catalog(pipeline).scan();
    const { aliases } = await this.aliasTable(pipeline).all();
    const names = Object.keys(aliases);
    const versions = numbers.length ? `versions ${summarize(ranges(numbers))}` : 'no versions yet';
    const aliasText = names.length ? `; aliases: ${summarize(names)}` : '';
    return new StoreError(`${what} (${versions}${aliasText})`, 'not-found', this.pipelineDir(pipeline));
  }
}

function isValidName(name: string): boolean {
  try {
    checkName('pipeline', name);
    return true;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function toStoreError(e: unknown, file: string): StoreError {
  return e instanceof StoreError ? e : new StoreError((e as Error).message, 'io', file);
}

function invert(aliases: Record<string, number>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [alias, version] of Object.entries(aliases)) {
    const list = out.get(version) ?? [];
    list.push(alias);
    out.set(version, list);
  }
  return out;
}

/** [1,2,3,5,7,8] → ['1–3', '5', '7–8'] */
function ranges(numbers: number[]): string[] {
  const out: string[] = [];
  let start = numbers[0];
  for (let i = 1; i <= numbers.length; i++) {
    if (i < numbers.length && numbers[i] === numbers[i - 1] + 1) continue;
    const end = numbers[i - 1];
    out.push(start === end ? `${start}` : `${start}–${end}`);
    start = numbers[i];
  }
  return out;
}

function summarize(items: string[], max = 10): string {
  return items.length > max ? `${items.slice(0, max).join(', ')}, … (${items.length} in all)` : items.join(', ');
}

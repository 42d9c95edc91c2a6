// A version pins everything it needs to reproduce its predictions; inference replays it.
//
//  - Training: `pinForVersion` gives the version's `code` artifact (pinned-spec.ts) and
//    the compiled bundle of every user stage module, stored content-addressed.
//  - Inference: `openForInference` turns the working spec into the version's own spec
//    (its stages, `with:`, params, sub-pipelines) with its stage modules loaded from the
//    pinned bundles (`stageLoader`), so editing a stage module or the pipeline file after
//    training cannot change what a version serves. `workingCopy` runs the working copy
//    instead and reports what differs from the version (code-drift.ts).
//  - The pipeline file a history belongs to is checked on both paths (store/owner.ts).
//
// Loading a version runs no code but the pinned stage modules inference itself runs: the
// user's own modules as they were built when the version was trained.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { StoreError } from '../errors';
import { runStages } from '../spec/stop-after';
import type { PipelineSpec } from '../spec/types';
import type { StageDef } from '../stages/types';
import { evaluateUserStage, loadUserStage } from '../stages/user';
import { Store, type VersionRef } from '../store';
import { sectionsOf, type Json } from '../vocabulary';
import { compareCode, type CodeChange } from './code-drift';
import { buildPinnedCode, readPinnedCode, specFromJson, type PinnedCode } from './pinned-spec';

export type StageLoader = (absModule: string) => Promise<StageDef>;

/** What an inference run executes, and what to tell the user before it starts. */
export interface InferencePlan {
  /** The version's pinned spec (spec.pinned set), or the working copy. */
  spec: PipelineSpec;
  /** The version whose state and model are loaded. */
  version: number;
  /** Lines for the run's output (warnings): the drift report, or why nothing is pinned. */
  notes: string[];
  /** With `workingCopy`: how the working copy differs from the version (empty: it does not). */
  drift?: CodeChange[];
}

/** Train runs claim the pipeline's history for their file; another file's is refused. */
export async function claimHistory(store: Store, spec: PipelineSpec): Promise<void> {
  await store.checkPipelineOwner(spec.name, spec.file, { claim: true });
}

/** The version's `code` artifact and bundles for a training run that used `defs`. */
export async function pinForVersion(spec: PipelineSpec, store: Store, defs: Iterable<StageDef>): Promise<{ code: Json; bundles: Uint8Array[] }> {
  const { doc, bundles } = await buildPinnedCode(spec, store.root, defs);
  return { code: doc as unknown as Json, bundles: [...bundles.values()] };
}

/** The version's pinned code record, or undefined for a version saved before Plumb pinned code. */
export async function loadPinnedCode(store: Store, pipeline: string, version: number): Promise<PinnedCode | undefined> {
  const manifest = await store.getVersion(pipeline, version);
  const id = manifest.objects.code;
  if (id === undefined) return undefined;
  let raw: Json;
  try {
    raw = await store.getJson(id);
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    throw new StoreError(`version ${version} of ${pipeline}: its pinned spec and code record (object ${id.slice(0, 12)}) cannot be read: ${e.message}`, e.code, e.path);
  }
  return readPinnedCode(raw, `version ${version} of ${pipeline}`);
}

/**
 * What an inference run of `working` executes: by default version `ref`'s own spec and
 * code; with `workingCopy`, `working` itself plus a report of what differs.
 */
export async function openForInference(
  store: Store,
  working: PipelineSpec,
  opts: { version?: VersionRef; workingCopy?: boolean } = {},
): Promise<InferencePlan> {
  if (working.pinned) return { spec: working, version: working.pinned.version, notes: await editedSince(working) };
  await store.checkPipelineOwner(working.name, working.file);
  const version = await store.resolve(working.name, opts.version ?? 'latest');
  const pinned = await loadPinnedCode(store, working.name, version);
  if (!pinned) {
    return {
      spec: working,
      version,
      notes: [`version ${version} was saved before Plumb pinned code: running the working copy's spec and stage modules (train a new version to pin them)`],
    };
  }
  if (opts.workingCopy) {
    const stages = runStages(working, 'inference');
    const defs = await Promise.all(stages.filter((s) => s.module).map((s) => loadUserStage(s.module!)));
    const { doc } = await buildPinnedCode(working, store.root, defs);
    const drift = compareCode(pinned, doc, sectionsOf('inference'));
    const notes = drift.length
      ? [`running the working copy, not version ${version}'s pinned spec and code; what differs from version ${version}:`, ...drift.map((c) => `  ${c.message}`)]
      : [`running the working copy; it matches version ${version}'s pinned spec and code`];
    return { spec: working, version, notes, drift };
  }
  const spec = specFromJson(pinned.spec, working, pinned.fileHash);
  const dir = path.dirname(working.file);
  // The pipeline file is the working one (it may have been renamed); the rest as pinned.
  const [top, ...included] = pinned.files;
  const sources = [
    ...(top ? [{ path: path.basename(working.file), sha256: top.sha256 }] : []),
    ...included,
    ...pinned.modules.flatMap((m) => m.sources),
  ].map((f) => ({ path: f.path, sha256: f.sha256 }));
  spec.pinned = {
    version,
    store: store.root,
    modules: Object.fromEntries(pinned.modules.map((m) => [path.resolve(dir, m.path), { bundle: m.bundle, path: m.path }])),
    sources,
  };
  return { spec, version, notes: await editedSince(spec) };
}

/**
 * Files edited since the version was trained (cheap: hashes of the files on disk, nothing
 * compiled): pinned inference ignores them, and says so once.
 */
async function editedSince(spec: PipelineSpec): Promise<string[]> {
  const { version, sources } = spec.pinned!;
  const dir = path.dirname(spec.file);
  const changed = new Set<string>();
  for (const f of sources) {
    const text = await readFile(path.resolve(dir, f.path)).catch(() => undefined);
    if (text === undefined || createHash('sha256').update(text).digest('hex') !== f.sha256) changed.add(f.path);
  }
  if (changed.size === 0) return [];
  return [
    `${[...changed].join(', ')} changed since version ${version} was trained: running version ${version}'s own pinned spec and code ` +
      `(run with --working-copy, or workingCopy: true, to use the edited files and see what differs)`,
  ];
}

const evaluated = new Map<string, StageDef>();

/**
 * How user stage modules of `spec` are loaded: from the version's pinned bundles when the
 * spec is pinned (each bundle checked against its hash as it is read), else the working copy.
 */
export function stageLoader(spec: PipelineSpec): StageLoader {
  const pinned = spec.pinned;
  if (!pinned) return loadUserStage;
  const store = new Store(pinned.store);
  return async (absModule) => {
    const entry = pinned.modules[absModule];
    if (!entry) {
      throw new StoreError(`version ${pinned.version} pinned no code for the stage module ${absModule}`, 'not-found');
    }
    const key = `${entry.bundle}\0${absModule}`;
    const known = evaluated.get(key);
    if (known) return known;
    let bytes: Uint8Array;
    try {
      bytes = await store.getObject(entry.bundle);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      const what = e.code === 'corrupt' ? 'is damaged' : e.code === 'not-found' ? 'is missing' : 'cannot be read';
      throw new StoreError(
        `version ${pinned.version}: the pinned code of the stage module ${entry.path} (object ${entry.bundle.slice(0, 12)}) ${what}: ${e.message}. ` +
          `Inference runs no other code in its place: restore the store from a backup, train a new version, ` +
          `or run the working copy with --working-copy (workingCopy: true)`,
        e.code,
        e.path,
      );
    }
    const def = evaluateUserStage({ module: absModule, code: Buffer.from(bytes).toString('utf8'), sources: [] });
    evaluated.set(key, def);
    return def;
  };
}

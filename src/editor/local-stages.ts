// Stage modules beside a pipeline file: *.ts / *.js (and .mts/.cts/.mjs/.cjs) under its
// folder, offered as `./relative/path` after `uses:` by file name alone — listing them
// never runs them; so are other *.pipeline.yaml files (sub-pipelines), with their
// `params:` as the `with:` keys they take. The summary and `with:` schema of a module
// that a stage names in `uses:` come from loading it in the inspect host (a child
// process, see inspect-client.ts); one that fails to load shows the load error as its summary.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isSubPipelineRef } from '../../runtime/spec/include';
import { parsePipelineText } from '../../runtime/spec/parse';
import type { ParamSchema } from '../../runtime/stages/types';
import { isUserStageRef, USER_STAGE_EXTENSIONS } from '../../runtime/stages/user';
import { stageInfo, type StageInfo } from './catalog';
import type { InspectClient } from './inspect-client';
import { outlinePipeline } from './outline';

const SKIP = new Set(['node_modules', '.plumb', '.git', 'out', 'dist']);
const MAX_FILES = 200;

/** Stage module files under `dir` (bounded depth and count), as `./a/b.ts` paths. */
export function findStageModules(dir: string, depth = 3): Promise<string[]> {
  return findFiles(dir, depth, (name) => USER_STAGE_EXTENSIONS.includes(path.extname(name)) && !name.endsWith('.d.ts') && !/\.(test|spec)\./.test(name));
}

/** Pipeline files under `dir` that could be included as sub-pipelines, as `./a/b.pipeline.yaml` paths. */
export function findSubPipelines(dir: string, depth = 3): Promise<string[]> {
  return findFiles(dir, depth, (name) => /\.pipeline\.ya?ml$/i.test(name));
}

async function findFiles(dir: string, depth: number, wanted: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  async function walk(sub: string, level: number): Promise<void> {
    if (found.length >= MAX_FILES) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory() && level < depth) await walk(rel, level + 1);
      else if (e.isFile() && wanted(e.name)) {
        found.push(`./${rel}`);
      }
    }
  }
  await walk('', 0);
  return found;
}

/** The `uses:` choices under `dir`: stage modules by name only (none is loaded), and sub-pipelines. */
export async function localStageInfos(dir: string): Promise<StageInfo[]> {
  const files = await findStageModules(dir);
  const subs = await findSubPipelines(dir);
  const modules = files.map((rel): StageInfo => ({ uses: rel, summary: '', kind: 'module', builtin: false, params: [], loaded: false }));
  return [...modules, ...(await Promise.all(subs.map((rel) => subPipelineInfo(dir, rel))))];
}

/**
 * `infos` with the modules that `text` names in `uses:` described by the inspect host
 * (loaded there, cached by file mtime): hovers and `with:` completions need their schema.
 * Modules no stage names stay unloaded.
 */
export async function describeNamedModules(infos: StageInfo[], file: string, text: string, inspector: InspectClient): Promise<StageInfo[]> {
  const dir = path.dirname(file);
  const named = new Set<string>();
  for (const s of outlinePipeline(text).stages) {
    if (s.uses && isUserStageRef(s.uses) && !isSubPipelineRef(s.uses)) named.add(s.uses);
  }
  if (named.size === 0) return infos;
  const described = new Map<string, StageInfo>();
  for (const uses of named) {
    const d = await inspector.describe(path.resolve(dir, uses), file);
    described.set(
      uses,
      d.error !== undefined
        ? { uses, summary: `(could not load: ${d.error.split('\n')[0]})`, kind: 'module', builtin: false, params: [], loadError: true }
        : stageInfo(uses, { summary: d.summary ?? '', params: d.params as ParamSchema }, false),
    );
  }
  return [...infos.filter((i) => !described.has(i.uses)), ...described.values()];
}

/** A sub-pipeline file as a `uses:` choice: its params (with their defaults) are its `with:` keys. */
async function subPipelineInfo(dir: string, rel: string): Promise<StageInfo> {
  let params: Record<string, unknown> = {};
  let summary = 'sub-pipeline: its stages of the same section run here';
  try {
    // The runtime's own parser: it reads `${params.x}` inside flow maps, which plain YAML rejects.
    const file = path.join(dir, rel);
    const doc = parsePipelineText(file, await fs.readFile(file, 'utf8')).doc.toJS() as { params?: unknown; description?: unknown } | null;
    if (doc && typeof doc.params === 'object' && doc.params !== null && !Array.isArray(doc.params)) params = doc.params as Record<string, unknown>;
    if (doc && typeof doc.description === 'string') summary = `sub-pipeline: ${doc.description}`;
  } catch (e) {
    summary = `(could not read: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  const paramInfos = Object.entries(params).map(([name, value]) => ({ name, type: Array.isArray(value) ? 'array' : value === null ? undefined : typeof value, default: value, required: false }));
  return { uses: rel, summary, kind: 'sub-pipeline', builtin: false, params: paramInfos };
}

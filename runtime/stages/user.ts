// User stage modules: `uses: ./stages/export.ts` in a pipeline file.
//
// Every module kind (.ts/.mts/.cts/.js/.mjs/.cjs) goes through esbuild's `build` with
// bundle: true, so a stage may import its own helper files, in either module syntax,
// and come out as one CommonJS text. npm packages stay external and are resolved from
// the stage's own folder at require time.
//
// The compiled text is loaded in memory with `new Module()._compile(code, absPath)`
// rather than written to a temp file and required: nothing to clean up, no stale
// require cache when the user edits the file while the editor re-validates, and the
// module's filename is still the real path (with an inline source map, so stack
// traces and the debugger point at the user's own lines).
//
// Loads are cached by the mtimes of every file esbuild read, so re-validating while
// typing is cheap and an edit to a helper file is picked up too.

import Module from 'node:module';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { FittedStage, ModelStage, ParamSchema, StageDef, TransformStage } from './types';

export const USER_STAGE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

const EXPECTED =
  'a function (input, ctx) => table, or an object with fit and transform, or run, or train';

/** True when a `uses:` value names a module file rather than a built-in stage. */
export function isUserStageRef(uses: string): boolean {
  return uses.startsWith('./') || uses.startsWith('../') || path.isAbsolute(uses);
}

interface CacheEntry {
  inputs: Map<string, number>; // absolute path → mtimeMs
  def: StageDef;
}
const cache = new Map<string, CacheEntry>();

function mtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function isFresh(entry: CacheEntry): boolean {
  for (const [file, ms] of entry.inputs) if (mtime(file) !== ms) return false;
  return true;
}

async function compile(absPath: string): Promise<{ code: string; inputs: string[] }> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [absPath],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    metafile: true,
    packages: 'external',
    // Never bundle Plumb itself (a tsconfig `paths` entry could resolve it to sources): the
    // stage must get the running runtime so its Table is the engine's Table.
    external: ['plumb'],
    sourcemap: 'inline',
    // The map's `sources` are then relative to the module's own folder, which is where
    // node resolves them from (the module's filename is the real path): stack traces
    // name `/…/stages/export.ts:5:9`, not a path doubled up from the working directory.
    outdir: path.dirname(absPath),
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const cwd = process.cwd();
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(cwd, p));
  return { code, inputs };
}

interface ModuleInternals {
  _compile(code: string, filename: string): void;
  exports: unknown;
  filename: string;
  paths: string[];
}
type ModuleStatics = { _nodeModulePaths(dir: string): string[] };

// Loaded lazily: runtime/index imports this file, so a top-level import would be circular.
function plumbApi(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../index');
}

function evaluate(code: string, absPath: string): unknown {
  const ModuleCtor = Module as unknown as { new (id: string): ModuleInternals } & ModuleStatics;
  const m = new ModuleCtor(absPath);
  m.filename = absPath;
  m.paths = ModuleCtor._nodeModulePaths(path.dirname(absPath));
  // `import ... from 'plumb'` in a user stage gets this very runtime (its Table class,
  // error classes, helpers), not a second copy from some node_modules folder.
  const ownRequire = Module.prototype.require;
  (m as unknown as { require: (id: string) => unknown }).require = (id: string) =>
    id === 'plumb' ? plumbApi() : ownRequire.call(m as unknown as Module, id);
  m._compile(code, absPath);
  return m.exports;
}

function describeExport(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => k !== '__esModule');
    return keys.length ? `an object with keys ${keys.join(', ')}` : 'an empty object';
  }
  return typeof v;
}

/** Picks the stage out of a module's exports: the default export, else the module itself. */
function stageExport(exports: unknown): unknown {
  if (exports !== null && typeof exports === 'object' && 'default' in exports) {
    const d = (exports as { default: unknown }).default;
    if (d !== undefined && d !== null) return d;
  }
  return exports;
}

// A user stage without a param schema accepts any `with:` keys. ParamSchema's type pins
// additionalProperties to false (true for every built-in), hence the cast.
const ANY_PARAMS = { type: 'object', properties: {}, additionalProperties: true } as unknown as ParamSchema;

function toStageDef(absPath: string, exported: unknown): StageDef {
  const type = absPath;
  const fail = (why: string) =>
    new Error(`${absPath}: a user stage must export ${EXPECTED}; ${why}`);
  if (typeof exported === 'function') {
    const run = exported as TransformStage['run'];
    return { type, kind: 'transform', summary: `user stage ${path.basename(absPath)}`, params: ANY_PARAMS, run };
  }
  if (exported === null || typeof exported !== 'object' || Array.isArray(exported)) {
    throw fail(`found ${describeExport(exported)}`);
  }
  const obj = exported as Record<string, unknown>;
  const fn = (k: string) => typeof obj[k] === 'function';
  const summary = typeof obj.summary === 'string' ? obj.summary : `user stage ${path.basename(absPath)}`;
  let params = ANY_PARAMS;
  if (obj.params !== undefined) {
    if (obj.params === null || typeof obj.params !== 'object' || Array.isArray(obj.params)) {
      throw new Error(`${absPath}: 'params' must be a JSON Schema object describing the stage's with: block, found ${describeExport(obj.params)}`);
    }
    params = obj.params as ParamSchema;
  }
  const bind = <F>(k: string) => (obj[k] as (...a: unknown[]) => unknown).bind(obj) as F;
  if (fn('fit') || fn('transform')) {
    if (!fn('fit')) throw fail('found transform but no fit function');
    if (!fn('transform')) throw fail('found fit but no transform function');
    const def: FittedStage = { type, kind: 'fitted', summary, params, fit: bind('fit'), transform: bind('transform') };
    return def;
  }
  if (fn('run')) {
    const def: TransformStage = { type, kind: 'transform', summary, params, run: bind('run') };
    return def;
  }
  if (fn('train')) {
    const def: ModelStage = { type, kind: 'model', summary, params, train: bind('train') };
    return def;
  }
  throw fail(`found ${describeExport(exported)}`);
}

/**
 * Loads a user stage module and returns it as a StageDef. Throws an Error naming the
 * module when it is missing, does not compile, throws while loading, or exports the
 * wrong shape.
 */
export async function loadUserStage(absPath: string): Promise<StageDef> {
  const cached = cache.get(absPath);
  if (cached && isFresh(cached)) return cached.def;

  const ext = path.extname(absPath).toLowerCase();
  if (!USER_STAGE_EXTENSIONS.includes(ext)) {
    throw new Error(`${absPath}: a user stage must be a ${USER_STAGE_EXTENSIONS.join(', ')} file`);
  }
  if (mtime(absPath) === undefined) throw new Error(`user stage module not found: ${absPath}`);

  let compiled: { code: string; inputs: string[] };
  try {
    compiled = await compile(absPath);
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors;
    const first = errors?.[0];
    const where = first?.location ? `${path.resolve(first.location.file)}:${first.location.line}:${first.location.column + 1}` : absPath;
    throw new Error(`${where}: cannot compile user stage: ${first?.text ?? (e as Error).message}`);
  }
  // Node reads a module's inline source map only when source maps are on at the time it
  // compiles the module; without this a stage's errors name lines of esbuild's output
  // (flaky.ts:27:9 for a 6-line file). Every process that loads user stages gets it this
  // way (CLI, session host, inspect host, library users); it affects stack traces only.
  process.setSourceMapsEnabled(true);
  let exports: unknown;
  try {
    exports = evaluate(compiled.code, absPath);
  } catch (e) {
    throw new Error(`${absPath}: user stage threw while loading: ${e instanceof Error ? e.message : String(e)}`);
  }
  const def = toStageDef(absPath, stageExport(exports));
  const inputs = new Map<string, number>();
  for (const file of compiled.inputs) inputs.set(file, mtime(file) ?? -1);
  cache.set(absPath, { inputs, def });
  return def;
}

// Pieces every CLI command shares: where output goes, loading the spec and its store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipeline } from '../spec';
import { parsePipelineText } from '../spec/parse';
import { interpolateString } from '../spec/interpolate';
import type { PipelineSpec } from '../spec/types';
import { Store } from '../store';
import { PipelineError } from '../errors';
import { UsageError, type CliArgs } from './args';

export interface Out {
  out(s: string): void;
  err(s: string): void;
}

/**
 * The pipeline's spec and store. Only `run` loads (compiles) user stage modules: the
 * commands that read the store need just the pipeline's name and store folder.
 */
export async function loadSpec(
  args: CliArgs,
  opts: { checkData?: boolean; mode?: 'train' | 'inference'; loadModules?: boolean } = {},
): Promise<{ spec: PipelineSpec; store: Store }> {
  const f = args.positionals[0];
  if (!f) throw new UsageError(`'plumb ${args.command}' needs a pipeline file`);
  const spec = await loadPipeline(path.resolve(f), {
    overrides: args.set,
    checkData: opts.checkData ?? false,
    mode: opts.mode,
    loadModules: opts.loadModules ?? false,
  });
  const store = new Store(args.store ? path.resolve(args.store) : spec.store);
  return { spec, store };
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * The pipeline's name and store, for commands that only read or edit the store (versions,
 * runs, metrics, trace). A file that no longer validates (a stage renamed, a data file
 * moved) still names its store: then the name and `store:` are read from the YAML alone,
 * with a note on stderr, since the versions already saved are still worth reading.
 */
export async function loadStore(args: CliArgs, out: Out): Promise<{ name: string; store: Store }> {
  try {
    const { spec, store } = await loadSpec(args);
    return { name: spec.name, store };
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    const file = path.resolve(args.positionals[0]);
    const found = nameAndStore(file);
    if (!found) throw e;
    const errors = e.diagnostics.filter((d) => d.severity === 'error').length;
    out.err(
      `plumb: note: ${args.positionals[0]} does not validate (${errors} error${errors === 1 ? '' : 's'}; 'plumb validate' lists them); reading the store of pipeline ${found.name} anyway\n`,
    );
    return { name: found.name, store: new Store(args.store ? path.resolve(args.store) : found.store) };
  }
}

/** `pipeline:` and the store folder (`store:` with `${params.x}` resolved, else .plumb) from the YAML alone. */
function nameAndStore(file: string): { name: string; store: string } | undefined {
  let top: unknown;
  try {
    top = parsePipelineText(file, fs.readFileSync(file, 'utf8')).doc.toJS();
  } catch {
    return undefined;
  }
  if (top === null || typeof top !== 'object') return undefined;
  const { pipeline, store, params } = top as { pipeline?: unknown; store?: unknown; params?: unknown };
  if (typeof pipeline !== 'string' || pipeline === '') return undefined;
  let folder = '.plumb';
  if (typeof store === 'string' && store !== '') {
    const r = interpolateString(store, params !== null && typeof params === 'object' ? (params as Record<string, unknown>) : {});
    if (typeof r.value !== 'string' || r.problems.length > 0) return undefined;
    folder = r.value;
  }
  return { name: pipeline, store: path.resolve(path.dirname(file), folder) };
}

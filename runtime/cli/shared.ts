// Pieces every CLI command shares: where output goes, loading the spec and its store.
import * as path from 'node:path';
import { loadPipeline } from '../spec';
import type { PipelineSpec } from '../spec/types';
import type { Mode } from '../vocabulary';
import { Store } from '../store';
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
  opts: { checkData?: boolean; mode?: Mode; loadModules?: boolean } = {},
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

// Entry points: load a pipeline file into a typed spec, or validate it. Both load user
// stage modules in this process (loadUserStage) unless told otherwise; the editor, which
// must not, validates through validate-file.ts.
import { PipelineError, type Diagnostic } from '../errors';
import { loadUserStage } from '../stages/user';
import type { PipelineSpec } from './types';
import { analyzePipeline as analyze, type Analysis, type ValidateOptions } from './validate';
import { readPipelineText, validateFile, type LoadOptions } from './validate-file';

export type { LoadOptions } from './validate-file';

function withLoader<T extends ValidateOptions>(opts: T): T {
  return opts.loadModule ? opts : { ...opts, loadModule: (modulePath: string) => loadUserStage(modulePath) };
}

/** Every check of a pipeline's text; user stage modules are loaded with loadUserStage by default. */
export function analyzePipeline(file: string, text: string, opts: ValidateOptions = {}): Promise<Analysis> {
  return analyze(file, text, withLoader(opts));
}

/**
 * Reads, checks and resolves a pipeline file. Throws a PipelineError carrying every
 * diagnostic when there is at least one error; warnings alone do not stop it.
 */
export async function loadPipeline(file: string, opts: LoadOptions = {}): Promise<PipelineSpec> {
  const text = await readPipelineText(file, opts);
  if (typeof text !== 'string') throw new PipelineError([text]);
  const { diagnostics, spec } = await analyze(file, text, withLoader(opts));
  if (!spec) throw new PipelineError(diagnostics);
  return spec;
}

/** Every problem in a pipeline file, sorted by position. Never throws. */
export function validatePipeline(file: string, opts: LoadOptions = {}): Promise<Diagnostic[]> {
  return validateFile(file, withLoader(opts));
}

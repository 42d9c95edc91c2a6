// Entry points: load a pipeline file into a typed spec, or validate it for an editor.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError, type Diagnostic } from '../errors';
import type { PipelineSpec } from './types';
import { analyzePipeline, type ValidateOptions } from './validate';

export interface LoadOptions extends ValidateOptions {
  /** The file's text, when the caller already has it (an editor's unsaved buffer). */
  text?: string;
}

async function readText(file: string, opts: LoadOptions): Promise<string | Diagnostic> {
  if (opts.text !== undefined) return opts.text;
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message;
    return { file: path.resolve(file), message: `cannot read pipeline file: ${why}`, severity: 'error', code: 'unreadable' };
  }
}

/**
 * Reads, checks and resolves a pipeline file. Throws a PipelineError carrying every
 * diagnostic when there is at least one error; warnings alone do not stop it.
 */
export async function loadPipeline(file: string, opts: LoadOptions = {}): Promise<PipelineSpec> {
  const text = await readText(file, opts);
  if (typeof text !== 'string') throw new PipelineError([text]);
  const { diagnostics, spec } = await analyzePipeline(file, text, opts);
  if (!spec) throw new PipelineError(diagnostics);
  return spec;
}

/** Every problem in a pipeline file, sorted by position. Never throws. */
export async function validatePipeline(file: string, opts: LoadOptions = {}): Promise<Diagnostic[]> {
  try {
    const text = await readText(file, opts);
    if (typeof text !== 'string') return [text];
    return (await analyzePipeline(file, text, opts)).diagnostics;
  } catch (e) {
    // A bug in a check must not take the editor down with it; show it on the file instead.
    return [{ file: path.resolve(file), message: `internal error while validating: ${e instanceof Error ? e.message : String(e)}`, severity: 'error', code: 'internal' }];
  }
}

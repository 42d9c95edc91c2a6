// Validating a pipeline file with the stage module loader the caller gives (or none, with
// `loadModules: false`). Nothing here can load stage code by itself, which is why the
// editor validates through this file and the runtime through load.ts (which adds the loader).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../errors';
import { analyzePipeline, type ValidateOptions } from './validate';

export interface LoadOptions extends ValidateOptions {
  /** The file's text, when the caller already has it (an editor's unsaved buffer). */
  text?: string;
}

export async function readPipelineText(file: string, opts: LoadOptions): Promise<string | Diagnostic> {
  if (opts.text !== undefined) return opts.text;
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message;
    return { file: path.resolve(file), message: `cannot read pipeline file: ${why}`, severity: 'error', code: 'unreadable' };
  }
}

/** Every problem in a pipeline file, sorted by position. Never throws. */
export async function validateFile(file: string, opts: LoadOptions): Promise<Diagnostic[]> {
  try {
    const text = await readPipelineText(file, opts);
    if (typeof text !== 'string') return [text];
    return (await analyzePipeline(file, text, opts)).diagnostics;
  } catch (e) {
    // A bug in a check must not take the editor down with it; show it on the file instead.
    return [{ file: path.resolve(file), message: `internal error while validating: ${e instanceof Error ? e.message : String(e)}`, severity: 'error', code: 'internal' }];
  }
}

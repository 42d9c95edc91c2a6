// Sub-pipelines: a stage whose `uses:` is a `*.pipeline.yaml` path includes that file's
// stages of the same section in its place. The loader flattens them here: the engine
// only ever sees one flat list, with names such as `prep/impute`, so fitted state and
// run records are keyed by those full names and inference replays them as usual.
//
// The sub file is checked by the same analyzer as any pipeline file (its own
// diagnostics keep its own file:line:col); the including file gets one summary at the
// `uses:` value. `with:` on the including stage overrides the sub file's `params:`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../errors';
import { formatDiagnostic } from '../errors';
import type { Section } from '../vocabulary';
import type { RetryPolicy } from '../retry/types';
import type { PipelineSpec, StageParent, StageSpec } from './types';

/** Nesting deeper than this is almost certainly a mistake (and bounds the work). */
export const MAX_INCLUDE_DEPTH = 8;
/**
 * Includes of one top-level file, all levels together: a file that includes the next ten
 * times, eight levels deep, would otherwise ask for 10^8 analyses.
 */
export const MAX_INCLUDES = 256;

const SUB_PIPELINE = /\.pipeline\.ya?ml$/i;

/** True when `uses:` names a sub-pipeline file rather than a stage type or module. */
export function isSubPipelineRef(uses: string): boolean {
  return SUB_PIPELINE.test(uses) && (uses.startsWith('./') || uses.startsWith('../') || path.isAbsolute(uses));
}

/** What an included file's analysis needs to know about where it is included. */
export interface IncludeFrame {
  /** Absolute paths of the including files, outermost first (for cycles and depth). */
  chain: string[];
  /** Includes left for the whole top-level file (shared by every level). */
  budget: { left: number };
  section: Section;
  /** The including stage's `with:`, already interpolated with the including file's params. */
  with: Record<string, unknown>;
  /** Called for a `with:` key the sub file does not declare in `params:`. */
  unknownWith(key: string, known: string[]): void;
  /** Retry default for the included stages when the sub file sets no top-level `retry:`. */
  inheritedRetry?: RetryPolicy;
}

export type Analyze = (file: string, text: string, frame: IncludeFrame) => Promise<{ diagnostics: Diagnostic[]; spec?: PipelineSpec }>;

export interface IncludeRequest {
  /** The including file (absolute) and the chain above it. */
  file: string;
  chain: string[];
  budget: { left: number };
  section: Section;
  stage: StageParent;
  with: Record<string, unknown>;
  unknownWith(key: string, known: string[]): void;
  inheritedRetry?: RetryPolicy;
}

export interface IncludeResult {
  stages: StageSpec[];
  /** Problems to report at the including stage's `uses:` value. */
  problems: { code: string; message: string }[];
  /** The sub file's own diagnostics (their own file and positions). */
  diagnostics: Diagnostic[];
  /** The sub file's hash (including its own includes), for the pipeline's lineage hash. */
  hash?: string;
}

function chainText(files: string[], from: string): string {
  return files.map((f) => path.relative(path.dirname(from), f) || path.basename(f)).join(' → ');
}

export async function includeSubPipeline(req: IncludeRequest, analyze: Analyze): Promise<IncludeResult> {
  const { stage } = req;
  const abs = path.resolve(path.dirname(req.file), stage.uses);
  const chain = [...req.chain, req.file];
  const fail = (code: string, message: string): IncludeResult => ({ stages: [], problems: [{ code, message }], diagnostics: [] });
  if (chain.includes(abs)) {
    const top = chain[0];
    return fail('sub-pipeline-cycle', `stage '${stage.name}': sub-pipelines include each other in a cycle: ${chainText([...chain.slice(chain.indexOf(abs)), abs], top)}`);
  }
  if (req.budget.left <= 0) {
    return fail('sub-pipeline-budget', `stage '${stage.name}': more than ${MAX_INCLUDES} sub-pipeline includes in all (counting every level); include fewer files, or the same file fewer times`);
  }
  req.budget.left--;
  if (chain.length > MAX_INCLUDE_DEPTH) {
    return fail('sub-pipeline-depth', `stage '${stage.name}': sub-pipelines are nested more than ${MAX_INCLUDE_DEPTH} deep (${chainText([...chain, abs], chain[0])})`);
  }
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message;
    return fail('sub-pipeline-missing', `stage '${stage.name}': cannot read sub-pipeline ${abs}: ${why}`);
  }
  const sub = await analyze(abs, text, {
    chain,
    budget: req.budget,
    section: req.section,
    with: req.with,
    unknownWith: req.unknownWith,
    inheritedRetry: req.inheritedRetry,
  });
  const errors = sub.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !sub.spec) {
    const first = errors[0] ?? sub.diagnostics[0];
    const n = errors.length || 1;
    const where = first ? `; first: ${shortDiagnostic(first, req.file)}` : '';
    return { stages: [], problems: [{ code: 'sub-pipeline-errors', message: `${stage.uses} has ${n} problem${n === 1 ? '' : 's'}${where}` }], diagnostics: sub.diagnostics };
  }
  const own = sub.spec[req.section];
  if (own.length === 0) {
    return {
      stages: [],
      problems: [{ code: 'sub-pipeline-empty', message: `stage '${stage.name}': ${stage.uses} has no '${req.section}' stages (a sub-pipeline included in '${req.section}' runs the stages of its own '${req.section}:' section)` }],
      diagnostics: sub.diagnostics,
    };
  }
  const stages = own.map((s): StageSpec => ({
    ...s,
    name: `${stage.name}/${s.name}`,
    parents: [stage, ...(s.parents ?? []).map((p) => ({ ...p, name: `${stage.name}/${p.name}` }))],
  }));
  return { stages, problems: [], diagnostics: sub.diagnostics, hash: sub.spec.fileHash };
}

/** `shared/prep.pipeline.yaml:3:5: message`, with the path relative to the including file. */
function shortDiagnostic(d: Diagnostic, from: string): string {
  const rel = path.relative(path.dirname(from), d.file) || d.file;
  return formatDiagnostic({ ...d, file: rel });
}

// The typed pipeline spec the loader produces. Every node keeps its source range so
// errors and the debugger can point at the file.
import type { SourceRange } from '../errors';
import type { RetryPolicy } from '../retry/types';
import type { Section } from '../vocabulary';

export interface StageSpec {
  name: string;
  uses: string;
  section: Section;
  /** `with:` after `${params.x}` interpolation. */
  with: Record<string, unknown>;
  /** The stage's effective retry policy (its own, else the pipeline default, else none). */
  retry: RetryPolicy;
  /** Absolute path of the module when `uses` is a user stage (starts with ./ or ../ or /). */
  module?: string;
  /** The whole stage mapping. */
  range: SourceRange;
  /** The `stage:` value: where breakpoints and frames point. */
  nameRange: SourceRange;
  usesRange: SourceRange;
  /** Ranges of each `with:` key's value, for precise errors at run time. */
  withRanges: Record<string, SourceRange>;
  /**
   * Absolute path of the file this stage's text is in: the pipeline file, or the
   * sub-pipeline file it was included from. Always set by the loader (optional only so
   * hand-built specs in benchmarks need not name one; readers fall back to the pipeline file).
   */
  file?: string;
  /**
   * The including stages (`uses: ./x.pipeline.yaml`) this stage sits inside, outermost
   * first; empty for a stage written in the pipeline file itself. Set by the loader.
   */
  parents?: StageParent[];
}

/** A stage whose `uses:` includes a sub-pipeline: where it is written. */
export interface StageParent {
  /** Its full name (`prep`, or `outer/prep` when nested). */
  name: string;
  /** The sub-pipeline path as written. */
  uses: string;
  /** Absolute path of the file the including stage is written in. */
  file: string;
  /** The whole stage mapping, and its `stage:` and `uses:` values. */
  range: SourceRange;
  nameRange: SourceRange;
  usesRange: SourceRange;
}

export interface PipelineSpec {
  /** Absolute path of the pipeline file. */
  file: string;
  /** sha256 of the file's text: lineage in saved versions. */
  fileHash: string;
  name: string;
  nameRange?: SourceRange;
  /** `target:` — the label column, when declared. */
  target?: string;
  /** `params:` after overrides. */
  params: Record<string, unknown>;
  /** `data:` entries resolved to absolute paths, e.g. { train, inference }. */
  data: Record<string, string>;
  /** Pipeline-wide default retry policy, if `retry:` is given at the top level. */
  retry?: RetryPolicy;
  /** Store directory (absolute): `store:` in the file, else `.plumb` beside it. */
  store: string;
  feature: StageSpec[];
  training: StageSpec[];
  inference: StageSpec[];
}

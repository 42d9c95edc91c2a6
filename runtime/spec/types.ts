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
  /** `split:` — how a train run chooses held-out rows (absent: none, or `data.test`). */
  split?: SplitSpec;
  /** `rejects:` — what happens to rows that cannot be scored (default: fail the batch). */
  rejects: RejectsSpec;
  feature: StageSpec[];
  training: StageSpec[];
  evaluation: StageSpec[];
  inference: StageSpec[];
  /** Where each top-level key (`feature`, `split`, `data`, ...) is written in `file`. */
  sections: Partial<Record<string, SectionRange>>;
  /** The text of the pipeline file and of every sub-pipeline file it includes, by absolute path. */
  texts: Record<string, string>;
}

/** A top-level key's place in the file: the key itself and its whole value. */
export interface SectionRange {
  key: SourceRange;
  value?: SourceRange;
}

/**
 * `split:` after interpolation and checks. Exactly one way of choosing held-out test rows
 * (`test` fraction or `column`), or none (then `data.test`, or folds only); `folds` adds
 * k-fold cross-validation on the training rows.
 */
export interface SplitSpec {
  /** Fraction of the rows held out as test rows: ceil(rows × test). */
  test?: number;
  /** A column whose true/1/yes/test values mark held-out rows; dropped before fitting. */
  column?: string;
  /** Seed of the draw (default: `params.seed`, else 0). */
  seed: number;
  /** Column whose class proportions the draw keeps (`true` in the file = the target). */
  stratify?: string;
  /** false: the last rows are the test rows (and folds are consecutive blocks). Default true. */
  shuffle: boolean;
  /** k of k-fold cross-validation on the training rows (k ≥ 2). */
  folds?: number;
  range: SourceRange;
}

export interface RejectsSpec {
  /** fail: an unscorable row fails the batch; reject: it goes to `file` with a `reason` column. */
  policy: 'fail' | 'reject';
  /** Absolute path of the rejects file (policy reject). */
  file?: string;
  range?: SourceRange;
}

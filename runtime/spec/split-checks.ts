// The checks of the held-out declaration: `split:`, `data.test`, `evaluation:`, `rejects:`,
// and where stages may sit (model stages in training, metrics in evaluation). Old files
// that split inside `training` get a located error that says what to write instead.
import path from 'node:path';
import { isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import type { Section } from '../vocabulary';
import type { StageDef } from '../stages/types';
import { nodeOffsets } from './positions';
import { didYouMean } from './suggest';
import type { PipelineSpec, RejectsSpec, SplitSpec } from './types';
import { isNullish, keyString, kindOf, pairsOf, valueOrKey, type Checker } from './validate';

export const SPLIT_KEYS = ['test', 'column', 'seed', 'stratify', 'shuffle', 'folds'] as const;
export const REJECTS_KEYS = ['policy', 'file'] as const;
/** The built-in stages that score predictions: they belong in `evaluation:`. */
export const METRICS_STAGES: readonly string[] = ['classification-metrics', 'regression-metrics'];

function unknownKeys(c: Checker, map: YAMLMap, known: readonly string[], what: string): void {
  for (const pair of map.items) {
    const key = keyString(pair);
    if (known.includes(key)) continue;
    c.error(pair.key, 'unknown-key', `unknown key '${key}' in ${what}${didYouMean(key, known) || ` (known keys: ${known.join(', ')})`}`);
  }
}

/** `split:` → SplitSpec, reporting every problem at its key or value. */
export function checkSplit(c: Checker, pair: Pair | undefined, spec: PipelineSpec, params: Record<string, unknown>): SplitSpec | undefined {
  if (!pair || isNullish(pair.value)) return undefined;
  if (!isMap(pair.value)) {
    c.error(valueOrKey(pair), 'bad-type', `'split' must be a map such as { test: 0.2, seed: 7, stratify: true } or { folds: 5 }, got ${kindOf(pair.value)}`);
    return undefined;
  }
  const map = pair.value;
  unknownKeys(c, map, SPLIT_KEYS, "'split'");
  const keys = pairsOf(map);
  let ok = true;
  const value = (key: string): { v: unknown; at: unknown } | undefined => {
    const p = keys.get(key);
    if (!p || isNullish(p.value)) return undefined;
    return { v: c.resolve(p.value, params), at: valueOrKey(p) };
  };
  const bad = (at: unknown, message: string): undefined => {
    c.error(at, 'bad-split', `split.${message}`);
    ok = false;
    return undefined;
  };
  const out: SplitSpec = { seed: typeof params.seed === 'number' && Number.isInteger(params.seed) ? params.seed : 0, shuffle: true, range: c.range(map)! };

  const test = value('test');
  if (test) {
    if (typeof test.v !== 'number' || !(test.v > 0 && test.v < 1)) bad(test.at, `test must be a fraction between 0 and 1 (exclusive), e.g. 0.2; got ${JSON.stringify(test.v)}`);
    else out.test = test.v;
  }
  const column = value('column');
  if (column) {
    if (typeof column.v !== 'string' || column.v === '') bad(column.at, `column must be the name of a column whose true/1/yes/test values mark held-out rows; got ${JSON.stringify(column.v)}`);
    else if (test) bad(column.at, "column and split.test both choose the held-out rows: keep one");
    else out.column = column.v;
  }
  if ((test || column) && spec.data.test !== undefined) {
    const at = (test ?? column)!.at;
    bad(at, `${test ? 'test' : 'column'} cannot be used with data.test: the held-out rows are the data.test file; remove split.${test ? 'test' : 'column'} (or data.test)`);
  }
  const seed = value('seed');
  if (seed) {
    if (typeof seed.v !== 'number' || !Number.isInteger(seed.v)) bad(seed.at, `seed must be an integer, got ${JSON.stringify(seed.v)}`);
    else out.seed = seed.v;
  }
  const shuffle = value('shuffle');
  if (shuffle) {
    if (typeof shuffle.v !== 'boolean') bad(shuffle.at, `shuffle must be true or false, got ${JSON.stringify(shuffle.v)}`);
    else out.shuffle = shuffle.v;
  }
  const folds = value('folds');
  if (folds) {
    if (typeof folds.v !== 'number' || !Number.isInteger(folds.v) || folds.v < 2 || folds.v > 100) bad(folds.at, `folds must be an integer from 2 to 100 (k of k-fold cross-validation), got ${JSON.stringify(folds.v)}`);
    else out.folds = folds.v;
  }
  const stratify = value('stratify');
  if (stratify && stratify.v !== false) {
    if (stratify.v === true) {
      if (spec.target === undefined) bad(stratify.at, "stratify: true means the pipeline's target column, but the pipeline declares no 'target:'");
      else out.stratify = spec.target;
    } else if (typeof stratify.v === 'string' && stratify.v !== '') {
      out.stratify = stratify.v;
    } else {
      bad(stratify.at, `stratify must be true (the target), false, or a column name; got ${JSON.stringify(stratify.v)}`);
    }
    if (out.stratify !== undefined && !out.shuffle) bad(stratify.at, 'stratify needs shuffle: true (the rows are drawn at random per class)');
    if (out.stratify !== undefined && column && !folds) bad(stratify.at, 'stratify applies to a drawn split (test: or folds:), not to split.column');
  }
  if (!test && !column && !folds && spec.data.test === undefined) {
    c.error(map, 'bad-split', "'split' chooses no held-out rows: give test: <fraction>, column: <name> or folds: <k> (or a data.test file)");
    ok = false;
  }
  return ok ? out : undefined;
}

/** `rejects:` → RejectsSpec (default: fail the batch). */
export function checkRejects(c: Checker, pair: Pair | undefined, dir: string, params: Record<string, unknown>): RejectsSpec {
  const fail: RejectsSpec = { policy: 'fail' };
  if (!pair || isNullish(pair.value)) return fail;
  if (!isMap(pair.value)) {
    c.error(valueOrKey(pair), 'bad-type', `'rejects' must be a map: { policy: fail } or { policy: reject, file: out/rejects.csv }, got ${kindOf(pair.value)}`);
    return fail;
  }
  unknownKeys(c, pair.value, REJECTS_KEYS, "'rejects'");
  const keys = pairsOf(pair.value);
  const range = c.range(pair.value);
  const policyPair = keys.get('policy');
  const policy = policyPair ? c.resolve(policyPair.value, params) : 'fail';
  if (policy !== 'fail' && policy !== 'reject') {
    c.error(policyPair ? valueOrKey(policyPair) : pair.value, 'bad-rejects', `rejects.policy must be 'fail' (an unscorable row fails the batch) or 'reject' (it goes to rejects.file), got ${JSON.stringify(policy)}`);
    return fail;
  }
  const filePair = keys.get('file');
  const file = filePair && !isNullish(filePair.value) ? c.resolve(filePair.value, params) : undefined;
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    c.error(valueOrKey(filePair!), 'bad-rejects', `rejects.file must be a file path, got ${JSON.stringify(file)}`);
    return fail;
  }
  if (policy === 'reject' && file === undefined) {
    c.error(policyPair ? valueOrKey(policyPair) : pair.value, 'bad-rejects', 'rejects.policy reject needs rejects.file: where the rejected rows are written (with a reason column)');
    return fail;
  }
  if (policy === 'fail' && file !== undefined) {
    c.error(valueOrKey(filePair!), 'bad-rejects', "rejects.file is only written with policy: reject; remove it or set policy: reject");
  }
  return { policy, ...(typeof file === 'string' ? { file: path.resolve(dir, file) } : {}), ...(range ? { range } : {}) };
}

/** Whole-file checks once every section is read: evaluation needs held-out rows. */
export function checkHeldOut(c: Checker, top: Map<string, Pair>, spec: PipelineSpec): void {
  const heldOut = spec.data.test !== undefined || spec.split?.test !== undefined || spec.split?.column !== undefined || spec.split?.folds !== undefined;
  const evaluation = top.get('evaluation');
  if (spec.evaluation.length > 0 && !heldOut && evaluation && !top.has('split')) {
    c.error(
      evaluation.key,
      'evaluation-without-held-out',
      "'evaluation' scores held-out rows, but the pipeline declares none: add a top-level split: { test: 0.2, seed: 7 } (or folds: 5), or a data.test file",
    );
  }
  if (spec.split?.folds !== undefined && spec.evaluation.length === 0 && top.has('split')) {
    const folds = top.get('split')!;
    const at = isMap(folds.value) ? pairsOf(folds.value).get('folds')?.value : folds.key;
    c.error(at ?? folds.key, 'folds-without-evaluation', "split.folds: cross-validation scores each fold with the 'evaluation' stages, but there are none: add e.g. evaluation: [{ stage: score, uses: classification-metrics }]");
  }
}

/**
 * Why a stage of type `uses` cannot sit in `section`, with what to write instead;
 * undefined when it can. `text` is the file's text (to quote the old split's `with:`).
 */
export function placementProblem(section: Section, uses: string, def: StageDef | undefined, withPair: Pair | undefined, text: string): { code: string; message: string } | undefined {
  if (uses === 'train-test-split') {
    return {
      code: 'split-is-top-level',
      message:
        `train-test-split is no longer a stage: the held-out rows are now chosen before anything is fitted. ` +
        `Remove this stage and write at the top level ${splitSuggestion(withPair, text)}; ` +
        `then put metrics stages in an 'evaluation:' section (they score the held-out rows after the inference path)`,
    };
  }
  if (METRICS_STAGES.includes(uses) && section !== 'evaluation') {
    return {
      code: 'metrics-outside-evaluation',
      message:
        `${uses} scores predictions on held-out rows: move it to an 'evaluation:' section` +
        (section === 'training' ? " and declare the held-out rows with a top-level split: (or data.test)" : '') +
        ' — evaluation runs after the held-out rows took the inference path, so its numbers measure what inference serves',
    };
  }
  if (def?.kind === 'model' && section !== 'training') {
    return { code: 'model-outside-training', message: `${uses} trains a model: it belongs in 'training:' (models see the training rows only)` };
  }
  if (def?.kind === 'fitted' && section !== 'feature') {
    return { code: 'fitted-outside-feature', message: `${uses} is fitted: it belongs in 'feature:' (fitted on the training rows, replayed everywhere else)` };
  }
  return undefined;
}

/** `split: { test: ..., seed: ..., stratify: ... }` from an old split stage's `with:`. */
function splitSuggestion(withPair: Pair | undefined, text: string): string {
  const fallback = 'split: { test: 0.25, seed: 7 }';
  if (!withPair || !isMap(withPair.value)) return fallback;
  const offsets = nodeOffsets(withPair.value);
  const source = offsets ? text.slice(offsets[0], offsets[1]).trim() : '';
  if (source.startsWith('{') && !source.includes('\n')) return `split: ${source}`;
  const parts = withPair.value.items.map((p) => `${keyString(p)}: ${isScalar(p.value) ? JSON.stringify(p.value.value) : '…'}`);
  return parts.length ? `split: { ${parts.join(', ')} }` : fallback;
}

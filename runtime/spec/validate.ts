// The pipeline file's checks: walks the YAML document once, builds the typed spec and
// collects every problem as a Diagnostic with a precise range and a stable code.
// Nothing here throws on bad input; load.ts decides whether problems are fatal.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isNode, isScalar, isSeq, visit, type Document, type LineCounter, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, SourceRange } from '../errors';
import { SECTIONS, type Mode, type Section } from '../vocabulary';
import { parseRetryPolicy } from '../retry/policy';
import { NO_RETRY, type RetryPolicy } from '../retry/types';
import type { StageDef } from '../stages/types';
import { isUserStageRef, loadUserStage } from '../stages/user';
import { checkParams, compileParamSchema, type ParamPath } from './check-with';
import { interpolateString } from './interpolate';
import { applyOverrides, parseOverrides } from './overrides';
import { parsePipelineText } from './parse';
import { compareRanges, nodeOffsets, nodeRange, offsetRange } from './positions';
import { didYouMean } from './suggest';
import type { PipelineSpec, StageParent, StageSpec } from './types';
import { includeSubPipeline, isSubPipelineRef, MAX_INCLUDES, type IncludeFrame } from './include';

export interface ValidateOptions {
  /** `--set key=value` strings, or already-typed values by dotted key. */
  overrides?: string[] | Record<string, unknown>;
  /** Stage types by `uses:` name; defaults to the built-in registry. */
  stages?: ReadonlyMap<string, StageDef>;
  /** Check that `data:` files exist (default true). */
  checkData?: boolean;
  /** With a mode, only the data entry that mode reads (`train` / `inference`) is checked. */
  mode?: Mode;
  /**
   * Load user stage modules to check their exports and `with:` schema (default true).
   * Loading runs the module's code, so an editor in an untrusted workspace passes false:
   * then only the module file's existence is checked.
   */
  loadModules?: boolean;
  /**
   * Loads a user stage module when `loadModules` is on (default: `loadUserStage`, in this
   * process). The editor's inspect host passes its own, to report which module it is
   * loading (so one that hangs or exits can be named) or to skip one known to.
   * `namedIn`: the pipeline files from the top-level one down to the one whose `uses:` names it.
   */
  loadModule?: (modulePath: string, namedIn: string[]) => Promise<StageDef>;
}

export const TOP_LEVEL_KEYS = ['pipeline', 'description', 'target', 'params', 'data', 'retry', 'store', 'feature', 'training', 'inference'] as const;
export const STAGE_KEYS = ['stage', 'uses', 'with', 'retry', 'description'] as const;
export const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const STAGE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The built-in registry, loaded on first use so the spec module loads without it. */
export function defaultStages(): ReadonlyMap<string, StageDef> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../stages/registry') as typeof import('../stages/registry')).builtinStages;
}

type Where = unknown; // a yaml node, or a SourceRange

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  /** Diagnostics of included sub-pipeline files (their own file and positions). */
  readonly external: Diagnostic[] = [];
  /** Hashes of the included files, in order: part of the pipeline's lineage hash. */
  readonly includedHashes: string[] = [];
  /** Sub-pipeline includes this top-level file may still make, all levels together. */
  readonly includeBudget = { left: MAX_INCLUDES };
  constructor(
    readonly file: string,
    readonly text: string,
    readonly lc: LineCounter,
    readonly doc: Document.Parsed,
    /** Set when this file is analysed as a sub-pipeline of another. */
    readonly frame?: IncludeFrame,
  ) {}

  addExternal(list: Diagnostic[]): void {
    const key = (d: Diagnostic) => `${d.file}:${d.range?.start.line}:${d.range?.start.col}:${d.code}:${d.message}`;
    const seen = new Set(this.external.map(key));
    for (const d of list) if (!seen.has(key(d))) (seen.add(key(d)), this.external.push(d));
  }

  range(where: Where): SourceRange | undefined {
    if (where && typeof where === 'object' && 'start' in where && 'end' in where) return where as SourceRange;
    return nodeRange(this.lc, where, this.text);
  }

  error(where: Where, code: string, message: string): void {
    // A node that spans a YAML syntax error is damaged: a check on it would only repeat it.
    const raw = nodeOffsets(where);
    if (raw && this.doc.errors.some((e) => e.pos[0] >= raw[0] && e.pos[0] <= raw[1])) return;
    this.diagnostics.push({ file: this.file, range: this.range(where), message, severity: 'error', code });
  }

  /** True when an error was already reported inside `where` (e.g. a bad `${params.x}` in it). */
  hasErrorInside(where: Where): boolean {
    const r = this.range(where);
    if (!r) return false;
    return this.diagnostics.some(
      (d) => d.severity === 'error' && d.range && compareRanges(r, d.range) <= 0 && compareEnds(d.range, r) <= 0,
    );
  }

  /** A node's JS value with `${params.x}` interpolated; problems point inside scalars. */
  resolve(node: unknown, params: Record<string, unknown>): unknown {
    if (isAlias(node)) return this.resolve(node.resolve(this.doc), params);
    if (isScalar(node)) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return node.value;
      const { value, problems } = interpolateString(node.value, params);
      for (const p of problems) this.error(this.rangeInScalar(node, node.value, p.index, p.length), p.code, p.message);
      return value;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = keyString(pair);
        // `out['__proto__'] = v` would replace the object's prototype, and a stage reading
        // `params.constructor` would get Object: refuse such keys rather than misread them.
        if (RESERVED_KEYS.has(key)) {
          this.error(pair.key, 'reserved-key', `'${key}' cannot be used as a key here: JavaScript gives that name a special meaning on every object, so stage code would misread it (rename it)`);
          continue;
        }
        out[key] = this.resolve(pair.value, params);
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item) => this.resolve(item, params));
    return null;
  }

  /**
   * The exact range of text inside a scalar. Finds the same expression in the source
   * slice of the node (the k-th occurrence for the k-th in the value); quoting or line
   * folding that changes the text falls back to the whole scalar.
   */
  private rangeInScalar(node: unknown, value: string, index: number, length: number): Where {
    const offsets = nodeOffsets(node);
    if (!offsets) return node;
    const expr = value.slice(index, index + length);
    let k = 0;
    for (let i = value.indexOf(expr); i >= 0 && i < index; i = value.indexOf(expr, i + 1)) k++;
    const source = this.text.slice(offsets[0], offsets[1]);
    let at = source.indexOf(expr);
    for (let j = 0; j < k && at >= 0; j++) at = source.indexOf(expr, at + 1);
    if (at < 0) return node;
    return offsetRange(this.lc, offsets[0] + at, offsets[0] + at + length);
  }

  /** The node a ParamPath points at inside `root` (for a key problem: the key's node). */
  nodeAt(root: unknown, p: ParamPath, key?: string): unknown {
    let cur = root;
    for (const seg of p) {
      if (isAlias(cur)) cur = cur.resolve(this.doc);
      if (isMap(cur)) {
        const pair = cur.items.find((it) => keyString(it) === String(seg));
        if (!pair) return cur;
        cur = isNode(pair.value) && pair.value.range ? pair.value : pair.key;
      } else if (isSeq(cur) && typeof seg === 'number' && isNode(cur.items[seg])) {
        cur = cur.items[seg];
      } else return cur;
    }
    if (key !== undefined && isMap(cur)) {
      const pair = cur.items.find((it) => keyString(it) === key);
      if (pair) return pair.key;
    }
    return cur;
  }
}

function compareEnds(a: SourceRange, b: SourceRange): number {
  return a.end.line - b.end.line || a.end.col - b.end.col;
}

/** Keys a plain JS object cannot hold as ordinary data (see Checker.resolve). */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function keyString(pair: Pair): string {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return isNode(k) ? JSON.stringify(k.toJSON()) : String(k);
}

/** The pair's value node when it has a position, else the key (for `with:` with nothing after it). */
function valueOrKey(pair: Pair): unknown {
  return isNode(pair.value) && pair.value.range ? pair.value : pair.key;
}

function isNullish(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

function kindOf(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    return typeof v === 'string' ? `string '${v}'` : `${typeof v} ${String(v)}`;
  }
  return 'nothing';
}

/** Reports every key repeated in a map (at the second key, naming the first's line). */
function checkDuplicateKeys(c: Checker): void {
  visit(c.doc, {
    Map(_, map: YAMLMap) {
      const seen = new Map<string, Pair>();
      for (const pair of map.items) {
        const key = keyString(pair);
        const first = seen.get(key);
        if (first) {
          const line = c.range(first.key)?.start.line;
          c.error(pair.key, 'duplicate-key', `duplicate key '${key}'${line ? ` (first at line ${line})` : ''}`);
        } else seen.set(key, pair);
      }
    },
  });
}

function pairsOf(map: YAMLMap): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const pair of map.items) {
    const key = keyString(pair);
    if (!out.has(key)) out.set(key, pair);
  }
  return out;
}

export interface Analysis {
  diagnostics: Diagnostic[];
  /** Set when there are no errors. */
  spec?: PipelineSpec;
}

/** Parses and checks a pipeline file's text; never throws for bad input. */
export async function analyzePipeline(file: string, text: string, opts: ValidateOptions = {}): Promise<Analysis> {
  return analyzeFile(file, text, opts);
}

/** analyzePipeline, or with `frame` the same checks for a file included as a sub-pipeline. */
async function analyzeFile(file: string, text: string, opts: ValidateOptions, frame?: IncludeFrame): Promise<Analysis> {
  const absFile = path.resolve(file);
  const dir = path.dirname(absFile);
  const parsed = parsePipelineText(absFile, text);
  const c = new Checker(absFile, text, parsed.lc, parsed.doc, frame);
  const stages = opts.stages ?? defaultStages();
  const root = parsed.doc.contents;

  const spec: PipelineSpec = {
    file: absFile,
    fileHash: createHash('sha256').update(text).digest('hex'),
    name: '',
    params: {},
    data: {},
    store: path.join(dir, '.plumb'),
    feature: [],
    training: [],
    inference: [],
  };

  if (isNullish(root)) {
    c.error({ start: { line: 1, col: 1 }, end: { line: 1, col: 1 } }, 'missing-pipeline', "empty pipeline file: expected at least 'pipeline: <name>'");
  } else if (!isMap(root)) {
    c.error(root, 'not-a-map', `a pipeline file must be a map of keys (pipeline, params, feature, ...), got ${kindOf(root)}`);
  } else {
    checkDuplicateKeys(c);
    await checkTopLevel(c, root, spec, dir, stages, opts);
  }

  // Included files change what runs, so they are part of the lineage hash; a pipeline
  // without sub-pipelines keeps the plain hash of its own text.
  if (c.includedHashes.length) spec.fileHash = createHash('sha256').update([spec.fileHash, ...c.includedHashes].join('\n')).digest('hex');
  const diagnostics = [...finish(parsed.diagnostics, c.diagnostics), ...c.external];
  return diagnostics.some((d) => d.severity === 'error') ? { diagnostics } : { diagnostics, spec };
}

/** Sorts by position, dropping checks on lines that already have a YAML syntax error. */
function finish(syntax: Diagnostic[], semantic: Diagnostic[]): Diagnostic[] {
  const brokenLines = new Set(syntax.filter((d) => d.severity === 'error').map((d) => d.range?.start.line));
  const kept = semantic.filter((d) => !d.range || !brokenLines.has(d.range.start.line));
  return [...syntax, ...kept].sort((a, b) => compareRanges(a.range, b.range));
}

async function checkTopLevel(
  c: Checker,
  root: YAMLMap,
  spec: PipelineSpec,
  dir: string,
  stages: ReadonlyMap<string, StageDef>,
  opts: ValidateOptions,
): Promise<void> {
  const top = pairsOf(root);
  for (const [key, pair] of top) {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    const hint = didYouMean(key, TOP_LEVEL_KEYS) || ` (known keys: ${TOP_LEVEL_KEYS.join(', ')})`;
    c.error(pair.key, 'unknown-key', `unknown top-level key '${key}'${hint}`);
  }

  // pipeline: the name, which is also the store's folder name for its versions.
  const namePair = top.get('pipeline');
  if (!namePair) {
    c.error({ start: c.range(root)!.start, end: c.range(root)!.start }, 'missing-pipeline', "missing 'pipeline: <name>' (the pipeline's name)");
  } else {
    const v = namePair.value;
    const name = isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') ? String(v.value) : undefined;
    if (name === undefined || !PIPELINE_NAME.test(name)) {
      c.error(valueOrKey(namePair), 'bad-pipeline-name', `bad pipeline name ${name === undefined ? kindOf(v) : `'${name}'`}: use letters, digits, '.', '_' and '-', starting with a letter or digit`);
    } else {
      spec.name = name;
      spec.nameRange = c.range(v);
    }
  }

  const stringField = (key: string, params: Record<string, unknown>): string | undefined => {
    const pair = top.get(key);
    if (!pair || isNullish(pair.value)) return undefined;
    const v = c.resolve(pair.value, params);
    if (typeof v !== 'string') {
      c.error(valueOrKey(pair), 'bad-type', `'${key}' must be a string, got ${kindOf(pair.value)}`);
      return undefined;
    }
    return v;
  };

  stringField('description', {});

  // params, then overrides, then everything else sees the final params.
  let params: Record<string, unknown> = {};
  const paramsPair = top.get('params');
  if (paramsPair && !isNullish(paramsPair.value)) {
    if (!isMap(paramsPair.value)) {
      c.error(valueOrKey(paramsPair), 'bad-type', `'params' must be a map of name: value, got ${kindOf(paramsPair.value)}`);
    } else {
      params = (paramsPair.value.toJS(c.doc) ?? {}) as Record<string, unknown>;
    }
  }
  if (c.frame) {
    // A sub-pipeline: the including stage's `with:` replaces these params' values (whole
    // values: a map param is replaced, not merged). --set only reaches the top file.
    params = { ...params };
    for (const [key, value] of Object.entries(c.frame.with)) {
      if (Object.hasOwn(params, key)) params[key] = value;
      else c.frame.unknownWith(key, Object.keys(params));
    }
  } else if (opts.overrides) {
    const parsed = parseOverrides(opts.overrides);
    const applied = applyOverrides(params, parsed.overrides);
    for (const message of [...parsed.problems, ...applied.problems]) c.error(undefined, 'bad-override', message);
    params = applied.params;
  }
  spec.params = params;

  // An included file's data, store and target belong to it run on its own: ignored here.
  if (!c.frame) {
    spec.target = stringField('target', params);
    const store = stringField('store', params);
    if (store !== undefined) spec.store = path.resolve(dir, store);
    checkData(c, top.get('data'), spec, dir, params, opts);
  }

  let pipelineRetry: RetryPolicy | undefined = c.frame?.inheritedRetry;
  const retryPair = top.get('retry');
  if (retryPair && !isNullish(retryPair.value)) {
    pipelineRetry = checkRetry(c, retryPair, params, pipelineRetry, 'retry');
    spec.retry = pipelineRetry;
  }

  const firstByName = new Map<string, SourceRange | undefined>();
  for (const section of SECTIONS) {
    // An included file contributes one section: the one it is included in.
    if (c.frame && section !== c.frame.section) continue;
    const pair = top.get(section);
    if (!pair || isNullish(pair.value)) continue;
    if (!isSeq(pair.value)) {
      c.error(valueOrKey(pair), 'section-not-list', `'${section}' must be a list of stages (each item starting with '- stage:'), got ${kindOf(pair.value)}`);
      continue;
    }
    for (const item of pair.value.items) {
      const found = await checkStage(c, item, section, params, pipelineRetry, dir, stages, firstByName, opts);
      spec[section].push(...found);
    }
  }
}

function checkData(
  c: Checker,
  pair: Pair | undefined,
  spec: PipelineSpec,
  dir: string,
  params: Record<string, unknown>,
  opts: ValidateOptions,
): void {
  if (!pair || isNullish(pair.value)) return;
  if (!isMap(pair.value)) {
    c.error(valueOrKey(pair), 'bad-type', `'data' must be a map of name: path (e.g. train: data/train.csv), got ${kindOf(pair.value)}`);
    return;
  }
  for (const entry of pair.value.items) {
    const name = keyString(entry);
    if (RESERVED_KEYS.has(name)) {
      c.error(entry.key, 'reserved-key', `'${name}' cannot be used as a data entry name: JavaScript gives that name a special meaning on every object (rename it)`);
      continue;
    }
    const v = c.resolve(entry.value, params);
    if (typeof v !== 'string' || v === '') {
      c.error(valueOrKey(entry), 'bad-type', `data.${name} must be a file path, got ${kindOf(entry.value)}`);
      continue;
    }
    const abs = path.resolve(dir, v);
    spec.data[name] = abs;
    const wanted = opts.mode === undefined || opts.mode === name;
    if ((opts.checkData ?? true) && wanted && !existsSync(abs)) {
      c.error(valueOrKey(entry), 'missing-data', `data file not found: ${abs} (data.${name})`);
    }
  }
}

/** Checks a `retry:` block; returns the policy when it is valid. */
function checkRetry(c: Checker, pair: Pair, params: Record<string, unknown>, defaults: RetryPolicy | undefined, label: string): RetryPolicy | undefined {
  const raw = c.resolve(pair.value, params);
  const { policy, problems } = parseRetryPolicy(raw, defaults);
  for (const p of problems) c.error(c.nodeAt(valueOrKey(pair), p.path), 'bad-retry', `${label}: ${p.message}`);
  return policy;
}

async function checkStage(
  c: Checker,
  item: unknown,
  section: Section,
  params: Record<string, unknown>,
  pipelineRetry: RetryPolicy | undefined,
  dir: string,
  stages: ReadonlyMap<string, StageDef>,
  firstByName: Map<string, SourceRange | undefined>,
  opts: ValidateOptions,
): Promise<StageSpec[]> {
  const loadModules = opts.loadModules !== false;
  if (!isMap(item)) {
    c.error(item, 'stage-not-map', `each item of '${section}' must be a stage map like '- stage: name' + 'uses: type', got ${kindOf(item)}`);
    return [];
  }
  const keys = pairsOf(item);
  for (const [key, pair] of keys) {
    if ((STAGE_KEYS as readonly string[]).includes(key)) continue;
    const hint = didYouMean(key, STAGE_KEYS) || ` (a stage has ${STAGE_KEYS.join(', ')})`;
    c.error(pair.key, 'unknown-stage-key', `unknown key '${key}' in a stage${hint}`);
  }
  const itemRange = c.range(item)!;
  const itemStart: SourceRange = { start: itemRange.start, end: itemRange.start };

  // stage: the name
  const namePair = keys.get('stage');
  let name: string | undefined;
  if (!namePair) {
    c.error(itemStart, 'missing-stage', `stage in '${section}' has no 'stage:' name`);
  } else {
    const v = namePair.value;
    const raw = isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') ? String(v.value) : undefined;
    if (raw === undefined || !STAGE_NAME.test(raw)) {
      c.error(valueOrKey(namePair), 'bad-stage-name', `bad stage name ${raw === undefined ? kindOf(v) : `'${raw}'`}: use letters, digits, '_', '.' and '-', starting with a letter or '_'`);
    } else {
      name = raw;
      const here = c.range(v);
      if (firstByName.has(raw)) {
        const first = firstByName.get(raw);
        c.error(v, 'duplicate-stage', `duplicate stage name '${raw}' (first defined at line ${first?.start.line ?? '?'})`);
      } else firstByName.set(raw, here);
    }
  }
  const label = `stage '${name ?? '?'}'`;

  // uses: a built-in type or a module path
  const usesPair = keys.get('uses');
  let uses: string | undefined;
  let def: StageDef | undefined;
  let modulePath: string | undefined;
  if (!usesPair) {
    c.error(namePair ? valueOrKey(namePair) : itemStart, 'missing-uses', `${label} has no 'uses:' (a built-in stage type or a ./module.ts path)`);
  } else if (!isScalar(usesPair.value) || typeof usesPair.value.value !== 'string') {
    c.error(valueOrKey(usesPair), 'bad-type', `${label}: 'uses' must be a stage type or a module path, got ${kindOf(usesPair.value)}`);
  } else {
    uses = usesPair.value.value;
    if (isSubPipelineRef(uses)) {
      // Included below, once `with:` and `retry:` are known.
    } else if (isUserStageRef(uses)) {
      modulePath = path.resolve(dir, uses);
      if (!loadModules) {
        if (!existsSync(modulePath)) c.error(usesPair.value, 'bad-user-stage', `${label}: user stage module not found: ${modulePath}`);
      } else {
        try {
          def = await (opts.loadModule ? opts.loadModule(modulePath, [...(c.frame?.chain ?? []), c.file]) : loadUserStage(modulePath));
        } catch (e) {
          c.error(usesPair.value, 'bad-user-stage', `${label}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } else {
      def = stages.get(uses);
      if (!def) {
        const looksLikePath = /[\\/]|\.(c|m)?(t|j)s$/.test(uses);
        const hint = looksLikePath
          ? ` (a user stage module path must start with ./ or ../, e.g. ./${uses})`
          : didYouMean(uses, stages.keys()) || ' (run `plumb stages` to list them)';
        c.error(usesPair.value, 'unknown-stage', `${label}: unknown stage type '${uses}'${hint}`);
      }
    }
  }

  // with: the stage's parameters
  const withPair = keys.get('with');
  let withValue: Record<string, unknown> = {};
  const withRanges: Record<string, SourceRange> = {};
  let withOk = true;
  if (withPair && !isNullish(withPair.value)) {
    if (!isMap(withPair.value)) {
      c.error(valueOrKey(withPair), 'bad-type', `${label}: 'with' must be a map of parameter: value, got ${kindOf(withPair.value)}`);
      withOk = false;
    } else {
      withValue = c.resolve(withPair.value, params) as Record<string, unknown>;
      for (const p of withPair.value.items) {
        const r = c.range(valueOrKey(p));
        if (r && !RESERVED_KEYS.has(keyString(p))) withRanges[keyString(p)] = r;
      }
    }
  }
  if (def && withOk) {
    let problems: ReturnType<typeof checkParams> = [];
    try {
      compileParamSchema(def.params);
      problems = checkParams(def.params, withValue, uses ?? def.type);
    } catch (e) {
      c.error(usesPair?.value, 'bad-user-stage', `${label}: the stage's params schema is not valid JSON Schema: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Without a `with:` map (e.g. a required parameter is missing) point at the stage type.
    const withMap = withPair && isMap(withPair.value) ? withPair.value : undefined;
    for (const p of problems) {
      const where = withMap ? c.nodeAt(withMap, p.path, p.key) : withPair ? withPair.key : usesPair?.value;
      // A value whose interpolation already failed would only repeat that error.
      if (p.path.length > 0 && c.hasErrorInside(where)) continue;
      c.error(where, p.code, `${label}: ${p.message}`);
    }
  }

  // retry: the stage's own policy, on top of the pipeline default
  let retry = pipelineRetry ?? NO_RETRY;
  const retryPair = keys.get('retry');
  if (retryPair && !isNullish(retryPair.value)) {
    const policy = checkRetry(c, retryPair, params, pipelineRetry, `${label}: retry`);
    if (policy) retry = policy;
  }

  const descPair = keys.get('description');
  if (descPair && !isNullish(descPair.value) && !(isScalar(descPair.value) && typeof descPair.value.value === 'string')) {
    c.error(valueOrKey(descPair), 'bad-type', `${label}: 'description' must be a string, got ${kindOf(descPair.value)}`);
  }

  if (name === undefined || uses === undefined || !namePair || !usesPair) return [];
  if (isSubPipelineRef(uses)) {
    if (!withOk) return [];
    const parent: StageParent = { name, uses, file: c.file, range: itemRange, nameRange: c.range(namePair.value)!, usesRange: c.range(usesPair.value)! };
    return includeStages(c, parent, section, withValue, withPair, retryPair && !isNullish(retryPair.value) ? retry : pipelineRetry, stages, opts);
  }
  return [{
    name,
    uses,
    section,
    with: withValue,
    retry,
    ...(modulePath ? { module: modulePath } : {}),
    range: itemRange,
    nameRange: c.range(namePair.value)!,
    usesRange: c.range(usesPair.value)!,
    withRanges,
    file: c.file,
    parents: [],
  }];
}

/** A `uses: ./x.pipeline.yaml` stage: that file's stages of this section, flattened. */
async function includeStages(
  c: Checker,
  parent: StageParent,
  section: Section,
  withValue: Record<string, unknown>,
  withPair: Pair | undefined,
  retry: RetryPolicy | undefined,
  stages: ReadonlyMap<string, StageDef>,
  opts: ValidateOptions,
): Promise<StageSpec[]> {
  const label = `stage '${parent.name}'`;
  const withMap = withPair && isMap(withPair.value) ? withPair.value : undefined;
  const result = await includeSubPipeline(
    {
      file: c.file,
      chain: c.frame?.chain ?? [],
      budget: c.frame?.budget ?? c.includeBudget,
      section,
      stage: parent,
      with: withValue,
      inheritedRetry: retry,
      unknownWith: (key, known) => {
        const hint = known.length ? didYouMean(key, known) || ` (its params: ${known.join(', ')})` : ' (it declares no params)';
        const where = withMap ? c.nodeAt(withMap, [], key) : parent.usesRange;
        c.error(where, 'unknown-param', `${label}: unknown param '${key}' for ${parent.uses}${hint}`);
      },
    },
    (file, text, frame) => analyzeFile(file, text, { stages, loadModules: opts.loadModules, loadModule: opts.loadModule, checkData: false }, frame),
  );
  c.addExternal(result.diagnostics);
  for (const p of result.problems) c.error(parent.usesRange, p.code, p.message);
  if (result.hash) c.includedHashes.push(result.hash);
  return result.stages;
}

// R3 hostile pipeline files: ≥ 10,000 mutated pipeline files and `--set` overrides, from
// the example and the spec fixtures. validatePipeline must answer every one — no throw,
// no hang, every error placed (file + line:col, or a file-level message) — and nothing
// may reach Object.prototype. Cases run in a worker thread so a hang is caught and the
// worker replaced, instead of stalling the suite.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { isMap, isSeq, parseDocument, visit, type Document, type YAMLMap } from 'yaml';
import { validatePipeline, parsePipelineText } from '../../runtime/spec';
import { bundleFixture, Failures, recordCheck, ROOT, tempDir } from './helpers';
import type { ValidateReply, ValidateRequest } from './fixtures/validate-worker';

const CASES = Number(process.env.PLUMB_FAULT_CASES ?? 10_000);
/** A safety bound per case, far above the few ms a case takes: beyond it, it hangs. */
const CASE_LIMIT_MS = 10_000;

export const SOURCES = [
  path.join(ROOT, 'examples', 'penguins', 'penguins.pipeline.yaml'),
  ...fs
    .readdirSync(path.join(ROOT, 'test', 'spec', 'fixtures'))
    .filter((f) => f.endsWith('.pipeline.yaml'))
    .map((f) => path.join(ROOT, 'test', 'spec', 'fixtures', f)),
].map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'polluted'];
const deep = (n: number, open: string, close: string): string => open.repeat(n) + '1' + close.repeat(n);
const aliasBomb = (levels: number): string => {
  const lines = ['bomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`bomb${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(', ')}]`);
  return lines.join('\n');
};

// Sizes: deep enough to pass the loader's nesting limit (64) and long enough to be
// absurd for a pipeline file, yet small enough that 10,000 cases fit in CI's minutes.
const hostileValue = fc.oneof(
  { arbitrary: fc.constantFrom(
    '1e309', '-1e309', '99999999999999999999999999999', '-0', '.nan', '.inf', '-.inf', '0x7fffffff', '1_000', '0o17',
    '${params.__proto__}', '${params.constructor}', '${params.constructor.prototype}', '${params.prototype}', '${params.toString}',
    '${}', '${params.}', '${params..x}', '$${params.seed}', '${params.seed', '"${params.seed}${params.seed}"', '${{params.seed}}',
    '${env.HOME}', '${params.a.b.c.d.e.f}', '"${params.test_size}"', '*nope', '&anchor', '&a [*a]', '*a', '!!js/function "function(){}"',
    '!!binary aGVsbG8=', '!!python/object:os.system', '!<tag:yaml.org,2002:str> x', '~', 'null', '[]', '{}', '{ __proto__: { polluted: 1 } }',
    '{ constructor: { prototype: { polluted: 1 } } }', '"\\u0000"', '"\\x00\\x1b[31m"', '|\n  block', '>-\n  folded', '? complex\n: key',
  ), weight: 6 },
  { arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => deep(n, '[', ']')), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => deep(n, '{a: ', '}')), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => `"${'y'.repeat(n)}"`), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
);

type Mutation =
  | { kind: 'delete' | 'duplicate' | 'truncate' | 'swap'; at: number }
  | { kind: 'insert-key'; at: number; indent: number; key: string; value: string }
  | { kind: 'replace-token'; at: number; value: string }
  | { kind: 'insert-text'; at: number; value: string }
  | { kind: 'alias-bomb'; levels: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'truncate', 'swap'), at: fc.nat() }) as fc.Arbitrary<Mutation>,
  fc.record({
    kind: fc.constant('insert-key'),
    at: fc.nat(),
    indent: fc.integer({ min: 0, max: 8 }),
    key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 12 })),
    value: hostileValue,
  }) as fc.Arbitrary<Mutation>,
  fc.record({ kind: fc.constant('replace-token'), at: fc.nat(), value: hostileValue }) as fc.Arbitrary<Mutation>,
  fc.record({ kind: fc.constant('insert-text'), at: fc.nat(), value: hostileValue }) as fc.Arbitrary<Mutation>,
  fc.record({ kind: fc.constant('alias-bomb'), levels: fc.integer({ min: 2, max: 12 }) }) as fc.Arbitrary<Mutation>,
);

const setOverride = fc.oneof(
  fc.constantFrom(
    'seed=1', 'seed=1e999', '__proto__.polluted=1', 'constructor.prototype.polluted=1', 'prototype=1', '__proto__=[1]', 'epochs=*a',
    'epochs=&a [*a, *a]', 'test_size=${params.seed}', '=', 'seed', '.seed=1', 'seed.=1', 'seed..x=1', 'seed=', 'a.b.c.d=1', 'seed=!!binary aGk=',
  ),
  fc.tuple(fc.string({ maxLength: 12 }), hostileValue).map(([k, v]) => `${k}=${v}`),
  fc.integer({ min: 2, max: 9 }).map((n) => `seed=${aliasBomb(n).replace(/\n/g, ', ').replace(/^/, '{ ').concat(' }')}`),
);

export const caseArb = fc.record({
  source: fc.nat({ max: SOURCES.length - 1 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  overrides: fc.array(setOverride, { maxLength: 3 }),
  /** Write bytes with invalid UTF-8 instead of passing text. */
  bytes: fc.option(fc.uint8Array({ minLength: 1, maxLength: 16 }), { freq: 10 }),
});

export function applyMutation(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const i = lines.length ? ('at' in m ? m.at % lines.length : 0) : 0;
  switch (m.kind) {
    case 'delete':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'duplicate':
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    case 'swap':
      [lines[i], lines[0]] = [lines[0], lines[i]];
      return lines.join('\n');
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'insert-key':
      lines.splice(i, 0, `${' '.repeat(m.indent)}${m.key}: ${m.value}`);
      return lines.join('\n');
    case 'replace-token': {
      const tokens = [...text.matchAll(/[A-Za-z0-9_.${}-]+/g)];
      if (!tokens.length) return text + m.value;
      const t = tokens[m.at % tokens.length];
      return text.slice(0, t.index) + m.value + text.slice(t.index! + t[0].length);
    }
    case 'insert-text': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.value + text.slice(at);
    }
    case 'alias-bomb':
      return `${aliasBomb(m.levels)}\n${text.replace(/^params:.*$/m, `params: { seed: *b${m.levels - 1} }`)}`;
  }
}

// ---- cases that stay valid ---------------------------------------------------------------
// Mutations almost always break a file, so hostile keys would rarely reach the code that
// runs after a file is accepted. These cases keep the file valid and put hostile keys and
// values where a valid file may hold them: `params:` (any key), the `with:` of a user stage
// that declares no schema (any key), and every `${params.x}` moved under a hostile key
// (`${params.__proto__.x}`), plus --set on those keys. A reserved key in `with:` must be
// refused at its place instead.

const RESERVED = ['__proto__', 'constructor', 'prototype'];
const SAFE_VALUES = [
  '1', '-0', '0.5', '1e300', "'median'", "''", 'null', 'true', '[1, 2]', '{}', '[]', '{ polluted: 1 }',
  '{ __proto__: { polluted: 1 } }', '{ constructor: { prototype: { polluted: 1 } } }', '{ toString: 1, valueOf: x }',
  "'$${params.seed}'", '"\\u0000"',
];
/** A --set value of the same kind as the YAML value `v` (a string param takes any text). */
function sameKindValue(v: string): string {
  if (v.startsWith('[')) return '[2]';
  if (v.startsWith('{')) return '{ a: 2 }';
  return v === 'true' ? 'false' : '2';
}
/** SAFE_VALUES without nested reserved keys (those are refused in `with:`, on purpose). */
const WITH_VALUES = SAFE_VALUES.filter((v) => !RESERVED.some((k) => v.includes(k)));

interface ValidCase {
  source: number;
  params: [string, number][];
  /** Move every `${params.x}` under this key (params gets a copy of the original params there). */
  refKey: string | null;
  /** Keys (and values: a WITH_VALUES index, or -1 for a reference to an added param) for a schema-free user stage. */
  userWith: [string, number][];
  reservedInWith: string | null;
  sets: boolean;
}

const hostileKey = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/));
export const validCaseArb: fc.Arbitrary<ValidCase> = fc.record({
  source: fc.nat(),
  params: fc.array(fc.tuple(hostileKey, fc.integer({ min: 0, max: SAFE_VALUES.length - 1 })), { maxLength: 4 }),
  refKey: fc.option(fc.constantFrom(...HOSTILE_KEYS), { freq: 2 }),
  userWith: fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS.filter((k) => !RESERVED.includes(k)), 'x', 'columns'), fc.integer({ min: -1, max: WITH_VALUES.length - 1 })), { maxLength: 3 }),
  // Rarely: most cases must be accepted.
  reservedInWith: fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: fc.constantFrom(...RESERVED), weight: 1 }),
  sets: fc.boolean(),
});

export interface ValidSource {
  file: string;
  text: string;
  /** Stage positions ([section, index]) whose `with:` takes any key (a user stage with no schema). */
  openStages: [string, number][];
}

const node = (doc: Document, text: string): unknown => doc.createNode(parseDocument(text).toJS());

function stageAt(doc: Document, [section, i]: [string, number]): YAMLMap | undefined {
  const list = doc.get(section);
  const stage = isSeq(list) ? list.items[i] : undefined;
  return isMap(stage) ? stage : undefined;
}

/** The text of a valid case, its --set overrides, what must be refused, and the params it added. */
export function buildValidCase(src: ValidSource, c: ValidCase): { text: string; overrides: string[]; reserved: string | null; added: string[] } {
  const { doc } = parsePipelineText(src.file, src.text); // `${...}` already restored in scalars
  let params = doc.get('params');
  if (!isMap(params)) {
    doc.set('params', doc.createNode({}));
    params = doc.get('params');
  }
  const paramsMap = params as YAMLMap;
  const original = paramsMap.toJSON() as Record<string, unknown>;
  const overrides: string[] = [];
  if (c.refKey) {
    visit(doc, {
      Scalar(_, n) {
        if (typeof n.value === 'string' && n.value.includes('${params.')) n.value = n.value.split('${params.').join(`\${params.${c.refKey}.`);
      },
    });
    paramsMap.set(c.refKey, doc.createNode(original));
    if (c.sets && typeof original.seed === 'number') overrides.push(`${c.refKey}.seed=3`);
  }
  const added: string[] = c.refKey ? [c.refKey] : [];
  const declared = new Map<string, number>(); // a key set twice keeps its last value
  for (const [key, v] of c.params) {
    if (key === c.refKey) continue;
    paramsMap.set(key, node(doc, SAFE_VALUES[v]));
    added.push(key);
    declared.set(key, v);
  }
  // Of the declared kind: an override that changes a param's kind is refused (overrides.ts).
  if (c.sets) for (const [key, v] of declared) overrides.push(`${key}=${sameKindValue(SAFE_VALUES[v])}`);
  const open = src.openStages.length ? stageAt(doc, src.openStages[c.source % src.openStages.length]) : undefined;
  let reserved: string | null = null;
  if (open) {
    let w = open.get('with');
    if (!isMap(w)) {
      open.set('with', doc.createNode({}));
      w = open.get('with');
    }
    const refs = added.filter((k) => k !== c.refKey);
    for (const [key, v] of c.userWith) {
      (w as YAMLMap).set(key, v < 0 && refs.length ? doc.createNode(`\${params.${refs[0]}}`) : node(doc, WITH_VALUES[Math.max(0, v)]));
    }
    if (c.reservedInWith) {
      (w as YAMLMap).set(c.reservedInWith, node(doc, '{ polluted: 3 }'));
      reserved = c.reservedInWith;
    }
  }
  return { text: String(doc), overrides: [...new Set(overrides)], reserved, added: [...new Set(added)] };
}

/** The sources that are valid as they are, and which of their stages take any `with:` key. */
async function validSources(): Promise<ValidSource[]> {
  const out: ValidSource[] = [];
  for (const src of SOURCES) {
    if ((await validatePipeline(src.file)).some((d) => d.severity === 'error')) continue;
    const { doc } = parsePipelineText(src.file, src.text);
    const openStages: [string, number][] = [];
    for (const section of ['feature', 'training', 'inference']) {
      const list = doc.get(section);
      if (!isSeq(list)) continue;
      for (let i = 0; i < list.items.length; i++) {
        const probe = parsePipelineText(src.file, src.text).doc;
        const stage = stageAt(probe, [section, i]);
        const uses = stage?.get('uses');
        if (!stage || typeof uses !== 'string' || !uses.startsWith('./') || uses.endsWith('.pipeline.yaml')) continue;
        if (!isMap(stage.get('with'))) stage.set('with', probe.createNode({}));
        (stage.get('with') as YAMLMap).set('probe_key', 1);
        if (!(await validatePipeline(src.file, { text: String(probe) })).some((d) => d.severity === 'error')) openStages.push([section, i]);
      }
    }
    out.push({ ...src, openStages });
  }
  return out;
}

/** One long-lived worker; replaced when a case does not answer within the limit. */
class ValidatorPool {
  private worker!: Worker;
  private next = 0;
  constructor(private readonly script: string) {
    this.spawn();
  }
  private spawn(): void {
    this.worker = new Worker(this.script);
    this.worker.unref();
  }
  run(req: Omit<ValidateRequest, 'id'>): Promise<ValidateReply | 'timeout' | Error> {
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        void this.worker.terminate();
        this.spawn();
        resolve('timeout');
      }, CASE_LIMIT_MS);
      const onMessage = (r: ValidateReply): void => {
        if (r.id !== id) return;
        cleanup();
        resolve(r);
      };
      const onError = (e: Error): void => {
        cleanup();
        this.spawn();
        resolve(e);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      this.worker.postMessage({ ...req, id });
    });
  }
  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** What is wrong with one reply, or undefined when it keeps every promise. */
function judge(reply: ValidateReply | 'timeout' | Error, elapsedMs: number): string | undefined {
  if (reply === 'timeout') return `no answer within ${CASE_LIMIT_MS} ms (hang)`;
  if (reply instanceof Error) return `worker crashed: ${reply.message}`;
  if (reply.polluted || reply.prototypeKeys.length) return `Object.prototype polluted: ${reply.prototypeKeys.join(',')}`;
  if (!reply.loadOutcome.startsWith('loaded') && reply.loadOutcome !== 'pipeline-error') return `loadPipeline ${reply.loadOutcome}`;
  const errors = reply.diagnostics.filter((d) => d.severity === 'error');
  if (reply.loadOutcome === 'loaded' && errors.length) return 'loadPipeline accepted a file validatePipeline rejects';
  if (reply.oddPrototypes?.length) return `the loaded spec has objects with a non-standard prototype: ${reply.oddPrototypes.join(', ')}`;
  if (reply.schemaErrors?.length) return `schemas/pipeline.schema.json rejects a file the loader accepts: ${reply.schemaErrors.join('; ')}`;
  if (reply.loadOutcome === 'pipeline-error' && !errors.length) return 'loadPipeline rejected a file validatePipeline accepts';
  for (const d of errors) {
    if (d.code === 'internal') return `a check threw: ${d.message}`;
    if (!d.file || typeof d.message !== 'string' || d.message.trim() === '') return `diagnostic without file or message: ${JSON.stringify(d)}`;
    if (d.range) {
      const ok = [d.range.start.line, d.range.start.col, d.range.end.line, d.range.end.col].every((n) => Number.isInteger(n) && n >= 1);
      if (!ok) return `diagnostic with a bad range: ${JSON.stringify(d.range)} (${d.message})`;
    } else if (d.code === 'bad-override') {
      // About the command line, not the file: it must name the --set it is about.
      if (!d.message.startsWith('--set ')) return `--set problem that does not name the --set: ${d.message}`;
    } else if (!['unreadable', 'yaml-syntax', 'yaml-aliases', 'yaml-depth'].includes(d.code) && !/file|document/i.test(d.message)) {
      return `error without a line:col that is not a file-level message: [${d.code}] ${d.message}`;
    }
  }
  void elapsedMs;
  return undefined;
}

/** A valid-keeping case: accepted with every added param as an own key, or refused at the reserved key. */
function judgeValid(reply: ValidateReply | 'timeout' | Error, expect: ReturnType<typeof buildValidCase>): string | undefined {
  if (reply === 'timeout' || reply instanceof Error) return undefined; // judged already
  const errors = reply.diagnostics.filter((d) => d.severity === 'error');
  if (expect.reserved) {
    const hit = errors.find((d) => d.code === 'reserved-key' && d.message.includes(`'${expect.reserved}'`));
    if (reply.loadOutcome !== 'pipeline-error' || !hit || !hit.range) return `'${expect.reserved}' in with: was not refused at its place: ${errors.map((d) => d.message).join('; ') || reply.loadOutcome}`;
    return undefined;
  }
  if (reply.loadOutcome !== 'loaded') return `a valid file was rejected: ${errors.map((d) => `[${d.code}] ${d.message}`).join('; ') || reply.loadOutcome}`;
  const missing = expect.added.filter((k) => !reply.paramKeys?.includes(k));
  if (missing.length) return `params lost their own key(s) ${missing.join(', ')} (have ${reply.paramKeys?.join(', ')})`;
  return undefined;
}

test(`R3: ${CASES} hostile pipeline files and --set overrides are answered, placed and harmless`, { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, 'plumb-hostile-');
  const script = await bundleFixture(path.join(__dirname, 'fixtures', 'validate-worker.ts'));
  t.after(() => fs.rmSync(script, { force: true }));
  const pool = new ValidatorPool(script);
  t.after(() => pool.close());
  const failures = new Failures();
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).join(',');
  const valid = await validSources();
  assert.ok(valid.length >= 2 && valid.some((v) => v.openStages.length), 'valid sources, one with a schema-free user stage');
  let cases = 0;
  let rejected = 0;
  let accepted = 0;
  let validCases = 0;
  let slowest = 0;
  const totalMs = { valid: 0, mutated: 0 };
  // Two in five cases keep the file valid (they cost about twice a mutated one to check).
  const anyCase = fc.oneof(
    { arbitrary: caseArb.map((c) => ({ mutated: c, valid: undefined })), weight: 3 },
    { arbitrary: validCaseArb.map((c) => ({ mutated: undefined, valid: c })), weight: 2 },
  );

  await fc.assert(
    fc.asyncProperty(anyCase, async ({ mutated: c, valid: v }) => {
      let file: string;
      let text: string;
      let bytes: Buffer | undefined;
      let overrides: string[];
      let expect: ReturnType<typeof buildValidCase> | undefined;
      if (v) {
        const src = valid[v.source % valid.length];
        expect = buildValidCase(src, v);
        ({ text, overrides } = expect);
        file = src.file;
        validCases++;
      } else {
        const src = SOURCES[c!.source];
        text = c!.mutations.reduce(applyMutation, src.text);
        // Beside its source, so relative data: and uses: paths resolve as they would.
        file = c!.bytes ? path.join(dir, 'bytes.pipeline.yaml') : src.file;
        bytes = c!.bytes ? Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(c!.bytes)]) : undefined;
        overrides = c!.overrides;
      }
      const t0 = performance.now();
      const reply = await pool.run({ file, text: bytes ? undefined : text, bytes, overrides });
      const elapsed = performance.now() - t0;
      slowest = Math.max(slowest, elapsed);
      totalMs[v ? 'valid' : 'mutated'] += elapsed;
      cases++;
      if (typeof reply === 'object' && !(reply instanceof Error)) {
        if (reply.diagnostics.some((d) => d.severity === 'error')) rejected++;
        if (reply.loadOutcome === 'loaded') accepted++;
      }
      const problem = judge(reply, elapsed) ?? (expect && judgeValid(reply, expect));
      if (problem) {
        const what = v ? `valid case ${JSON.stringify(v).slice(0, 300)}` : `${JSON.stringify(c!.mutations).slice(0, 200)} --set ${JSON.stringify(overrides).slice(0, 100)}`;
        failures.add(`${problem.slice(0, 300)} — from ${path.basename(file)} + ${what}`);
        // The whole case, to reproduce it: PLUMB_FAULT_DUMP=cases.jsonl.
        if (process.env.PLUMB_FAULT_DUMP) fs.appendFileSync(process.env.PLUMB_FAULT_DUMP, JSON.stringify({ file, text, overrides, problem }) + '\n');
      }
      // Keep going through every case (the figures count all failures), without shrinking.
      return true;
    }),
    { numRuns: CASES },
  );

  if (Object.getOwnPropertyNames(Object.prototype).join(',') !== protoBefore || ({} as { polluted?: unknown }).polluted !== undefined) {
    failures.add('Object.prototype of the test process changed');
  }
  await recordCheck('R3-hostile-pipelines', {
    title: 'Hostile pipeline files and --set overrides',
    trials: 1,
    cases,
    failures: failures.count,
    examples: failures.examples,
    rejectedCases: rejected,
    acceptedCases: accepted,
    validKeepingCases: validCases,
    meanCaseMs: { valid: Math.round(totalMs.valid / Math.max(1, validCases)), mutated: Math.round(totalMs.mutated / Math.max(1, cases - validCases)) },
    slowestCaseMs: Math.round(slowest),
  });
  assert.equal(cases, CASES);
  // Hostile keys must reach the code that runs after a file is accepted, often.
  assert.ok(accepted >= 0.25 * cases, `only ${accepted} of ${cases} cases were accepted`);
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R3: an alias bomb, a circular alias and absurd nesting are rejected at once, with a place', async () => {
  const file = path.join(ROOT, 'test', 'spec', 'fixtures', 'good.pipeline.yaml');
  const base = fs.readFileSync(file, 'utf8');
  const cases: [string, string, string][] = [
    [`${aliasBomb(10)}\n${base}`, 'yaml-aliases', 'alias bomb'],
    [`loop: &a [*a]\n${base}`, 'yaml-aliases', 'circular'],
    [`${base}\ndeep: ${deep(500, '[', ']')}\n`, 'yaml-depth', 'nested more than 64 levels'],
  ];
  for (const [text, code, words] of cases) {
    const t0 = performance.now();
    const d = await validatePipeline(file, { text });
    // A safety bound: the unguarded loader took minutes on the bomb.
    assert.ok(performance.now() - t0 < 5000, `${code} answered within 5 s`);
    const hit = d.find((x) => x.code === code);
    assert.ok(hit, `${code} reported: ${d.map((x) => x.code).join(', ')}`);
    assert.match(hit.message, new RegExp(words));
    assert.ok(hit.range && hit.range.start.line >= 1);
  }
});

// The pipeline language as VS Code sees it: the TextMate grammar and the language
// configuration that package.json contributes, tokenized with the same engine VS Code
// uses (vscode-textmate over the Oniguruma WASM build).
//
// The grammar embeds `source.yaml`, which ships with VS Code, not with Plumb. The tests
// run against a small stand-in YAML grammar (comments, quoted strings, block scalars:
// the scopes Plumb's rules must respect), and again against VS Code's real YAML grammar
// when the end-to-end toolchain cache holds one (see test/e2e/toolchain.ts).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const grammarContribution = manifest.contributes.grammars.find((g: { language?: string }) => g.language === 'plumb-pipeline');
const languageContribution = manifest.contributes.languages.find((l: { id: string }) => l.id === 'plumb-pipeline');
const PLUMB_SCOPE: string = grammarContribution.scopeName;

/** Just enough YAML for the embedding: comments, quoted strings, block scalars, keys. */
const STAND_IN_YAML = {
  scopeName: 'source.yaml',
  patterns: [{ include: '#comment' }, { include: '#block-scalar' }, { include: '#double' }, { include: '#single' }, { include: '#key' }],
  repository: {
    comment: { match: '(?:^|(?<=[ \\t]))#.*$', name: 'comment.line.number-sign.yaml' },
    'block-scalar': {
      begin: '^([ \\t]*)(?:-[ \\t]+)?([\\w.-]+)[ \\t]*(:)[ \\t]*[|>][-+]?[ \\t]*$',
      while: '^(?:\\1[ \\t]+|[ \\t]*$)',
      beginCaptures: { '2': { name: 'entity.name.tag.yaml' } },
      contentName: 'string.unquoted.block.yaml',
    },
    double: { begin: '"', end: '"', name: 'string.quoted.double.yaml', patterns: [{ match: '\\\\.', name: 'constant.character.escape.yaml' }] },
    single: { begin: "'", end: "'", name: 'string.quoted.single.yaml' },
    key: { match: '[\\w.-]+(?=[ \\t]*:(?:[ \\t]|$))', name: 'entity.name.tag.yaml' },
  },
};

/**
 * VS Code's own YAML grammars (source.yaml includes source.yaml.1.2 and others), from
 * the code-server the e2e suite installs, as scope name → file; undefined if absent.
 */
function realYamlGrammars(): Map<string, string> | undefined {
  const cache = process.env.PLUMB_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'plumb-e2e');
  const dir = path.join(cache, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'yaml', 'syntaxes');
  if (!fs.existsSync(dir)) return undefined;
  const byScope = new Map<string, string>();
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.tmLanguage.json'))) {
    byScope.set(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).scopeName, path.join(dir, f));
  }
  return byScope.has('source.yaml') ? byScope : undefined;
}

let onigLib: Promise<textmate.IOnigLib> | undefined;
function loadOniguruma(): Promise<textmate.IOnigLib> {
  onigLib ??= (async () => {
    const wasm = fs.readFileSync(path.join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return {
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    };
  })();
  return onigLib;
}

/** Loads Plumb's grammar (and the named YAML grammar, stand-in or real file). */
async function loadPlumbGrammar(yaml: 'stand-in' | Map<string, string>): Promise<textmate.IGrammar> {
  const registry = new textmate.Registry({
    onigLib: loadOniguruma(),
    loadGrammar: async (scope) => {
      if (scope === PLUMB_SCOPE) {
        const file = path.join(ROOT, grammarContribution.path);
        return textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
      }
      if (yaml === 'stand-in') return scope === 'source.yaml' ? textmate.parseRawGrammar(JSON.stringify(STAND_IN_YAML), 'stand-in.json') : null;
      const file = yaml.get(scope);
      return file ? textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file) : null;
    },
  });
  const grammar = await registry.loadGrammar(PLUMB_SCOPE);
  assert.ok(grammar, `${PLUMB_SCOPE} did not load`);
  return grammar;
}

interface Token {
  text: string;
  start: number;
  scopes: string[];
}

/** Tokenizes a document line by line, carrying the rule stack as VS Code does. */
function tokenize(grammar: textmate.IGrammar, text: string): Token[][] {
  let stack = textmate.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, scopes: t.scopes }));
  });
}

const DOC = `# a comment that mentions stage: commented and uses: impute
pipeline: toy
description: "runs stage: quoted_stage, then uses: impute"
summary: 'also, uses: ./quoted/module.ts'
notes: |
  stage: block_stage
  uses: ./block/module.ts
params: { seed: 3, test_size: 0.2, nested: { a: { b: 1 } } }
feature:                 # fitted in train mode; stage: trailing_comment
  - stage: impute_numbers
    uses: impute
    with: { strategy: median }
  - stage: clean
    uses: ./stages/clean.ts   # a user stage module
  - stage: prep
    uses: ./shared/prep.pipeline.yaml
  - { stage: flow_stage, uses: one-hot }
  - stage: "quoted_name"
    uses: '../up/stage.js'
training:
  - stage: split
    uses: train-test-split
    with: { test: "\${params.test_size}", seed: \${params.seed}, note: 'a \${params.nested.a.b} b', bad: "\${nope}", lit: "$\${params.x}" }
    label: \${params.seed}
`;

function suite(label: string, yaml: 'stand-in' | Map<string, string>): void {
  describe(`pipeline grammar (${label})`, () => {
    let lines: Token[][];
    const docLines = DOC.split('\n');

    before(async () => {
      lines = tokenize(await loadPlumbGrammar(yaml), DOC);
    });

    /** The token that is exactly `text` on the line containing `lineNeedle` (nth occurrence of text). */
    function token(lineNeedle: string, text: string, nth = 0): Token {
      const i = docLines.findIndex((l) => l.includes(lineNeedle));
      assert.ok(i >= 0, `no line contains ${lineNeedle}`);
      let from = -1;
      for (let k = 0; k <= nth; k++) from = docLines[i].indexOf(text, from + 1);
      assert.ok(from >= 0, `line ${i + 1} has no ${text}`);
      const t = lines[i].find((t) => t.start === from);
      const around = lines[i].map((t) => `${JSON.stringify(t.text)} ${t.scopes.slice(1).join(' ')}`).join('\n  ');
      assert.ok(t && t.text === text, `line ${i + 1}: ${JSON.stringify(text)} is not one token; tokens:\n  ${around}`);
      return t;
    }
    /** Scopes of every token overlapping `text` on that line. */
    function scopesOver(lineNeedle: string, text: string): string[] {
      const i = docLines.findIndex((l) => l.includes(lineNeedle));
      const from = docLines[i].indexOf(text);
      assert.ok(from >= 0, `line ${i + 1} has no ${text}`);
      return lines[i].filter((t) => t.start < from + text.length && t.start + t.text.length > from).flatMap((t) => t.scopes);
    }
    const has = (t: Token, scope: string) => assert.ok(t.scopes.includes(scope), `${JSON.stringify(t.text)} lacks ${scope}: ${t.scopes.join(' ')}`);
    const noPlumbKey = (scopes: string[], what: string) =>
      assert.deepEqual(scopes.filter((s) => /\.(stage|module|pipeline)\.plumb|builtin\.stage\.plumb/.test(s)), [], `${what} got a Plumb key scope: ${scopes.join(' ')}`);

    test('every line is scoped as the pipeline language', () => {
      for (const line of lines) for (const t of line) assert.equal(t.scopes[0], PLUMB_SCOPE);
    });

    test('stage names, in block and flow mappings, plain and quoted', () => {
      for (const [line, name] of [
        ['stage: impute_numbers', 'impute_numbers'],
        ['stage: split', 'split'],
        ['{ stage: flow_stage', 'flow_stage'],
        ['stage: "quoted_name"', 'quoted_name'],
      ]) {
        has(token(line, name), 'entity.name.function.stage.plumb');
        has(token(line, 'stage'), 'entity.name.tag.yaml');
      }
    });

    test('uses: tells built-in stages, module paths and sub-pipelines apart', () => {
      for (const [line, name] of [['    uses: impute', 'impute'], ['uses: train-test-split', 'train-test-split'], ['uses: one-hot', 'one-hot']]) {
        const t = token(line, name);
        has(t, 'support.function.builtin.stage.plumb');
        assert.ok(!t.scopes.some((s) => s.startsWith('markup.underline')), `${name} is underlined`);
      }
      for (const [line, p] of [['uses: ./stages/clean.ts', './stages/clean.ts'], ["uses: '../up/stage.js'", '../up/stage.js']]) {
        const t = token(line, p);
        has(t, 'string.other.path.module.plumb');
        has(t, 'markup.underline.link.plumb');
      }
      const sub = token('uses: ./shared/prep.pipeline.yaml', './shared/prep.pipeline.yaml');
      has(sub, 'string.other.path.pipeline.plumb');
      has(sub, 'markup.underline.link.plumb');
      assert.ok(!sub.scopes.includes('string.other.path.module.plumb'), 'a sub-pipeline is scoped as a stage module');
    });

    test('the pipeline name and section keys', () => {
      has(token('pipeline: toy', 'toy'), 'entity.name.type.pipeline.plumb');
      has(token('feature:', 'feature'), 'keyword.control.section.plumb');
      has(token('training:', 'training'), 'keyword.control.section.plumb');
    });

    test('${params.x} interpolations in double-quoted, single-quoted and plain scalars', () => {
      const line = 'with: { test:';
      const quoted = token(line, 'params', 0);
      has(quoted, 'variable.language.params.plumb');
      has(token(line, '.test_size'), 'variable.other.property.plumb');
      has(token(line, '${', 0), 'punctuation.definition.template-expression.begin.plumb');
      has(token(line, '.seed'), 'variable.other.property.plumb');
      has(token(line, '.nested.a.b'), 'variable.other.property.plumb');
      has(token(line, 'nope'), 'invalid.illegal.interpolation.plumb');
      has(token(line, '$${'), 'constant.character.escape.plumb');
      // Inside quotes the interpolation is still part of the string.
      assert.ok(token(line, 'params', 0).scopes.some((s) => s.startsWith('string.quoted.double')), 'the quoted interpolation left its string');
      assert.ok(token(line, 'params', 2).scopes.some((s) => s.startsWith('string.quoted.single')), 'the single-quoted interpolation left its string');
      has(token('label: ${params.seed}', 'params'), 'variable.language.params.plumb');
    });

    test('comments stay comments: no stage names or interpolations inside them', () => {
      const first = lines[0];
      assert.ok(first.every((t) => t.scopes.some((s) => s.startsWith('comment.line'))), `line 1: ${first.map((t) => t.scopes.join(' ')).join(' | ')}`);
      noPlumbKey(scopesOver('# a comment', 'commented'), 'a comment');
      noPlumbKey(scopesOver('# a comment', 'impute'), 'a comment');
      const trailing = scopesOver('stage: trailing_comment', 'trailing_comment');
      noPlumbKey(trailing, 'a trailing comment');
      assert.ok(trailing.some((s) => s.startsWith('comment.line')));
      assert.ok(scopesOver('# a user stage module', 'module').some((s) => s.startsWith('comment.line')));
    });

    test('the YAML grammar keeps its structure: nothing turns invalid', () => {
      // Plumb's rules scope values only; taking a key away from the YAML grammar would
      // leave it lost for the rest of the block (every later key "unrecognized").
      const invalid = lines.flatMap((line, i) => line.filter((t) => t.scopes.some((s) => /^invalid\..*\.yaml$/.test(s))).map((t) => `line ${i + 1}: ${JSON.stringify(t.text)}`));
      assert.deepEqual(invalid, []);
    });

    test('stage: and uses: inside strings and block scalars are not keys', () => {
      noPlumbKey(scopesOver('description:', 'quoted_stage'), 'a double-quoted description');
      noPlumbKey(scopesOver('description:', 'impute'), 'a double-quoted description');
      noPlumbKey(scopesOver('summary:', './quoted/module.ts'), 'a single-quoted summary');
      noPlumbKey(scopesOver('block_stage', 'block_stage'), 'a block scalar');
      noPlumbKey(scopesOver('./block/module.ts', './block/module.ts'), 'a block scalar');
    });
  });
}

suite('stand-in YAML', 'stand-in');
const real = realYamlGrammars();
if (real) suite("VS Code's YAML grammar", real);

describe('key rules match only where a mapping key starts', () => {
  // Without a YAML grammar nothing is a string or comment, so this isolates the key
  // anchoring itself: a `stage:` after other text on the line is not a key.
  test('stage: and uses: after a value on the same line are not keys', async () => {
    const registry = new textmate.Registry({
      onigLib: loadOniguruma(),
      loadGrammar: async (scope) => {
        if (scope !== PLUMB_SCOPE) return null;
        const file = path.join(ROOT, grammarContribution.path);
        return textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
      },
    });
    const grammar = (await registry.loadGrammar(PLUMB_SCOPE))!;
    const [plain, key, flow] = tokenize(grammar, 'note: then stage: x uses: impute\n  - stage: y\n  - {a: 1,stage: z}');
    assert.ok(!plain.some((t) => t.scopes.some((s) => s.endsWith('.plumb'))), plain.map((t) => t.scopes.join(' ')).join(' | '));
    assert.ok(key.some((t) => t.text === 'y' && t.scopes.includes('entity.name.function.stage.plumb')));
    assert.ok(flow.some((t) => t.text === 'z' && t.scopes.includes('entity.name.function.stage.plumb')));
  });
});

describe('language configuration', () => {
  const file = path.join(ROOT, languageContribution.configuration);
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  // VS Code compiles these strings as JavaScript regular expressions.
  const re = (s: string) => new RegExp(s);

  test('# is the line comment; brackets and auto-closing pairs', () => {
    assert.deepEqual(config.comments, { lineComment: '#' });
    assert.deepEqual(config.brackets, [['{', '}'], ['[', ']']]);
    const pairs = config.autoClosingPairs.map((p: { open: string; close: string }) => p.open + p.close);
    for (const p of ['{}', '[]', '""', "''"]) assert.ok(pairs.includes(p), `no auto-closing ${p}`);
  });

  test('Enter after a key that opens a block indents; after a scalar value it does not', () => {
    const inc = re(config.indentationRules.increaseIndentPattern);
    for (const line of ['feature:', 'feature:   # fitted in train mode', '  - with:', '    with:', 'params:', '  -']) assert.match(line, inc, `no indent after ${JSON.stringify(line)}`);
    for (const line of ['pipeline: penguins', '  - stage: clean', '# feature:', '    uses: impute   # a: comment', '    with: { strategy: median }']) {
      assert.doesNotMatch(line, inc, `indents after ${JSON.stringify(line)}`);
    }
    const dec = re(config.indentationRules.decreaseIndentPattern);
    assert.match('    }', dec);
    assert.doesNotMatch('    with: { a: 1 }', dec);
  });

  test('Enter after "- stage: x" lines the next key up under the first', () => {
    const rule = config.onEnterRules.find((r: { beforeText: string }) => re(r.beforeText).test('  - stage: clean'));
    assert.ok(rule, 'no onEnter rule for a sequence item with a key');
    assert.equal(rule.action.appendText, '  ');
    assert.doesNotMatch('    uses: impute', re(rule.beforeText));
  });

  test('folding follows indentation; #region markers fold', () => {
    assert.equal(config.folding.offSide, true);
    assert.match('  # region stages', re(config.folding.markers.start));
    assert.match('  #endregion', re(config.folding.markers.end));
  });

  test('a word is a stage name or a module path, for double-click and completion ranges', () => {
    const word = new RegExp(config.wordPattern, 'g');
    assert.deepEqual('uses: ./stages/clean.ts # x'.match(word), ['uses', './stages/clean.ts', 'x']);
    assert.deepEqual('  - stage: impute_numbers'.match(word), ['stage', 'impute_numbers']);
  });
});

// The boundary between the extension and the runtime, read from the sources:
//  - src/ (the extension and the debug adapter) and media/ (webview scripts) reach the
//    runtime only through runtime/extension-api.ts, or runtime/debug/adapter-api.ts (the
//    debug adapter's door: the session protocol and client, kept apart so the adapter's
//    bundle stays small);
//  - nothing loaded through either is the engine or the user stage loader: the extension
//    host never runs pipelines or stage code (child processes do);
//  - the adapter's bundle holds no more of the runtime than its own door brings in;
//  - runtime/ never imports vscode or @vscode/* (it runs headless: CLI, hosts, library).
// Imports are listed with TypeScript's own pre-parser (static, type-only, dynamic import()
// and require() alike); what actually gets loaded is read from an esbuild bundle's metafile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..');
const GATE = 'runtime/extension-api.ts';
const ADAPTER_GATE = 'runtime/debug/adapter-api.ts';
const GATES = [GATE, ADAPTER_GATE];
/** What the extension must never load: the engine, and the module that loads user stage code. */
const FORBIDDEN = (f: string): boolean => f.startsWith('runtime/engine/') || f === 'runtime/stages/user.ts';

const rel = (abs: string): string => path.relative(ROOT, abs).split(path.sep).join('/');

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true })
    .map((f) => path.join(ROOT, dir, String(f)))
    .filter((f) => f.endsWith('.ts') && statSync(f).isFile());
}

interface Import {
  file: string;
  line: number;
  spec: string;
  /** The repository file it resolves to (relative specifiers only). */
  target?: string;
  typeOnly: boolean;
}

function importsOf(abs: string): Import[] {
  const text = readFileSync(abs, 'utf8');
  const source = ts.createSourceFile(abs, text, ts.ScriptTarget.Latest, false);
  const typeOnly = new Set<number>();
  // Which specifiers sit in `import type` / `export type` declarations (erased at build time).
  for (const s of source.statements) {
    if ((ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) || (ts.isExportDeclaration(s) && s.isTypeOnly)) {
      if (s.moduleSpecifier) typeOnly.add(s.moduleSpecifier.getStart(source));
    }
  }
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => {
    const line = source.getLineAndCharacterOfPosition(f.pos).line + 1;
    return { file: rel(abs), line, spec: f.fileName, target: resolve(abs, f.fileName), typeOnly: typeOnly.has(f.pos) };
  });
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts'), base]) if (existsSync(c) && statSync(c).isFile()) return rel(c);
  return undefined;
}

test(`src/ and media/ import the runtime only through ${GATES.join(' or ')}`, () => {
  const files = [...tsFiles('src'), ...tsFiles('media')];
  assert.ok(files.length > 20, `found the extension's sources (${files.length} files)`);
  const crossings = files.flatMap(importsOf).filter((i) => i.target?.startsWith('runtime/'));
  assert.ok(crossings.length > 0, 'the extension does use the runtime');
  const bad = crossings.filter((i) => !GATES.includes(i.target!)).map((i) => `${i.file}:${i.line} imports '${i.spec}'`);
  assert.deepEqual(bad, [], `import these through ${GATE} (add an export there if it is missing)`);
});

async function bundleInputs(entry: string): Promise<string[]> {
  const r = await build({ entryPoints: [path.join(ROOT, entry)], absWorkingDir: ROOT, bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, external: ['vscode', 'esbuild'], logLevel: 'silent' });
  return Object.keys(r.metafile.inputs);
}

/** Every file reachable from `start`; with `valuesOnly`, not through type-only imports (esbuild erases those). */
function walk(start: string, valuesOnly: boolean): Map<string, string> {
  const seen = new Map<string, string>([[start, '']]);
  const queue = [start];
  while (queue.length) {
    const f = queue.shift()!;
    for (const i of importsOf(path.join(ROOT, f))) {
      if (!i.target || seen.has(i.target) || (valuesOnly && i.typeOnly)) continue;
      seen.set(i.target, `${f}:${i.line}`);
      queue.push(i.target);
    }
  }
  return seen;
}

for (const gate of GATES) {
  test(`${gate} reaches neither the engine nor the user stage loader`, async () => {
    const all = walk(gate, false);
    const values = walk(gate, true);
    assert.ok(values.has('runtime/vocabulary.ts'), 'the walk follows imports');
    // The one allowance: the event union (engine/events.ts declares types and nothing else).
    const typed = [...all].filter(([f]) => FORBIDDEN(f) && f !== 'runtime/engine/events.ts').map(([f, via]) => `${f} <- ${via}`);
    assert.deepEqual(typed, [], 'the API must not import these, not even for types');
    const loaded = [...values].filter(([f]) => FORBIDDEN(f)).map(([f, via]) => `${f} <- ${via}`);
    assert.deepEqual(loaded, [], 'the API must not load these');
    assert.deepEqual((await bundleInputs(gate)).filter(FORBIDDEN), [], `${gate}: its bundle must not include the engine or the stage loader`);
  });
}

test('the extension and adapter bundles load neither the engine nor the stage loader; the adapter only its own door', async () => {
  const extension = await bundleInputs('src/extension.ts');
  assert.ok(extension.includes('runtime/spec/parse.ts'), 'the extension bundle includes the runtime it uses');
  assert.deepEqual(extension.filter(FORBIDDEN), [], 'src/extension.ts: the bundle must not include the engine or the stage loader');
  const door = new Set(await bundleInputs(ADAPTER_GATE));
  const adapter = (await bundleInputs('src/debug/main.ts')).filter((f) => f.startsWith('runtime/'));
  assert.ok(adapter.includes('runtime/debug/client.ts'), 'the adapter bundle includes the session client');
  assert.deepEqual(adapter.filter((f) => !door.has(f)), [], `src/debug/main.ts: runtime files beyond what ${ADAPTER_GATE} brings in`);
});

test('runtime/ never imports vscode or @vscode/*', () => {
  const files = tsFiles('runtime');
  assert.ok(files.length > 50, `found the runtime's sources (${files.length} files)`);
  const bad = files
    .flatMap(importsOf)
    .filter((i) => i.spec === 'vscode' || i.spec.startsWith('@vscode/'))
    .map((i) => `${i.file}:${i.line} imports '${i.spec}'`);
  assert.deepEqual(bad, []);
});

// The runtime is headless: nothing under runtime/ may load `vscode` or `@vscode/*`, or
// the CLI and the session host would need the editor (or its packages) to run. A static
// scan with TypeScript's parser, so comments and strings that merely mention the names
// do not count and every way of loading a module does: import/export ... from,
// `import x = require()`, `import()` (also as a type), `require()` and `require.resolve()`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const RUNTIME = path.resolve(__dirname, '../../runtime');
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const FORBIDDEN = /^(vscode|@vscode\/.*)$/;

interface ModuleRef {
  specifier: string;
  line: number;
}

/** Every module a source file loads, with a literal name; computed names report the string literals inside them. */
function moduleRefs(fileName: string, text: string): ModuleRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const refs: ModuleRef[] = [];
  const add = (node: ts.Node | undefined): void => {
    if (!node) return;
    const visitStrings = (n: ts.Node): void => {
      if (ts.isStringLiteralLike(n)) refs.push({ specifier: n.text, line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
      else if (ts.isTemplateExpression(n)) refs.push({ specifier: n.head.text, line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
      n.forEachChild(visitStrings);
    };
    visitStrings(node);
  };
  const isRequire = (e: ts.Expression): boolean =>
    (ts.isIdentifier(e) && e.text === 'require') ||
    (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'require' && e.name.text === 'resolve');
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node)) add(node.argument);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(node.expression))) add(node.arguments[0]);
    node.forEachChild(visit);
  };
  visit(sf);
  return refs;
}

function runtimeFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => SOURCE.test(f) && fs.statSync(f).isFile());
}

describe('runtime/ stays free of the editor', () => {
  it('the scan finds every form of loading vscode (so the check below can fail)', () => {
    const forms: Record<string, string> = {
      'import default': `import * as vscode from 'vscode';`,
      'import side effect': `import "vscode";`,
      'import type': `import type { Uri } from 'vscode';`,
      'export from': `export { DebugSession } from '@vscode/debugadapter';`,
      'import equals': `import vscode = require('vscode');`,
      'dynamic import': `async function f() { return import('vscode'); }`,
      'dynamic import, template': 'async function f() { return import(`@vscode/debugprotocol`); }',
      'import type node': `let x: import('vscode').Uri;`,
      require: `const v = require('vscode');`,
      'require in an expression': `const v = cond ? require("@vscode/debugadapter") : undefined;`,
      'require.resolve': `const p = require.resolve('vscode');`,
      'computed specifier': `const v = require(flag ? 'vscode' : './other');`,
    };
    for (const [form, text] of Object.entries(forms)) {
      const hits = moduleRefs('sample.ts', text).filter((r) => FORBIDDEN.test(r.specifier));
      assert.equal(hits.length, 1, `${form}: ${text}`);
    }
    const harmless = `// import 'vscode' in a comment\nconst s = 'vscode';\nimport * as fs from 'node:fs';\nconst y = require('./vscode-like');`;
    assert.deepEqual(moduleRefs('sample.ts', harmless).map((r) => r.specifier), ['node:fs', './vscode-like']);
  });

  it('no file under runtime/ imports or requires vscode or @vscode/*', () => {
    const files = runtimeFiles(RUNTIME);
    assert.ok(files.length > 20, `found only ${files.length} source files under ${RUNTIME}`);
    const offenders = files.flatMap((f) =>
      moduleRefs(f, fs.readFileSync(f, 'utf8'))
        .filter((r) => FORBIDDEN.test(r.specifier))
        .map((r) => `${path.relative(process.cwd(), f)}:${r.line}: ${r.specifier}`),
    );
    assert.deepEqual(offenders, [], `runtime/ must not load the editor's packages:\n${offenders.join('\n')}`);
  });
});

// The launch arguments, three lists that must agree: what the adapter accepts
// (PlumbLaunchArguments in src/debug/translate.ts), what launch.json offers and checks
// (package.json contributes.debuggers), and what the extension builds
// (PlumbLaunchConfiguration in src/debug/config-provider.ts). Read with the TypeScript
// checker, so inherited members (DAP's noDebug) count and formatting does not matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

function interfaceMembers(program: ts.Program, file: string, name: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(ROOT, file));
  assert.ok(source, `${file} is in the program`);
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(decl, `interface ${name} in ${file}`);
  return checker
    .getTypeAtLocation(decl)
    .getProperties()
    .map((p) => p.name)
    .sort();
}

test('package.json launch attributes, the adapter arguments and the extension configuration type agree', () => {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile).config as object;
  const options = ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options;
  const program = ts.createProgram([path.join(ROOT, 'src/debug/translate.ts'), path.join(ROOT, 'src/debug/config-provider.ts')], { ...options, noEmit: true });

  // DAP's `__restart` is the client's own business, not a launch.json attribute.
  const adapter = interfaceMembers(program, 'src/debug/translate.ts', 'PlumbLaunchArguments').filter((k) => k !== '__restart');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { debuggers: { type: string; configurationAttributes: { launch: { properties: Record<string, unknown>; required: string[] } } }[] };
  };
  const launch = pkg.contributes.debuggers.find((d) => d.type === 'plumb')!.configurationAttributes.launch;
  assert.deepEqual(Object.keys(launch.properties).sort(), adapter, 'package.json launch properties = the adapter launch arguments');
  assert.deepEqual(launch.required, ['pipeline']);

  // The extension's type: DebugConfiguration's type/name/request, plus every adapter argument.
  const extension = interfaceMembers(program, 'src/debug/config-provider.ts', 'PlumbLaunchConfiguration').filter((k) => !['type', 'name', 'request', '__restart'].includes(k));
  assert.deepEqual(extension, adapter, 'PlumbLaunchConfiguration members = the adapter launch arguments');
  for (const key of ['cwd', 'maxMemoryMb', 'noDebug']) assert.ok(adapter.includes(key), key);
});

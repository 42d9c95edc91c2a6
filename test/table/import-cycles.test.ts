// runtime/table's files form no import cycle (csv.ts and csv-parallel.ts once imported each
// other; the parser they share lives in csv-parse.ts). Read from the sources' import lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR = path.resolve(__dirname, '../../runtime/table');

function localImports(file: string): string[] {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'\.\/([\w-]+)'/gm)) out.push(`${m[1]}.ts`);
  return out;
}

test('no import cycle among runtime/table files', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  const graph = new Map(files.map((f) => [f, localImports(f)]));
  assert.ok(graph.get('csv.ts')!.includes('csv-parallel.ts') && graph.get('csv-parallel.ts')!.includes('csv-parse.ts'), 'the graph is read');
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === 'done') return;
    assert.notEqual(state.get(f), 'open', `import cycle: ${[...trail, f].join(' → ')}`);
    state.set(f, 'open');
    for (const g of graph.get(f) ?? []) visit(g, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
});

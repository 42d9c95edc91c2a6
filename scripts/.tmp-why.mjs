import { build } from 'esbuild';
const [entry, target] = process.argv.slice(2);
const r = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, external: ['vscode', 'esbuild'], logLevel: 'silent' });
const ins = r.metafile.inputs; const prev = new Map([[entry, null]]); const q = [entry];
while (q.length) { const f = q.shift(); for (const i of ins[f]?.imports ?? []) if (!prev.has(i.path)) { prev.set(i.path, f); q.push(i.path); } }
for (const t of Object.keys(ins).filter((k) => k.includes(target))) { const chain = []; for (let f = t; f; f = prev.get(f)) chain.unshift(f); console.log(chain.join(' -> ')); }

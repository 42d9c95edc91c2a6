// `plumb stages` (with each stage's parameters) and `plumb runs` (the recorded runs).
import { builtinStages } from '../stages/registry';
import type { RunRecord } from '../monitor';
import { EXIT, type CliArgs } from './args';
import { json, loadStore, type Out } from './shared';

type Schema = Record<string, unknown>;

/** A param's type in a few characters: `number`, `list of strings`, `mean|median`, `number or string`. */
export function paramType(s: Schema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('|');
  const alts = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (Array.isArray(alts)) return alts.map(paramType).join(' or ');
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  return (
    types
      .map((t) => {
        if (t !== 'array') return t === 'object' ? 'map' : t;
        const items = s.items as Schema | undefined;
        return items ? `list of ${paramType(items)}s` : 'list';
      })
      .join(' or ') || 'any'
  );
}

/** One line per parameter: name, type, default, required, description. */
export function formatParams(schema: Schema | undefined, indent = '    '): string[] {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  const names = Object.keys(props);
  const width = Math.max(0, ...names.map((n) => n.length));
  return names.map((n) => {
    const p = props[n];
    const bits = [paramType(p)];
    if (required.has(n)) bits.push('required');
    if (p.default !== undefined) bits.push(`default ${JSON.stringify(p.default)}`);
    const description = typeof p.description === 'string' ? `  ${p.description}` : '';
    return `${indent}${n.padEnd(width)}  ${bits.join(', ')}${description}`;
  });
}

export function stagesCommand(args: CliArgs, out: Out): number {
  const list = [...builtinStages.values()].map((s) => ({ type: s.type, kind: s.kind, summary: s.summary, params: s.params }));
  if (args.json) {
    out.out(json(list));
    return EXIT.ok;
  }
  for (const s of list) {
    out.out(`${s.type.padEnd(24)} ${s.kind.padEnd(9)} ${s.summary}\n`);
    const lines = formatParams(s.params as unknown as Schema | undefined);
    out.out(lines.length ? lines.join('\n') + '\n' : '    (no parameters)\n');
  }
  return EXIT.ok;
}

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** `plumb runs FILE`: every recorded run, oldest first: id, mode, status, start, duration, version. */
export async function runsCommand(args: CliArgs, out: Out): Promise<number> {
  const { name, store } = await loadStore(args, out);
  const runs = (await store.listRuns(name)) as unknown as RunRecord[];
  const rows = runs.map((r) => ({
    runId: r.runId,
    mode: r.mode,
    status: r.status,
    start: r.start,
    durationMs: r.durationMs,
    version: r.version,
    error: r.error?.message,
  }));
  if (args.json) {
    out.out(json(rows));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    out.out(`no runs of ${name} recorded yet — run 'plumb run ${args.positionals[0]}' first\n`);
    return EXIT.ok;
  }
  for (const r of rows) {
    const duration = r.durationMs === undefined ? '-' : r.durationMs < 1000 ? `${Math.round(r.durationMs)} ms` : `${(r.durationMs / 1000).toFixed(1)} s`;
    const version = r.version === undefined ? '' : `  version ${r.version}`;
    const error = r.error ? `  ${r.error.split('\n')[0].slice(0, 100)}` : '';
    out.out(`${r.runId}  ${r.mode.padEnd(9)} ${r.status.padEnd(9)} ${when(r.start)}  ${duration.padStart(8)}${version}${error}\n`);
  }
  return EXIT.ok;
}

// `plumb versions`: list, show, rm, tag, untag and diff saved versions.
import { UsageError, type CliArgs } from './args';
import { EXIT } from './args';
import { loadStore, json, type Out } from './shared';
import type { LoadedVersion, VersionDiff } from '../store';
import type { Json } from '../stages/types';

export async function versionsCommand(args: CliArgs, out: Out): Promise<number> {
  const { name, store } = await loadStore(args, out);
  const [, sub = 'list', ...rest] = args.positionals;
  const ref = (s: string | undefined, what = 'a version'): number | string => {
    if (s === undefined) throw new UsageError(`'plumb versions ${sub}' needs ${what}`);
    return /^\d+$/.test(s) ? Number(s) : s;
  };

  switch (sub) {
    case 'list': {
      const versions = await store.listVersions(name);
      if (args.json) {
        out.out(json(versions));
      } else if (versions.length === 0) {
        out.out(`no versions of ${name} yet — run 'plumb run ${args.positionals[0]}' to train one\n`);
      } else {
        for (const v of versions) {
          const when = new Date(v.time).toISOString().replace('T', ' ').slice(0, 19);
          const tags = v.aliases?.length ? `  [${v.aliases.join(', ')}]` : '';
          const metrics = Object.entries(v.metrics ?? {})
            .filter(([k, x]) => typeof x === 'number' && k !== 'loss')
            .slice(0, 3)
            .map(([k, x]) => `${k}=${(x as number).toFixed(4)}`)
            .join(' ');
          out.out(`v${String(v.version).padEnd(5)} ${when}  run ${v.runId}  ${metrics}${tags}\n`);
        }
      }
      return EXIT.ok;
    }
    case 'show': {
      const v = await store.loadVersion(name, ref(rest[0]));
      out.out(args.json ? json(v) : formatVersion(v));
      return EXIT.ok;
    }
    case 'rm': {
      const n = await store.resolve(name, ref(rest[0]));
      // An alias is what serves (inference --version champion): losing it by accident hurts.
      const aliases = (await store.getVersion(name, n)).aliases ?? [];
      if (aliases.length > 0 && !args.force) {
        const names = aliases.map((a) => `'${a}'`).join(', ');
        throw new UsageError(
          `version ${n} of ${name} holds the alias${aliases.length > 1 ? 'es' : ''} ${names}: deleting it removes ${aliases.length > 1 ? 'them' : 'it'} too; ` +
            `pass --force to delete it anyway, or move the alias first ('plumb versions FILE tag ${aliases[0]} N')`,
        );
      }
      await store.deleteVersion(name, n);
      if (args.json) out.out(json({ ok: true, deleted: n }));
      else out.out(`deleted version ${n} of ${name}\n`);
      return EXIT.ok;
    }
    case 'tag': {
      const alias = rest[0];
      if (!alias) throw new UsageError(`'plumb versions FILE tag' needs an alias and a version`);
      const n = await store.resolve(name, ref(rest[1]));
      await store.tag(name, alias, n);
      if (args.json) out.out(json({ ok: true, alias, version: n }));
      else out.out(`${alias} → version ${n}\n`);
      return EXIT.ok;
    }
    case 'untag': {
      const alias = rest[0];
      if (!alias) throw new UsageError(`'plumb versions FILE untag' needs an alias`);
      await store.untag(name, alias);
      if (args.json) out.out(json({ ok: true, alias }));
      else out.out(`removed alias ${alias}\n`);
      return EXIT.ok;
    }
    case 'diff': {
      const d = await store.diffVersions(name, ref(rest[0], 'two versions'), ref(rest[1], 'two versions'));
      out.out(args.json ? json(d) : formatDiff(d));
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown versions subcommand '${sub}' (list, show, rm, tag, untag, diff)`);
  }
}

// ---- readable views (`--json` gives the documents themselves) -----------------------------

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const short = (text: string): string => JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);

/** A value on one line: scalars as they are, long structures cut short. */
function inline(value: Json | undefined): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return short(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  const text = JSON.stringify(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

function rows(pairs: Array<[string, string]>, indent = '  '): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}\n`).join('');
}

function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `plumb versions FILE show REF`: what the version is, its params, metrics, stages and artifacts. */
export function formatVersion(v: LoadedVersion): string {
  const m = v.manifest;
  let s = `${m.pipeline} version ${m.version}${m.aliases?.length ? `  [${m.aliases.join(', ')}]` : ''}\n`;
  s += rows([
    ['saved', when(m.time)],
    ['run', m.runId],
    ...(m.parent !== undefined ? ([['parent', `version ${m.parent}`]] as Array<[string, string]>) : []),
    ['file sha256', m.pipelineFileHash],
    ['data sha256', m.dataHash],
  ]);
  const params = m.params && typeof m.params === 'object' && !Array.isArray(m.params) ? Object.entries(m.params) : [];
  s += `params\n${params.length ? rows(params.map(([k, x]) => [k, inline(x)])) : '  (none)\n'}`;
  const metrics = Object.entries(m.metrics);
  s += `metrics\n${metrics.length ? rows(metrics.map(([k, x]) => [k, inline(x)])) : '  (none)\n'}`;
  const stages = (v.config as { stages?: Array<{ name: string; uses: string; section: string }> } | null)?.stages ?? [];
  if (stages.length) s += `stages\n${rows(stages.map((st) => [`${st.section} ${st.name}`, st.uses]))}`;
  const sizes = m.sizes as unknown as Record<string, number | undefined>;
  const objects = m.objects as unknown as Record<string, string | undefined>;
  s += `artifacts\n${rows(
    Object.keys(objects).map((a) => [a, `${bytes(sizes[a]).padStart(9)}  ${objects[a]!.slice(0, 12)}`]),
  )}`;
  return s;
}

/** `plumb versions FILE diff A B`: changed params, every metric with its delta, artifacts, lineage. */
export function formatDiff(d: VersionDiff): string {
  let s = `${d.pipeline}: version ${d.a} → version ${d.b}\n`;
  s += `params\n${d.params.length ? rows(d.params.map((c) => [c.key, `${inline(c.from)} → ${inline(c.to)}`])) : '  (no changes)\n'}`;
  const delta = (x: number | null): string => (x === null ? '' : `  (${x >= 0 ? '+' : ''}${Number(x.toPrecision(4))})`);
  s += `metrics\n${
    d.metrics.length
      ? rows(d.metrics.map((c) => [c.name, `${inline(c.from ?? undefined)} → ${inline(c.to ?? undefined)}${delta(c.delta)}`]))
      : '  (none)\n'
  }`;
  s += `artifacts\n${rows(d.objects.map((o) => [o.artifact, o.changed ? 'changed' : 'same']))}`;
  if (d.lineage.length) s += `lineage\n${rows(d.lineage.map((l) => [l.field, `${inline(l.from ?? undefined)} → ${inline(l.to ?? undefined)}`]))}`;
  return s;
}

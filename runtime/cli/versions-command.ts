// `plumb versions`: list, show, rm, tag, untag and diff saved versions.
import { UsageError, type CliArgs } from './args';
import { EXIT } from './args';
import { loadStore, json, type Out } from './shared';
import type { LoadedVersion, Store, VersionDiff } from '../store';
import { didYouMean } from '../spec/suggest';
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
      let versions = await store.listVersions(name);
      for (const m of [...(args.sort ? [args.sort] : []), ...args.metric]) checkMetric(m, versions, m === args.sort ? '--sort' : '--metric');
      if (args.sort) versions = sortByMetric(versions, args.sort);
      if (args.json) {
        out.out(json(versions));
      } else if (versions.length === 0) {
        out.out(`no versions of ${name} yet — run 'plumb run ${args.positionals[0]}' to train one\n`);
      } else {
        const varying = varyingParams(versions);
        for (const v of versions) {
          const when = new Date(v.time).toISOString().replace('T', ' ').slice(0, 19);
          const tags = v.aliases?.length ? `  [${v.aliases.join(', ')}]` : '';
          const names = args.metric.length ? args.metric : defaultMetrics(v, args.sort);
          const metrics = names.map((k) => `${k}=${typeof v.metrics?.[k] === 'number' ? v.metrics[k].toFixed(4) : '-'}`).join(' ');
          const params = paramsText(v, varying);
          out.out(`v${String(v.version).padEnd(5)} ${when}  run ${v.runId}  ${metrics}${params ? `  ${params}` : ''}${tags}\n`);
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

// ---- versions list: metrics and params ---------------------------------------------------

type Listed = Awaited<ReturnType<Store['listVersions']>>[number];

/** Metrics where lower is better; every other metric sorts highest first. */
const LOWER_IS_BETTER = /^(rmse|mse|mae|loss|log_?loss|.*_error|error)$/i;

function checkMetric(metric: string, versions: Listed[], flag: string): void {
  if (versions.length === 0 || versions.some((v) => typeof v.metrics?.[metric] === 'number')) return;
  const known = [...new Set(versions.flatMap((v) => Object.keys(v.metrics ?? {})))];
  throw new UsageError(`${flag} ${metric}: no version has a metric '${metric}'${didYouMean(metric, known) || ` (metrics: ${known.join(', ') || 'none'})`}`);
}

/** Best first by `metric`; versions without it go last, in version order. */
function sortByMetric(versions: Listed[], metric: string): Listed[] {
  const sign = LOWER_IS_BETTER.test(metric) ? 1 : -1;
  const value = (v: Listed): number | undefined => (typeof v.metrics?.[metric] === 'number' ? v.metrics[metric] : undefined);
  return [...versions].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return x === y ? a.version - b.version : x === undefined ? 1 : -1;
    return sign * (x - y) || a.version - b.version;
  });
}

/** The sort metric first, then the version's first others (loss is a series, not a score). */
function defaultMetrics(v: Listed, sort: string | undefined): string[] {
  const others = Object.keys(v.metrics ?? {}).filter((k) => k !== 'loss' && k !== sort && typeof v.metrics[k] === 'number');
  return sort ? [sort, ...others.slice(0, 2)] : others.slice(0, 3);
}

/** Params whose value differs between the listed versions (all of them when none do). */
function varyingParams(versions: Listed[]): string[] {
  const keys = [...new Set(versions.flatMap((v) => Object.keys(paramsOf(v))))];
  const varying = keys.filter((k) => new Set(versions.map((v) => JSON.stringify(paramsOf(v)[k]))).size > 1);
  return varying.length ? varying : keys;
}

function paramsOf(v: Listed): Record<string, Json> {
  const p = v.params;
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, Json>) : {};
}

function paramsText(v: Listed, keys: string[]): string {
  const text = keys.filter((k) => Object.hasOwn(paramsOf(v), k)).map((k) => `${k}=${inline(paramsOf(v)[k])}`).join(' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
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

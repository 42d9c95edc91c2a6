// `plumb versions`: list, show, rm, tag, untag and diff saved versions.
import { UsageError, type CliArgs } from './args';
import { EXIT } from './args';
import { loadSpec, json, type Out } from './shared';

export async function versionsCommand(args: CliArgs, out: Out): Promise<number> {
  const { spec, store } = await loadSpec(args);
  const [, sub = 'list', ...rest] = args.positionals;
  const name = spec.name;
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
      out.out(json(args.json ? v : { ...v.manifest, config: v.config, metrics: v.metrics }));
      return EXIT.ok;
    }
    case 'rm': {
      const n = await store.resolve(name, ref(rest[0]));
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
      out.out(json(d));
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown versions subcommand '${sub}' (list, show, rm, tag, untag, diff)`);
  }
}

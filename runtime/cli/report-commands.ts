// `plumb metrics` and `plumb trace`: read run records back from the store.
import { aggregateRuns, formatProfile, formatTrace, type RunRecord } from '../monitor';
import { StoreError } from '../errors';
import type { CliArgs } from './args';
import { EXIT } from './args';
import { loadStore, json, type Out } from './shared';

async function pickRun(args: CliArgs, out: Out): Promise<{ record: RunRecord; all: RunRecord[] }> {
  const { name, store } = await loadStore(args, out);
  const all = (await store.listRuns(name)) as unknown as RunRecord[];
  if (all.length === 0) throw new StoreError(`no runs of ${name} recorded yet — run 'plumb run' first`, 'not-found');
  if (args.run) {
    const record = (await store.getRun(name, args.run)) as unknown as RunRecord;
    return { record, all };
  }
  return { record: all[all.length - 1], all };
}

export async function metricsCommand(args: CliArgs, out: Out): Promise<number> {
  const { record, all } = await pickRun(args, out);
  const tty = Boolean(process.stdout.isTTY) && args.color;
  if (args.all) {
    const agg = aggregateRuns(all);
    out.out(args.json ? json(agg) : formatProfile(agg, { color: tty }) + '\n');
  } else {
    out.out(args.json ? json(record) : formatProfile(record, { color: tty }) + '\n');
  }
  return EXIT.ok;
}

export async function traceCommand(args: CliArgs, out: Out): Promise<number> {
  const { record } = await pickRun(args, out);
  const tty = Boolean(process.stdout.isTTY) && args.color;
  out.out(args.json ? json(record) : formatTrace(record, { color: tty, width: process.stdout.columns }) + '\n');
  return EXIT.ok;
}

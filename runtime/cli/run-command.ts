// `plumb run`: trains or serves a pipeline with live progress, Ctrl-C cancels cleanly.
import * as path from 'node:path';
import { runPipeline, StageFailure } from '../engine/run';
import { resolveStopAfter, runStages } from '../spec';
import { writeTable } from '../table/io';
import { UsageError, type CliArgs } from './args';
import { EXIT } from './args';
import { StoreError } from '../errors';
import { ProgressView } from './progress';
import { RunGuard } from './run-guard';
import { loadSpec, json, type Out } from './shared';

export async function runCommand(args: CliArgs, out: Out): Promise<number> {
  const mode = args.mode ?? 'train';
  if (mode !== 'train' && mode !== 'inference') throw new UsageError(`--mode must be 'train' or 'inference', not '${mode}'`);
  if (args.version !== undefined && mode !== 'inference') throw new UsageError(`--version only applies to --mode inference`);
  const { spec, store } = await loadSpec(args, { checkData: !args.data, mode, loadModules: true });
  // A name no stage has would otherwise run the whole pipeline; a sub-pipeline stage's
  // name means the last stage it includes.
  let stopAfter: string | undefined;
  if (args.stopAfter !== undefined) {
    try {
      stopAfter = resolveStopAfter(runStages(spec, mode), args.stopAfter, mode).stage;
    } catch (e) {
      throw new UsageError(`--stop-after: ${(e as Error).message}`);
    }
  }

  const tty = Boolean(process.stderr.isTTY) && !args.json;
  const view = args.json ? undefined : new ProgressView({ tty, color: tty && args.color, write: (s) => out.err(s), columns: process.stderr.columns });

  const abort = new AbortController();
  // `on`, not `once`: under `plumb run`'s supervisor a Ctrl-C can arrive twice (from the
  // terminal and passed on); both mean "cancel", and neither may kill the process.
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const guard = new RunGuard();
  guard.start();
  let result;
  try {
    result = await runPipeline(spec, {
      mode,
      version: args.version === undefined ? undefined : /^\d+$/.test(args.version) ? Number(args.version) : args.version,
      store,
      signal: abort.signal,
      data: args.data,
      stopAfter,
      onEvent: (e) => {
        guard.handle(e);
        view?.handle(e);
      },
    });
  } finally {
    guard.finish();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }

  if (result.status === 'ok' && args.out) {
    await writeTable(result.output, path.resolve(args.out));
    if (!args.json) out.err(`wrote ${result.output.rowCount} rows to ${args.out}\n`);
  }
  if (args.json) {
    out.out(
      json({
        ok: result.status === 'ok',
        status: result.status,
        runId: result.runId,
        version: result.version,
        metrics: result.metrics,
        error: result.error ? { name: result.error.name, message: result.error.message } : undefined,
        output: { rows: result.output.rowCount, columns: result.output.names },
        record: result.record,
      }),
    );
  } else if (result.status === 'ok') {
    const m = Object.entries(result.metrics)
      .filter(([k]) => k !== 'loss')
      .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
    if (m.length) out.err(`metrics: ${m.join(' · ')}\n`);
  } else if (result.status === 'cancelled') {
    const ref = result.error instanceof StageFailure ? result.error.ref : undefined;
    const where = ref ? `stage '${ref.stage}' (${ref.uses}, line ${ref.line}) was cancelled` : 'the run was cancelled';
    out.err(`plumb: interrupted: ${where}; no version saved\n`);
  } else if (result.error) {
    out.err(`plumb: ${result.error.message}\n`);
  }
  if (result.status === 'ok') return EXIT.ok;
  if (result.status === 'cancelled') return EXIT.interrupted;
  return result.error instanceof StoreError ? EXIT.store : EXIT.failed;
}

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
import { openForInference } from '../engine/pinned-code';

export async function runCommand(args: CliArgs, out: Out): Promise<number> {
  const mode = args.mode ?? 'train';
  if (mode !== 'train' && mode !== 'inference') throw new UsageError(`--mode must be 'train' or 'inference', not '${mode}'`);
  if (args.version !== undefined && mode !== 'inference') throw new UsageError(`--version only applies to --mode inference`);
  if (args.workingCopy && mode !== 'inference') throw new UsageError(`--working-copy only applies to --mode inference`);
  // Pinned inference replays the version's own spec, params and stage code: the working
  // copy's modules are not even loaded (their code does not run), and --set has nothing to change.
  const pinned = mode === 'inference' && !args.workingCopy;
  if (pinned && args.set.length > 0) {
    throw new UsageError(`--set changes params of the working copy, but inference replays the version's own params; add --working-copy to run the working copy with changed params`);
  }
  const loaded = await loadSpec(args, { checkData: !args.data, mode, loadModules: !pinned });
  const { store } = loaded;
  // The version's own spec, so --stop-after names the stages that will run.
  const spec = pinned ? (await openForInference(store, loaded.spec, { version: versionRef(args.version) })).spec : loaded.spec;
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
      version: versionRef(args.version),
      store,
      signal: abort.signal,
      data: args.data,
      stopAfter,
      workingCopy: args.workingCopy,
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
        ...(result.drift ? { drift: result.drift } : {}),
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

function versionRef(text: string | undefined): number | string | undefined {
  return text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : text;
}

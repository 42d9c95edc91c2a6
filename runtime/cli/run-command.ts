// `plumb run`: trains or serves a pipeline with live progress, Ctrl-C cancels cleanly.
import * as path from 'node:path';
import { runPipeline, StageFailure } from '../engine/run';
import { resolveStopAfter, runStages } from '../spec';
import { TABLE_EXTENSIONS, tableFormatOf, writeTable } from '../table/io';
import { UsageError, type CliArgs } from './args';
import { EXIT } from './args';
import { StoreError } from '../errors';
import { ProgressView } from './progress';
import { RunGuard } from './run-guard';
import { loadSpec, json, type Out } from './shared';
import { isUserStageRef } from '../stages/user';
import { stageFrames, stageLocation } from '../stages/user-stack';

export async function runCommand(args: CliArgs, out: Out): Promise<number> {
  const mode = args.mode ?? 'train';
  if (mode !== 'train' && mode !== 'inference') throw new UsageError(`--mode must be 'train' or 'inference', not '${mode}'`);
  if (args.version !== undefined && mode !== 'inference') throw new UsageError(`--version only applies to --mode inference`);
  // Refused before the run: after it, a training run would already have saved a version.
  if (args.out !== undefined && !tableFormatOf(args.out)) {
    const ext = path.extname(args.out);
    throw new UsageError(
      `--out ${args.out}: ${ext ? `'${ext}' is not a table format plumb writes` : 'no file extension to tell the table format'} (use ${TABLE_EXTENSIONS.join(', ')})`,
    );
  }
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
  const where = userStageError(result.error);
  if (args.json) {
    out.out(
      json({
        ok: result.status === 'ok',
        status: result.status,
        runId: result.runId,
        version: result.version,
        metrics: result.metrics,
        error: result.error ? { name: result.error.name, message: result.error.message, ...where } : undefined,
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
    out.err(`plumb: ${where?.location ? `${where.location}: ` : ''}${result.error.message}\n`);
    for (const frame of where?.stack ?? []) out.err(`    ${frame}\n`);
  }
  if (result.status === 'ok') return EXIT.ok;
  if (result.status === 'cancelled') return EXIT.interrupted;
  return result.error instanceof StoreError ? EXIT.store : EXIT.failed;
}

/**
 * For a user stage that threw: where in its module (`file:line:col`, source-mapped) and its
 * own stack frames. Built-in stages' messages already say what went wrong.
 */
function userStageError(error: Error | undefined): { location?: string; stack?: string[] } | undefined {
  if (!(error instanceof StageFailure) || !isUserStageRef(error.ref.uses)) return undefined;
  const stack = stageFrames(error.cause.stack);
  if (stack.length === 0) return undefined;
  return { location: stageLocation(stack), stack };
}

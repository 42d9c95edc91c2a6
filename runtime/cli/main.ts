// The `plumb` command: the same runtime the debugger uses, headless, for terminals and CI.
import * as path from 'node:path';
import { parseCli, HELP, UsageError, EXIT, type CliArgs } from './args';
import packageJson from '../../package.json';
import { runCommand } from './run-command';
import { versionsCommand } from './versions-command';
import { metricsCommand, traceCommand } from './report-commands';
import { loadSpec, type Out } from './shared';
import { validatePipeline } from '../spec';
import { formatDiagnostic, PipelineError, StoreError, DataError } from '../errors';
import { builtinStages } from '../stages/registry';
import { isSupervisedChild } from './supervise';
import { exitWhenFlushed, ignoreClosedOutput } from './program';


export async function main(argv: string[], out: Out): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (e) {
    out.err(`plumb: ${(e as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (args.showVersion) {
    out.out(`${packageJson.version}\n`);
    return EXIT.ok;
  }
  if (args.help || !args.command || args.command === 'help') {
    out.out(HELP);
    return args.command || args.help ? EXIT.ok : EXIT.usage;
  }
  try {
    switch (args.command) {
      case 'run':
        return await runCommand(args, out);
      case 'validate':
        return await validateCommand(args, out);
      case 'versions':
        return await versionsCommand(args, out);
      case 'metrics':
        return await metricsCommand(args, out);
      case 'trace':
        return await traceCommand(args, out);
      case 'gc':
        return await gcCommand(args, out);
      case 'stages':
        return stagesCommand(args, out);
      default:
        throw new UsageError(`unknown command '${args.command}' (commands: run, validate, versions, metrics, trace, gc, stages)`);
    }
  } catch (e) {
    return reportError(e, args, out);
  }
}

export function reportError(e: unknown, args: Pick<CliArgs, 'json'>, out: Out): number {
  const code =
    e instanceof UsageError ? EXIT.usage : e instanceof PipelineError ? EXIT.invalid : e instanceof StoreError ? EXIT.store : EXIT.failed;
  if (args.json) {
    const body: Record<string, unknown> = { ok: false, error: { name: (e as Error).name, message: (e as Error).message } };
    if (e instanceof PipelineError) body.diagnostics = e.diagnostics;
    out.out(JSON.stringify(body, null, 2) + '\n');
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    out.err(e instanceof PipelineError || e instanceof DataError ? `${msg}\n` : `plumb: ${msg}\n`);
    if (e instanceof UsageError) out.err(`Run 'plumb --help' for usage.\n`);
  }
  return code;
}

async function validateCommand(args: CliArgs, out: Out): Promise<number> {
  const file = requireFile(args);
  const diagnostics = await validatePipeline(file, { overrides: args.set });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (args.json) {
    out.out(JSON.stringify({ ok: errors.length === 0, file, diagnostics }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) out.err(formatDiagnostic(d) + '\n');
    if (errors.length === 0) out.err(`${path.relative(process.cwd(), file) || file}: valid\n`);
    else out.err(`${errors.length} error${errors.length === 1 ? '' : 's'}\n`);
  }
  return errors.length === 0 ? EXIT.ok : EXIT.invalid;
}

async function gcCommand(args: CliArgs, out: Out): Promise<number> {
  const { store } = await loadSpec(args);
  const r = await store.gc();
  if (args.json) out.out(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
  else out.out(`removed ${r.removedObjects} object(s), freed ${r.freedBytes} bytes, kept ${r.keptObjects}\n`);
  return EXIT.ok;
}

function stagesCommand(args: CliArgs, out: Out): number {
  const list = [...builtinStages.values()].map((s) => ({ type: s.type, kind: s.kind, summary: s.summary, params: s.params }));
  if (args.json) out.out(JSON.stringify(list, null, 2) + '\n');
  else for (const s of list) out.out(`${s.type.padEnd(24)} ${s.kind.padEnd(9)} ${s.summary}\n`);
  return EXIT.ok;
}

export function requireFile(args: CliArgs): string {
  const f = args.positionals[0];
  if (!f) throw new UsageError(`'plumb ${args.command}' needs a pipeline file`);
  return path.resolve(f);
}

/**
 * The command itself, as a program: output to stdout/stderr, and the process exits when done.
 * dist/cli.js (entry.ts) calls this for every command but a supervised `plumb run`, and in the
 * run process it supervises.
 */
export function runProgram(argv: string[]): void {
  ignoreClosedOutput();
  const out: Out = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  };
  // A run whose supervising `plumb` was killed (kill -9, a CI job cancelled) has nobody to
  // report to and nobody to stop it: it stops itself rather than run on as an orphan.
  if (isSupervisedChild()) process.on('disconnect', () => {
    process.stderr.write('plumb: the supervising plumb process is gone; stopping the run\n');
    process.exit(EXIT.interrupted);
  });
  main(argv, out).then(
    (code) => exitWhenFlushed(code),
    (e) => {
      process.stderr.write(`plumb: internal error: ${(e as Error).stack ?? e}\n`);
      exitWhenFlushed(EXIT.failed);
    },
  );
}


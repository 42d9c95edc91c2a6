// dist/cli.js, the `plumb` program. Kept small: a `plumb run` is supervised from here (see
// supervise.ts), and that process needs only the argument parser, not the runtime; the
// runtime and the commands (dist/cli-main.js, from main.ts) load only where they run. Both
// processes of a `plumb run` used to load the whole 1.6 MB bundle before anything happened.
import { parseCli, EXIT, type CliArgs } from './args';
import { isSupervisedChild, superviseRun } from './supervise';
import { exitWhenFlushed, ignoreClosedOutput } from './program';

/** The parsed args when this is a `plumb run` that needs a supervisor, else undefined. */
function supervisable(argv: string[]): CliArgs | undefined {
  try {
    const args = parseCli(argv);
    return args.command === 'run' && !args.help && !args.showVersion && args.positionals.length > 0 ? args : undefined;
  } catch {
    return undefined; // main() reports the usage error
  }
}

const argv = process.argv.slice(2);
const supervised = !isSupervisedChild() && supervisable(argv);
if (supervised) {
  ignoreClosedOutput();
  superviseRun(argv, supervised, process.argv[1]).then(
    (code) => exitWhenFlushed(code),
    (e) => {
      process.stderr.write(`plumb: internal error: ${(e as Error).stack ?? e}\n`);
      exitWhenFlushed(EXIT.failed);
    },
  );
} else {
  // A variable, so esbuild leaves the bundle beside this one to be loaded at run time.
  const commands = './cli-main.js';
  (require(commands) as typeof import('./main')).runProgram(argv);
}

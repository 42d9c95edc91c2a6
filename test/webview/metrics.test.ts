// The metrics page in headless Chromium: the built bundle (dist/media/metrics.js) in the
// HTML shell the extension itself generates, served from 127.0.0.1, fed real run records
// (a fixture pipeline run twice through runPipeline) as the typed host message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { loadPipeline, runPipeline, Store } from '../../runtime/index';
import { metricsHtml } from '../../src/metrics/html';
import type { RunRecord } from '../../runtime/monitor/record';
import type { HostMessage } from '../../src/metrics/messages';
import { historyMessage, isRunRecord } from '../../src/metrics/messages';
import { workspace, type Workspace } from '../engine/fixture';

const DIST = path.resolve(__dirname, '../../dist/media');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.resolve(__dirname, '../../test-output');
const NONCE = 'testNonce0123456789';

// VS Code's Dark Modern values for the variables the page reads (VS Code injects them).
const DARK_THEME: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-sideBar-background': '#181818',
  '--vscode-widget-border': '#313131',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-dropdown-background': '#313131',
  '--vscode-errorForeground': '#f85149',
};

// Page-side code goes in as strings: the test's own functions are compiled by tsx, whose
// helpers (e.g. __name) do not exist in the page.
function initScript(theme: Record<string, string>, savedState?: unknown): string {
  return `(() => {
    window.__posted = [];
    window.__violations = [];
    // What the webview kept across a reload (VS Code hands it back through getState).
    let saved = ${JSON.stringify(savedState ?? null)} ?? undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(m),
      getState: () => saved,
      setState: (s) => { saved = s; },
    });
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    const theme = ${JSON.stringify(theme)};
    // Like VS Code: the theme variables are set on <html> through the CSSOM, once it exists.
    const apply = () => {
      if (!document.documentElement) return false;
      for (const k of Object.keys(theme)) document.documentElement.style.setProperty(k, theme[k]);
      return true;
    };
    if (!apply()) new MutationObserver((_, o) => { if (apply()) o.disconnect(); }).observe(document, { childList: true });
  })();`;
}

function post(page: import('playwright-core').Page, m: HostMessage): Promise<unknown> {
  return page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
}

let ws: Workspace;
let browser: Browser;
let server: http.Server;
let remote: http.Server;
let remoteHits = 0;
let origin = '';
let remoteOrigin = '';
let history: Extract<HostMessage, { type: 'history' }>;
let records: RunRecord[];

function listen(s: http.Server): Promise<string> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'metrics.js')), 'dist/media/metrics.js is built (npm run build)');
  ws = workspace(undefined, 300);
  const spec = await loadPipeline(ws.file);
  await runPipeline(spec, { mode: 'train' });
  await runPipeline(await loadPipeline(ws.file, { overrides: ['epochs=60'] }), { mode: 'train' });
  const store = new Store(spec.store);
  const runs = (await store.listRuns('toy')) as unknown[];
  const versions = await store.listVersions('toy');
  records = runs.filter(isRunRecord).sort((a, b) => a.start - b.start);
  // What the host sends: both runs summarised, the newest also in full.
  history = historyMessage('toy', records, versions.map((v) => ({ version: v.version, time: v.time, metrics: v.metrics, aliases: v.aliases ?? [] })));
  assert.equal(history.runs.length, 2);
  assert.deepEqual(history.details?.map((r) => r.runId), [records[1].runId]);

  server = http.createServer((req, res) => {
    const file = req.url === '/metrics.js' ? 'metrics.js' : req.url === '/metrics.css' ? 'metrics.css' : undefined;
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(metricsHtml({ cspSource: origin, scriptUri: `${origin}/metrics.js`, styleUri: `${origin}/metrics.css`, nonce: NONCE }));
    } else if (file) {
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(fs.readFileSync(path.join(DIST, file)));
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
  remote = http.createServer((_req, res) => {
    remoteHits++;
    res.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  origin = await listen(server);
  remoteOrigin = await listen(remote);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  server?.close();
  remote?.close();
  ws?.cleanup();
});

test('the page draws every chart from real run records, with no console errors, and the CSP holds', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1100 }, colorScheme: 'dark' });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript({ content: initScript(DARK_THEME) });

  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string; runId?: string }[] }).__posted.some((m) => m.type === 'ready'));
  await post(page, history);
  await page.waitForSelector('.uplot canvas');

  const titles = await page.$$eval('.card h2', (hs) => hs.map((h) => h.firstChild?.textContent ?? ''));
  for (const t of ['Stage duration', 'Rows through stages', 'Retries, errors, warnings', 'Run duration history', 'accuracy per version']) {
    assert.ok(titles.includes(t), `chart "${t}" in ${JSON.stringify(titles)}`);
  }
  assert.ok(titles.some((t) => /fit · /.test(t)), `a custom metric series chart in ${JSON.stringify(titles)}`);
  const canvases = await page.$$eval('.uplot canvas', (cs) => cs.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]));
  assert.ok(canvases.length >= 6, `canvases: ${canvases.length}`);
  assert.ok(canvases.every(([w, h]) => w > 100 && h > 100));
  // The run selector lists both runs, newest first.
  assert.deepEqual(await page.$$eval('#run option', (os) => os.length), 2);
  // Reading the data has its own line, and leads the stage duration bars.
  const dataLine = await page.$eval('.data-load', (p) => p.textContent ?? '');
  assert.match(dataLine, /^Data: train\.csv · 300 rows × 4 columns · [\d.]+ MB · \S+ m?s · [\d.]+ MB\/s$/);
  assert.equal(records[1].data?.rows, 300);

  // A live record replaces the view and is followed.
  const live = structuredClone(records[1]);
  live.runId = 'live-run';
  live.status = 'running';
  await post(page, { type: 'live', run: live });
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('● live'));

  await page.screenshot({ path: path.join((fs.mkdirSync(OUT, { recursive: true }), OUT), 'metrics-dark.png'), fullPage: true });
  assert.deepEqual(problems, []);

  // CSP: an inline script without the nonce does not run; a remote image is not fetched.
  const ran = await page.evaluate(`(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.append(s);
    const img = document.createElement('img');
    img.src = '${remoteOrigin}/pixel.png';
    document.body.append(img);
    const ext = document.createElement('script');
    ext.src = '${remoteOrigin}/evil.js';
    document.body.append(ext);
    await new Promise((r) => setTimeout(r, 300));
    return window.__injected === true;
  })()`);
  assert.equal(ran, false, 'inline script without nonce must not run');
  assert.equal(remoteHits, 0, 'no request reached the other origin');
  const violations = (await page.evaluate('window.__violations')) as string[];
  assert.ok(violations.some((v) => v.startsWith('script-src') && v.includes('inline')), JSON.stringify(violations));
  assert.ok(violations.some((v) => v.startsWith('img-src') && v.includes(remoteOrigin)), JSON.stringify(violations));
  assert.ok(violations.some((v) => v.startsWith('script-src') && v.includes(remoteOrigin)), JSON.stringify(violations));
  await page.close();
});

test('an older run is drawn from its summary at once, then in full when the host sends its record', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript({ content: initScript({}) });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string; runId?: string }[] }).__posted.some((m) => m.type === 'ready'));
  await post(page, history);
  await page.waitForSelector('.uplot canvas');
  const titles = () => page.$$eval('.card h2', (hs) => hs.map((h) => h.firstChild?.textContent ?? ''));
  assert.ok((await titles()).some((t) => /fit · /.test(t)), 'the newest run is drawn in full');

  // Pick the older run: its stage charts come from the summary, and the page asks for the rest.
  const older = records[0];
  await page.selectOption('#run', older.runId);
  await page.waitForFunction((id) => (window as unknown as { __posted: { type: string; runId?: string }[] }).__posted.some((m) => m.type === 'selected' && m.runId === id), older.runId);
  await page.waitForSelector('.loading');
  const partial = await titles();
  for (const t of ['Stage duration', 'Rows through stages', 'Retries, errors, warnings']) assert.ok(partial.includes(t), `"${t}" in ${JSON.stringify(partial)}`);
  assert.ok(!partial.some((t) => /fit · /.test(t)), 'no metric series before the record arrives');
  const stageBars = await page.$eval('.uplot', (u) => u.closest('.card')?.querySelector('.note')?.textContent ?? '');
  assert.match(stageBars, /^total /);

  // A record of another run changes nothing on screen; the selected one's draws its series.
  await post(page, { type: 'run', run: records[1] });
  await page.waitForTimeout(100);
  assert.ok(await page.$('.loading'), 'still waiting for the selected run');
  await post(page, { type: 'run', run: older });
  await page.waitForFunction(() => !document.querySelector('.loading'));
  assert.ok((await titles()).some((t) => /fit · /.test(t)), 'the older run is now drawn in full');
  assert.equal(await page.$eval('#run', (s) => (s as HTMLSelectElement).value), older.runId);

  // The saved state holds summaries, not every full record.
  const saved = (await page.evaluate('window.acquireVsCodeApi().getState()')) as { runs: object[]; details: { runId: string }[] };
  assert.equal(saved.runs.length, 2);
  assert.ok(saved.runs.every((r) => !('format' in r)), 'runs are kept as summaries');
  assert.deepEqual(saved.details.map((d) => d.runId).sort(), records.map((r) => r.runId).sort());
  assert.deepEqual(problems, []);
  await page.close();
});

test('a table message shows the column statistics', async () => {
  const page = await browser.newPage();
  await page.addInitScript({ content: initScript({}) });
  await page.goto(`${origin}/`);
  await post(page, {
    type: 'table',
    table: { title: 'input', shape: '300 rows × 4 columns', header: ['column', 'type', 'missing'], rows: [['x', 'number', '18'], ['plan', 'category', '0']] },
  });
  await page.waitForSelector('table.stats');
  assert.deepEqual(await page.$$eval('table.stats tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent))), [
    ['column', 'type', 'missing'],
    ['x', 'number', '18'],
    ['plan', 'category', '0'],
  ]);
  await page.close();
});

// Pixels of a colour in the first chart (the stage-duration bars), read from its canvas.
const countColour = (page: import('playwright-core').Page, test: string): Promise<number> =>
  page.evaluate(`(() => {
    const c = document.querySelector('.uplot canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) { const r = d[i], g = d[i + 1], b = d[i + 2], a = d[i + 3]; if (${test}) n++; }
    return n;
  })()`) as Promise<number>;
const MAGENTA = 'r > 200 && g < 60 && b > 200 && a > 100';

test('a colour theme change redraws the charts in the new colours, with no message from the host', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript({ content: initScript(DARK_THEME) });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await post(page, history);
  await page.waitForSelector('.uplot canvas');
  assert.equal(await countColour(page, MAGENTA), 0, 'no magenta in the dark theme');
  assert.ok((await countColour(page, 'Math.abs(r - 0x37) < 8 && Math.abs(g - 0x94) < 8 && Math.abs(b - 0xff) < 8 && a > 100')) > 0, 'the bars are in charts.blue');

  // What VS Code does on a theme change: new variables on <html>, a new class on <body>.
  await page.evaluate(`(() => {
    document.documentElement.style.setProperty('--vscode-charts-blue', '#ff00ff');
    document.documentElement.style.setProperty('--vscode-foreground', '#1f1f1f');
    document.body.className = 'vscode-light';
  })()`);
  // Polled from here: the page's CSP forbids the string evaluation waitForFunction would use.
  for (const end = Date.now() + 5000; (await countColour(page, MAGENTA)) === 0 && Date.now() < end; ) await page.waitForTimeout(50);
  assert.ok((await countColour(page, MAGENTA)) > 0, 'the bars are redrawn in the new charts.blue');
  assert.equal(await countColour(page, 'Math.abs(r - 0x37) < 8 && Math.abs(g - 0x94) < 8 && Math.abs(b - 0xff) < 8 && a > 100'), 0, 'no bar left in the old blue');
  assert.deepEqual(problems, []);
  await page.close();
});

test('messages that are not the host’s typed messages are ignored', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript({ content: initScript({}) });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  for (const bad of [null, 'history', { type: 'live' }, { type: 'live', run: { runId: 'x' } }, { type: 'history', pipeline: 'toy' }, { type: 'table', table: {} }, { type: 'run', run: null }]) {
    await page.evaluate(`window.postMessage(${JSON.stringify(bad)}, '*')`);
  }
  await page.waitForTimeout(100);
  assert.deepEqual(problems, []);
  assert.equal(await page.evaluate('window.acquireVsCodeApi().getState()'), undefined, 'nothing was kept');
  assert.equal(await page.$$eval('#run option', (os) => os.length), 0);
  // The real thing still works.
  await post(page, history);
  await page.waitForSelector('.uplot canvas');
  await page.close();
});

test('a reloaded page draws at once from its saved state, before the host answers', async () => {
  const first = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
  await first.addInitScript({ content: initScript({}) });
  await first.goto(`${origin}/`);
  await first.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await post(first, history);
  await post(first, { type: 'table', table: { title: 'input', shape: '300 rows × 4 columns', header: ['column', 'type'], rows: [['x', 'number']] } });
  await first.waitForSelector('table.stats');
  await first.selectOption('#run', records[0].runId);
  await post(first, { type: 'run', run: records[0] });
  await first.waitForFunction(() => !document.querySelector('.loading'));
  const saved = await first.evaluate('window.acquireVsCodeApi().getState()');
  await first.close();

  // The panel comes back (hidden, then shown): a fresh page, the saved state, no host message.
  const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript({ content: initScript({}, saved) });
  await page.goto(`${origin}/`);
  await page.waitForSelector('.uplot canvas');
  assert.equal(await page.textContent('#title'), 'toy — metrics');
  assert.equal(await page.$eval('#run', (s) => (s as HTMLSelectElement).value), records[0].runId, 'the run the user picked');
  assert.equal(await page.$$eval('#run option', (os) => os.length), 2);
  const titles = await page.$$eval('.card h2', (hs) => hs.map((h) => h.firstChild?.textContent ?? ''));
  assert.ok(titles.includes('input'), 'the table is back');
  assert.ok(titles.some((t) => /fit · /.test(t)), `the picked run in full: ${JSON.stringify(titles)}`);
  assert.ok(titles.includes('Run duration history'));
  assert.deepEqual(await page.evaluate('window.__posted'), [{ type: 'ready' }], 'it only said it is ready');
  assert.deepEqual(problems, []);
  await page.close();
});

// End to end in a real VS Code workbench (code-server + Debian's chromium): the
// packaged extension, the example pipeline, F5 with a gutter breakpoint, the Variables
// view, a breakpoint inside a sub-pipeline, the version sidebar and the metrics panel, in
// the order a user meets them; then the same extension in Restricted Mode, and
// `npm run studio` started and stopped the way a user does.
//
//   node --import tsx --test test/e2e/workbench.e2e.ts
//
// Not part of `npm test` (the file name skips the *.test.ts filter): it needs chromium
// and a one-time toolchain install (see toolchain.ts). A screenshot of every step goes
// to test-output/e2e/; a failing step also saves <step>-FAILED.png and puts what the UI
// showed into the error. PLUMB_E2E_VSIX=path skips `npm run package` and uses that file;
// PLUMB_E2E_KEEP=1 keeps the temp workspace (its .plumb store) for a look afterwards.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Frame, Locator } from 'playwright-core';
import { copyExampleWorkspace, REPO_ROOT, SUB_PIPELINE, type ExampleWorkspace } from './example-workspace';
import { launchBrowser, WorkbenchUI } from './ui';
import { ensureToolchain, freePort, startWorkbench, type Workbench } from './workbench';

const SHOTS = path.join(REPO_ROOT, 'test-output', 'e2e');
const PIPELINE = 'penguins.pipeline.yaml';
const VERSION_SCHEME = 'plumb-version:';
const STEP_TIMEOUT = 3 * 60_000;
/** First run: npm installs code-server (native builds) and Node 24; later runs reuse them. */
const SETUP_TIMEOUT = 20 * 60_000;
const SIDEBAR_TREE = '.part.sidebar .monaco-list';

let ws: ExampleWorkspace;
let wb: Workbench | undefined;
let browser: Browser | undefined;
let ui: WorkbenchUI;
let editor: Locator;
let stepNo = 0;
let broken: string | undefined;

/** Runs one step: skipped after an earlier failure; screenshot on success and failure. */
async function step(t: TestContext, name: string, body: () => Promise<void>): Promise<void> {
  const id = `${String(++stepNo).padStart(2, '0')}-${name}`;
  if (broken) return t.skip(`an earlier step failed (${broken})`);
  try {
    await body();
    await ui.screenshot(path.join(SHOTS, `${id}.png`));
  } catch (e) {
    broken = id;
    const shot = path.join(SHOTS, `${id}-FAILED.png`);
    await ui.screenshot(shot).catch(() => undefined);
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `step ${id} failed: ${err.message}\nscreenshot: ${shot}\n${await ui.uiText()}`;
    throw err;
  }
}

/** Saves an extra screenshot inside a step. */
const shot = (name: string) => ui.screenshot(path.join(SHOTS, `${String(stepNo).padStart(2, '0')}-${name}.png`));

function packageExtension(): string {
  if (process.env.PLUMB_E2E_VSIX) return path.resolve(process.env.PLUMB_E2E_VSIX);
  const r = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return path.join(REPO_ROOT, 'plumb.vsix');
}

async function timed<T>(what: string, body: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  const result = await body();
  process.stderr.write(`[e2e] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return result;
}

let vsix: string;

// The toolchain (a first install takes minutes) and the .vsix, shared by every block below.
before(async () => {
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  await timed('toolchain (code-server, Node 24)', () => ensureToolchain());
  vsix = await timed('npm run package', () => packageExtension());
}, { timeout: SETUP_TIMEOUT });

describe('Plumb in a real VS Code workbench', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    ws = copyExampleWorkspace();
    wb = await startWorkbench({ workspace: ws.dir, vsix });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(30_000);
    ui = new WorkbenchUI(page);
    await timed('workbench open', () => ui.open(wb!.url));
  });

  after(async () => {
    await browser?.close();
    await wb?.stop();
    if (process.env.PLUMB_E2E_KEEP) process.stderr.write(`[e2e] kept the workspace ${ws?.dir}\n`);
    else ws?.remove();
  });

  it('highlights the pipeline, shows no problems, and flags a broken edit on its line', { timeout: STEP_TIMEOUT }, async (t) => {
    await step(t, 'highlighting', async () => {
      editor = await ui.openFile(PIPELINE);
      // CodeLens above the stages: the extension is active and its providers answer.
      await editor.locator('.codelens-decoration', { hasText: 'Run to here' }).first().waitFor({ timeout: 60_000 });

      const stageName = editor.locator('.view-line span span', { hasText: /^impute_numbers$/ });
      const plain = editor.locator('.view-line span span.mtk1').first();
      const [nameColour, plainColour] = await Promise.all([stageName.evaluate((e) => getComputedStyle(e).color), plain.evaluate((e) => getComputedStyle(e).color)]);
      assert.notEqual(nameColour, plainColour, 'a stage name is coloured like plain text');
      const modulePath = editor.locator('.view-line span span', { hasText: /^\.\/stages\/clean\.ts$/ });
      assert.match((await modulePath.getAttribute('class')) ?? '', /\bmtku\b/, 'a stage module path is not underlined');

      // The scopes behind the colours come from Plumb's grammar.
      await stageName.click();
      await ui.runCommand('Developer: Inspect Editor Tokens and Scopes');
      const inspect = ui.page.locator('.token-inspect-widget');
      await inspect.waitFor();
      const scopes = await inspect.innerText();
      assert.match(scopes, /entity\.name\.function\.stage\.plumb/, `stage name scopes:\n${scopes}`);
      assert.match(scopes, /source\.plumb-pipeline/);
      await shot('token-scopes');
      await ui.page.keyboard.press('Escape');
      await inspect.waitFor({ state: 'hidden' });
      assert.equal(await ui.statusText('status.problems'), 'No Problems');
    });

    await step(t, 'diagnostic', async () => {
      const line = ws.lineOf('uses: standard-scale');
      await editor.locator('.view-line span span', { hasText: /^standard-scale$/ }).click();
      await ui.page.keyboard.press('End');
      await ui.page.keyboard.type('r');
      // The squiggle sits on the edited line, and the Problems panel names that line.
      const top = await ui.lineTop(editor, line);
      await ui.poll(`an error squiggle on line ${line}`, async () =>
        (await editor.locator('.squiggly-error').evaluateAll((els) => els.map((e) => (e.parentElement as HTMLElement).style.top))).includes(top),
      );
      assert.equal(await ui.statusText('status.problems'), 'Errors: 1');
      await ui.page.keyboard.press('Control+Shift+M');
      const problem = ui.page.locator('.markers-panel .monaco-list-row', { hasText: `[Ln ${line}, Col` });
      await problem.waitFor();
      assert.match(await problem.innerText(), /unknown stage type 'standard-scaler'.*did you mean 'standard-scale'/s);
      // F8 opens the inline error peek on that line, as a user would read it.
      await ui.page.keyboard.press('Control+1');
      await ui.page.keyboard.press('F8');
      await ui.page.locator('.marker-widget', { hasText: "unknown stage type 'standard-scaler'" }).waitFor();
      await shot('diagnostic-peek');
      await ui.page.keyboard.press('Escape');

      await ui.page.keyboard.press('Control+Z');
      await ui.poll('the Problems count back to 0 after undo', async () => (await ui.statusText('status.problems')) === 'No Problems');
      await ui.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
      await ui.page.keyboard.press('Control+J'); // hide the panel again
    });
  });

  it('stops at a gutter breakpoint on F5, shows frames and the Input table, steps and continues', { timeout: STEP_TIMEOUT }, async (t) => {
    const bpLine = ws.lineOf('stage: impute_numbers');
    const nextLine = ws.lineOf('stage: impute_categories');

    await step(t, 'breakpoint', async () => {
      await ui.page.keyboard.press('Control+Home');
      await ui.clickGutter(editor, bpLine);
      await ui.waitForGlyph(editor, 'codicon-debug-breakpoint', bpLine);
    });

    await step(t, 'stopped-on-breakpoint', async () => {
      await ui.page.keyboard.press('F5');
      await ui.page.locator('.debug-toolbar').waitFor({ timeout: 60_000 });
      await ui.waitForGlyph(editor, 'codicon-debug-stackframe', bpLine, 90_000);
      const header = ui.page.locator('.pane-header', { has: ui.page.locator('text=Call Stack') });
      await ui.poll('"Paused on breakpoint" in the Call Stack header', async () => /breakpoint/i.test(await header.innerText()));

      // Section and pipeline frames are de-emphasised: VS Code folds them (once the rest of
      // the stack has loaded) into a "Show 2 More Stack Frames" row until asked.
      const more = ui.page.locator('.debug-call-stack .monaco-list-row', { hasText: /^Show \d+ More Stack Frames?$/ });
      const expected = [`impute_numbers · impute, line ${bpLine}`, `feature, line ${ws.lineOf('feature:')}`, `penguins (train), line ${ws.lineOf('pipeline: penguins')}`];
      await ui.poll(`frames ${expected.join(' / ')}`, async () => {
        if (await more.count()) await more.click();
        const frames = await ui.rows('.debug-call-stack');
        return expected.every((f, i) => frames[i]?.startsWith(`Stack Frame ${f},`));
      });
    });

    await step(t, 'variables-expanded', async () => {
      const scope = ui.row('.debug-variables', 'Scope Input');
      await scope.waitFor();
      if ((await scope.getAttribute('aria-expanded')) !== 'true') await scope.click();
      const input = ui.row('.debug-variables', 'input, value');
      await input.waitFor();
      assert.match((await input.getAttribute('aria-label')) ?? '', /^input, value 344 rows × 8 columns$/);
      await input.click();
      const columns = ui.row('.debug-variables', 'columns, value');
      await columns.waitFor();
      await columns.click();
      await ui.row('.debug-variables', 'Beak Ratio, value').waitFor();
      const names = (await ui.page.locator('.debug-variables .monaco-list-row[aria-level="4"]').evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label') ?? '')))
        .map((l) => l.split(', value')[0]);
      assert.deepEqual(names, ['Species', 'Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex', 'Beak Ratio']);
      assert.match((await ui.row('.debug-variables', 'Sex, value').getAttribute('aria-label')) ?? '', /category · 2 values · 11 missing/);
    });

    await step(t, 'step-over', async () => {
      await ui.page.keyboard.press('F10');
      await ui.waitForGlyph(editor, 'codicon-debug-stackframe', nextLine);
      await ui.poll('impute_categories on top of the Call Stack', async () => /^Stack Frame impute_categories\b/.test((await ui.rows('.debug-call-stack'))[0] ?? ''));
    });

    await step(t, 'sub-pipeline-breakpoint', async () => {
      // A breakpoint in the included file stops there, under a frame for the including stage.
      await ui.openFile(path.basename(SUB_PIPELINE));
      // The visible one: VS Code may keep another, hidden editor on the same file.
      const sub = ui.page.locator(`.monaco-editor[data-uri$="/${SUB_PIPELINE}"]`).filter({ visible: true }).first();
      const subText = fs.readFileSync(ws.subPipelineFile, 'utf8').split('\n');
      const subLine = subText.findIndex((l) => l.includes('stage: require_categories')) + 1;
      // Its CodeLens shifts the lines down when it arrives: let it settle before clicking.
      await sub.locator('.codelens-decoration', { hasText: 'Run to here' }).first().waitFor({ timeout: 60_000 });
      await ui.clickGutter(sub, subLine);
      await ui.waitForGlyph(sub, 'codicon-debug-breakpoint', subLine);
      await ui.page.keyboard.press('F5');
      await ui.waitForGlyph(sub, 'codicon-debug-stackframe', subLine, 60_000);
      const more = ui.page.locator('.debug-call-stack .monaco-list-row', { hasText: /^Show \d+ More Stack Frames?$/ });
      const expected = [
        `prep/require_categories · drop-missing, line ${subLine}`,
        `prep · ./shared/prep.pipeline.yaml, line ${ws.lineOf('stage: prep')}`,
        `feature, line ${ws.lineOf('feature:')}`,
        `penguins (train), line ${ws.lineOf('pipeline: penguins')}`,
      ];
      let frames: string[] = [];
      await ui.poll(`frames ${expected.join(' / ')}`, async () => {
        if (await more.count()) await more.click();
        frames = await ui.rows('.debug-call-stack');
        return expected.every((f, i) => frames[i]?.startsWith(`Stack Frame ${f},`));
      }).catch((e) => {
        throw new Error(`${(e as Error).message}\nCall Stack rows:\n${frames.join('\n')}`);
      });
      await shot('sub-pipeline-stopped');
      // The group frame opens the including line in the main pipeline.
      await ui.page.locator('.debug-call-stack .monaco-list-row', { hasText: 'prep · ./shared/prep.pipeline.yaml' }).click();
      await ui.waitForGlyph(editor, 'codicon-debug-stackframe-focused', ws.lineOf('stage: prep'));
    });

    await step(t, 'continue-to-end', async () => {
      await ui.page.keyboard.press('F5');
      await ui.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 90_000 });
      assert.match(await ui.page.locator('.part.panel').innerText(), /\[split\] 258 train rows, 86 test rows/, 'the run did not reach the training stages');
      assert.deepEqual(await ui.errorToasts(), [], 'error notifications while debugging');
    });
  });

  it('lists the new version in the Plumb sidebar, opens an artifact and compares versions', { timeout: STEP_TIMEOUT }, async (t) => {
    await step(t, 'sidebar-version', async () => {
      await ui.page.locator('.activitybar .action-item a[aria-label="Plumb"], .activitybar .action-item[aria-label="Plumb"]').first().click();
      const v1 = ui.row('.part.sidebar', 'v1 of penguins');
      await v1.waitFor();
      assert.match(await v1.innerText(), /accuracy 0\.\d+/);
    });

    await step(t, 'artifact', async () => {
      await ui.row('.part.sidebar', 'v1 of penguins').click();
      const config = ui.row('.part.sidebar', 'config');
      await config.waitFor();
      await config.click();
      const doc = ui.editor(`${VERSION_SCHEME}/penguins/v1/config.json`);
      await doc.locator('.view-lines').waitFor();
      await ui.poll('the config JSON in the editor', async () => /"pipeline":\s*"penguins"/.test(await doc.locator('.view-lines').innerText()));
      assert.equal(await ui.statusText('status.editor.mode'), 'JSON');
    });

    await step(t, 'compare', async () => {
      // A second version, through the editor title's Run button (no debugger).
      await ui.activateTab(PIPELINE);
      await ui.page.locator('.editor-actions a.action-label[aria-label^="Run Pipeline"]').first().click();
      await ui.recordMutations(SIDEBAR_TREE);
      const v2 = ui.row('.part.sidebar', 'v2 of penguins');
      await v2.waitFor({ timeout: 90_000 });
      // v2 shows up with a first refresh of the tree (the store watcher, or the session's
      // end), and a second refresh follows ~300 ms later (the other of the two, debounced
      // separately): it re-renders every row (~270 DOM mutations, seen in a traced run),
      // and an inline action hovered and clicked in between is lost. So wait for the
      // session to end (no run in the status bar, no debug toolbar), then for the tree to
      // stop changing, and click once.
      await ui.poll('the run to end', async () => (await ui.page.locator('.statusbar-item[id$=".plumb.run"]:visible, .debug-toolbar:visible').count()) === 0, 90_000);
      await ui.quietFor(SIDEBAR_TREE, 1500);
      await v2.hover();
      await v2.locator('.action-label[aria-label="Compare with Previous Version"]').click();
      const diff = ui.page.locator('.monaco-diff-editor');
      await diff.waitFor({ timeout: 15_000 });
      await diff.locator(`.monaco-editor[data-uri^="${VERSION_SCHEME}/penguins/v1/version.json"]`).waitFor();
      await diff.locator(`.monaco-editor[data-uri^="${VERSION_SCHEME}/penguins/v2/version.json"]`).waitFor();
      await ui.poll('changed lines in the diff', async () => (await diff.locator('.line-insert, .char-insert').count()) > 0);
    });
  });

  it('draws the metrics panel charts', { timeout: STEP_TIMEOUT }, async (t) => {
    await step(t, 'metrics-panel', async () => {
      await ui.activateTab(PIPELINE);
      const before = ui.console.length;
      await ui.runCommand('Plumb: Show Metrics Panel');
      const hasCharts = (f: Frame) => f.evaluate(() => document.querySelectorAll('#charts .uplot canvas').length >= 4);
      const frame = await ui.frameWhere('the metrics webview with uPlot charts', hasCharts, 60_000);
      // Drawn, not just created: every chart canvas has painted pixels.
      await ui.poll('painted chart canvases', () =>
        frame.evaluate(() =>
          [...document.querySelectorAll<HTMLCanvasElement>('#charts .uplot canvas')].every((c) => {
            if (!c.width || !c.height) return false;
            const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
            return false;
          }),
        ),
      );
      const text = await frame.evaluate(() => document.body.innerText);
      assert.match(text, /penguins/);
      assert.match(text, /Stage duration/);
      assert.equal(await frame.evaluate(() => document.querySelectorAll('.error').length), 0, `the panel shows an error:\n${text}`);
      const panelErrors = ui.console.slice(before).filter((c) => c.type === 'error' && /webview|vscode-resource|vscode-cdn/.test(c.url));
      assert.deepEqual(panelErrors, [], 'console errors from the metrics panel');
      assert.deepEqual(await ui.errorToasts(), [], 'error notifications');
    });
  });

  it('leaves no uncaught page errors and no console errors about Plumb', { timeout: STEP_TIMEOUT }, async (t) => {
    await step(t, 'no-errors', async () => {
      const errors = ui.console.filter((c) => c.type === 'error');
      process.stderr.write(`[e2e] console errors in the whole session: ${errors.length} (${ui.extensionErrors().length} about Plumb)\n`);
      assert.deepEqual(ui.pageErrors, [], 'uncaught errors in the workbench page');
      assert.deepEqual(ui.extensionErrors().map((e) => `${e.text.slice(0, 300)} @ ${e.url}`), [], 'console errors about Plumb');
    });
  });
});

describe('Plumb in Restricted Mode', { timeout: 5 * 60_000 }, () => {
  let rws: ExampleWorkspace | undefined;
  let rwb: Workbench | undefined;
  let rbrowser: Browser | undefined;

  after(async () => {
    await rbrowser?.close();
    await rwb?.stop();
    rws?.remove();
  });

  it('F5 asks for trust first, Plumb offers no run or debug command, and nothing runs', { timeout: STEP_TIMEOUT }, async (t) => {
    broken = undefined; // a separate workbench: earlier failures do not carry over
    rws = copyExampleWorkspace();
    rwb = await startWorkbench({ workspace: rws.dir, vsix, trusted: false });
    rbrowser = await launchBrowser();
    const page = await rbrowser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(30_000);
    ui = new WorkbenchUI(page);
    await ui.open(rwb.url);

    await step(t, 'restricted-f5', async () => {
      const ed = await ui.openFile(PIPELINE);
      // Highlighting still works (the grammar is declarative), but Run/Debug are not offered.
      const stageName = ed.locator('.view-line span span', { hasText: /^impute_numbers$/ });
      await stageName.waitFor();
      await ui.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor();
      assert.equal(await ui.page.locator('.editor-actions a.action-label[aria-label^="Run Pipeline"], .editor-actions a.action-label[aria-label^="Debug Pipeline"]').count(), 0, 'Run/Debug Pipeline offered in Restricted Mode');
      // F5: VS Code itself stops a launch in an untrusted folder and says why.
      await stageName.click();
      await ui.page.keyboard.press('F5');
      const dialog = ui.page.locator('.monaco-dialog-box', { hasText: 'Do you trust the authors' });
      await dialog.waitFor({ timeout: 60_000 });
      assert.match(await dialog.innerText(), /Debugging executes .*code from your workspace/s);
      await shot('trust-dialog');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await ui.page.locator('.debug-toolbar:visible').count(), 0, 'a debug session started');
    });

    await step(t, 'restricted-commands', async () => {
      // The palette keeps the safe Plumb commands and hides the ones that run stage code.
      await ui.page.keyboard.press('F1');
      const input = ui.page.locator('.quick-input-widget input');
      await input.fill('>Plumb:');
      const rows = ui.page.locator('.quick-input-list .monaco-list-row');
      await rows.filter({ hasText: 'Plumb: Show Metrics Panel' }).first().waitFor();
      const titles = await rows.allInnerTexts();
      for (const hidden of ['Plumb: Run Pipeline', 'Plumb: Debug Pipeline']) assert.ok(!titles.some((r) => r.startsWith(hidden)), `${hidden} is offered in Restricted Mode: ${titles.join(' | ')}`);
      await shot('restricted-palette');
      await ui.page.keyboard.press('Escape');
      await ui.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
      assert.equal(fs.existsSync(path.join(rws!.dir, '.plumb')), false, 'the pipeline ran: a store was written');
      assert.deepEqual(ui.pageErrors, [], 'uncaught errors in the workbench page');
      assert.deepEqual(ui.extensionErrors().map((e) => e.text.slice(0, 300)), [], 'console errors about Plumb');
    });
  });
});

describe('npm run studio', { timeout: 5 * 60_000 }, () => {
  it('serves the workbench on the given port, and Ctrl-C stops it and removes its profile', { timeout: STEP_TIMEOUT }, async () => {
    const folder = copyExampleWorkspace();
    // The command line of the package.json script, run the way npm runs it.
    const script: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts.studio;
    const [cmd, ...args] = script.split(/\s+/);
    assert.equal(cmd, 'node', `the studio script is not a node command: ${script}`);
    const port = await freePort();
    const child = spawn(process.execPath, [...args, folder.dir, '--no-build', '--vsix', vsix, '--port', String(port)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      const deadline = Date.now() + 120_000;
      while (!/\n  Ctrl-C to stop/.test(out)) {
        if (child.exitCode !== null) throw new Error(`studio exited early (${child.exitCode}):\n${out}`);
        if (Date.now() > deadline) throw new Error(`studio printed no address within 120 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 200)); // polling the output, not a wait for state
      }
      const url = /open (http:\S+)/.exec(out)?.[1];
      const profile = /profile (\S+)/.exec(out)?.[1];
      assert.ok(url?.startsWith(`http://127.0.0.1:${port}/`), `studio printed ${url}`);
      assert.ok(profile && fs.existsSync(profile), `the profile folder ${profile} does not exist`);
      const page = await fetch(url!);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);

      child.kill('SIGINT');
      const end = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000))]);
      assert.ok(end, `studio did not exit within 30 s of Ctrl-C:\n${out}`);
      assert.equal(end.code, 0, `studio exit: ${JSON.stringify(end)}\n${out}`);
      assert.equal(fs.existsSync(profile), false, `${profile} was left behind`);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'code-server still answers after Ctrl-C');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      folder.remove();
    }
  });
});

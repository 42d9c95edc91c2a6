// End to end in a real VS Code workbench (code-server + Debian's chromium): the
// packaged extension, the example pipeline, F5 with a gutter breakpoint, the Variables
// view, the version sidebar and the metrics panel, in the order a user meets them.
//
//   node --import tsx --test test/e2e/workbench.e2e.ts
//
// Not part of `npm test` (the file name skips the *.test.ts filter): it needs chromium
// and a one-time toolchain download (see workbench.ts). A screenshot of every step goes
// to test-output/e2e/; a failing step also saves <step>-FAILED.png and puts what the UI
// showed into the error. PLUMB_E2E_VSIX=path skips `npm run package` and uses that file;
// PLUMB_E2E_KEEP=1 keeps the temp workspace (its .plumb store) for a look afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Frame, Locator } from 'playwright-core';
import { copyExampleWorkspace, REPO_ROOT, type ExampleWorkspace } from './example-workspace';
import { launchBrowser, WorkbenchUI } from './ui';
import { ensureToolchain, startWorkbench, type Workbench } from './workbench';

const SHOTS = path.join(REPO_ROOT, 'test-output', 'e2e');
const PIPELINE = 'penguins.pipeline.yaml';
const VERSION_SCHEME = 'plumb-version:';
const STEP_TIMEOUT = 3 * 60_000;

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

describe('Plumb in a real VS Code workbench', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ensureToolchain();
    const vsix = packageExtension();
    ws = copyExampleWorkspace();
    wb = await startWorkbench({ workspace: ws.dir, vsix });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(30_000);
    ui = new WorkbenchUI(page);
    await ui.open(wb.url);
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
      const v2 = ui.row('.part.sidebar', 'v2 of penguins');
      await v2.waitFor({ timeout: 90_000 });
      const diff = ui.page.locator('.monaco-diff-editor');
      // The tree may re-render (file watcher, then the run's end) right as the inline action
      // is clicked, which loses the click: try again while no diff editor has opened.
      for (let attempt = 1; ; attempt++) {
        await v2.hover();
        await v2.locator('.action-label[aria-label="Compare with Previous Version"]').click();
        try {
          await diff.waitFor({ timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt >= 3) throw e;
        }
      }
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
});

// Drives the VS Code workbench in a browser page: commands, editors, gutters, views.
// Every helper waits on UI state (selectors or polled predicates); none sleeps blindly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Frame, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PLUMB_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set PLUMB_E2E_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Where a console message came from, for telling webview errors from workbench noise. */
export interface ConsoleEntry {
  type: string;
  text: string;
  url: string;
}

/** Regex-escape a literal. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class WorkbenchUI {
  readonly console: ConsoleEntry[] = [];
  readonly pageErrors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m: ConsoleMessage) => this.console.push({ type: m.type(), text: m.text(), url: m.location().url ?? '' }));
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
  }

  /** Opens the workbench and waits until the explorer shows the workspace. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });
  }

  /** Runs a command through the command palette by its exact title. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: new RegExp(`^${literal(title)}`) }).first();
    await row.waitFor();
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Quick Open (Ctrl+P) a workspace file by name. */
  async openFile(name: string): Promise<Locator> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(name);
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: name }).first();
    await row.waitFor();
    await this.page.keyboard.press('Enter');
    const editor = this.editor(name);
    await editor.locator('.view-lines').waitFor();
    return editor;
  }

  /** The text editor whose model URI ends with `suffix` (or starts with it, for `scheme:` prefixes). */
  editor(uri: string): Locator {
    const sel = /^[a-z-]+:/.test(uri) ? `.monaco-editor[data-uri^="${uri}"]` : `.monaco-editor[data-uri$="/${uri}"]`;
    return this.page.locator(sel).first();
  }

  async activateTab(label: string): Promise<void> {
    await this.page.locator('.tabs-container .tab').filter({ hasText: label }).first().click();
  }

  /**
   * The editor-content `top` (px) of a 1-based line, read from the line-number gutter.
   * Glyphs, squiggles and decorations of that line carry the same value, CodeLens zones
   * included, so comparing tops tells which line a decoration is on.
   */
  async lineTop(editor: Locator, line: number): Promise<string> {
    const num = editor.locator('.margin-view-overlays .line-numbers').filter({ hasText: new RegExp(`^${line}$`) });
    await num.waitFor();
    return num.evaluate((n) => (n.parentElement as HTMLElement).style.top);
  }

  /** Glyph-margin decorations as { classes, top } (breakpoints, the stopped-frame arrow). */
  async glyphs(editor: Locator): Promise<{ classes: string; top: string }[]> {
    return editor.locator('.glyph-margin-widgets .cgmr').evaluateAll((els) => els.map((e) => ({ classes: e.className, top: (e as HTMLElement).style.top })));
  }

  /** Waits until a glyph with `codicon` sits on `line`. */
  async waitForGlyph(editor: Locator, codicon: string, line: number, timeout = 30_000): Promise<void> {
    // The line's top is read on every poll: a CodeLens zone appearing above it moves it.
    await this.poll(`a ${codicon} glyph on line ${line}`, async () => {
      const top = await this.lineTop(editor, line);
      return (await this.glyphs(editor)).some((g) => g.classes.includes(codicon) && g.top === top);
    }, timeout);
  }

  /** Clicks the glyph margin (the breakpoint gutter) beside a visible 1-based line. */
  async clickGutter(editor: Locator, line: number): Promise<void> {
    const num = editor.locator('.margin-view-overlays .line-numbers').filter({ hasText: new RegExp(`^${line}$`) });
    await num.waitFor(); // a just-opened editor renders its gutter a moment after its text
    const lineBox = await num.boundingBox();
    const glyphBox = await editor.locator('.glyph-margin').boundingBox();
    if (!lineBox || !glyphBox) throw new Error(`line ${line} is not visible in the editor (${!lineBox ? 'no line number' : 'no glyph margin'} on screen)`);
    await this.page.mouse.click(glyphBox.x + glyphBox.width / 2, lineBox.y + lineBox.height / 2);
  }

  /** Rows of a tree/list view as aria-labels (the text a screen reader gets). */
  async rows(container: string): Promise<string[]> {
    return this.page.locator(`${container} .monaco-list-row`).evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
  }

  /** A list/tree row whose aria-label starts with `prefix`. */
  row(container: string, prefix: string): Locator {
    return this.page.locator(`${container} .monaco-list-row[aria-label^=${JSON.stringify(prefix)}]`).first();
  }

  /** Polls `predicate` until it is true; on timeout throws naming `what`. */
  async poll(what: string, predicate: () => Promise<boolean>, timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        if (await predicate()) return;
      } catch (e) {
        last = e;
      }
      await this.page.waitForTimeout(100); // polling interval, not a wait for state
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
  }

  /** Finds the frame (webview iframes included) where `probe` returns true. */
  async frameWhere(what: string, probe: (f: Frame) => Promise<boolean>, timeout = 30_000): Promise<Frame> {
    let found: Frame | undefined;
    await this.poll(what, async () => {
      for (const f of this.page.frames()) {
        if (await probe(f).catch(() => false)) {
          found = f;
          return true;
        }
      }
      return false;
    }, timeout);
    return found!;
  }

  /** Error notifications on screen (toasts), as their message text. */
  async errorToasts(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-list-item')
      .filter({ has: this.page.locator('.codicon-error') })
      .locator('.notification-list-item-message')
      .allInnerTexts();
  }

  async statusText(id: string): Promise<string> {
    return (await this.page.locator(`[id="${id}"]`).getAttribute('aria-label')) ?? '';
  }

  /** What the workbench shows right now, for failure messages. */
  async uiText(): Promise<string> {
    const parts: string[] = [];
    const grab = async (label: string, selector: string) => {
      const texts = await this.page.locator(selector).allInnerTexts().catch(() => [] as string[]);
      const text = texts.join('\n').trim();
      if (text) parts.push(`--- ${label} ---\n${text.slice(0, 3000)}`);
    };
    await grab('notifications', '.notifications-toasts, .notifications-center');
    await grab('side bar', '.part.sidebar');
    await grab('panel', '.part.panel');
    await grab('editor tabs', '.tabs-container');
    await grab('status bar', '.part.statusbar');
    const errors = this.console.filter((c) => c.type === 'error').slice(-10);
    if (errors.length) parts.push(`--- console errors ---\n${errors.map((e) => `${e.text.split('\n')[0].slice(0, 200)} @ ${e.url}`).join('\n')}`);
    return parts.join('\n');
  }

  /**
   * Starts recording DOM mutations under `selector` (the first match), so quietFor can
   * tell when a view has stopped re-rendering.
   */
  async recordMutations(selector: string): Promise<void> {
    await this.page.locator(selector).first().evaluate((el, key) => {
      const w = window as unknown as Record<string, { last: number; observer: MutationObserver }>;
      w[key]?.observer.disconnect();
      const rec = { last: performance.now(), observer: new MutationObserver(() => (rec.last = performance.now())) };
      rec.observer.observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
      w[key] = rec;
    }, `__plumbMutations:${selector}`);
  }

  /** Waits until nothing under `selector` has changed for `quietMs` (see recordMutations). */
  async quietFor(selector: string, quietMs: number, timeout = 30_000): Promise<void> {
    await this.poll(`${selector} to stop changing for ${quietMs} ms`, () =>
      this.page.evaluate(([key, ms]) => {
        const rec = (window as unknown as Record<string, { last: number } | undefined>)[key as string];
        if (!rec) throw new Error('recordMutations was not called');
        return performance.now() - rec.last >= (ms as number);
      }, [`__plumbMutations:${selector}`, quietMs] as const),
    timeout);
  }

  /**
   * Console errors that concern Plumb: from its webviews, or naming the extension (the
   * workbench logs extension host failures with the extension id or its file paths).
   */
  extensionErrors(from = 0): ConsoleEntry[] {
    return this.console
      .slice(from)
      .filter((c) => c.type === 'error' && (/webview|vscode-resource|vscode-cdn|plumb/i.test(c.url) || /plumb/i.test(c.text)));
  }

  async screenshot(file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
  }
}

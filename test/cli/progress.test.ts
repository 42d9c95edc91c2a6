// The CLI's progress view as a terminal shows it: its output is fed through a small
// terminal model (carriage return, clear line, newline, colours take no column), and the
// screen that results is what the tests read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressView, fitWidth, visibleLength } from '../../runtime/cli/progress';
import type { EngineEvent } from '../../runtime/engine/events';
import type { StageRef } from '../../runtime/vocabulary';

/** A terminal `columns` wide: lines longer than that wrap, like a real one. */
class FakeTerminal {
  readonly lines: string[] = [''];
  raw = '';
  constructor(readonly columns: number) {}

  write = (s: string): void => {
    this.raw += s;
    for (let i = 0; i < s.length; ) {
      const esc = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(s.slice(i));
      if (esc) {
        if (esc[2] === 'K' && esc[1] === '2') this.lines[this.lines.length - 1] = '';
        else assert.equal(esc[2], 'm', `unexpected escape sequence ${JSON.stringify(esc[0])}`);
        i += esc[0].length;
        continue;
      }
      const ch = String.fromCodePoint(s.codePointAt(i)!);
      i += ch.length;
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') {
        this.lines.push('');
        this.col = 0;
      } else {
        assert.ok(ch >= ' ', `control character ${JSON.stringify(ch)} written to the terminal`);
        if (this.col === this.columns) {
          this.lines.push(''); // wrapped
          this.col = 0;
        }
        const chars = [...this.lines[this.lines.length - 1]];
        chars[this.col++] = ch;
        this.lines[this.lines.length - 1] = chars.join('');
      }
    }
  };

  private col = 0;

  /** What the screen shows, trailing empty line dropped. */
  get screen(): string[] {
    return this.lines.at(-1) === '' ? this.lines.slice(0, -1) : this.lines.slice();
  }
}

const ref: StageRef = { stage: 'fit', uses: 'logistic-regression', section: 'training', index: 0, line: 5 };
const runId = 'r1';
const start: EngineEvent[] = [
  { type: 'run-start', runId, pipeline: 'toy', file: 'toy.pipeline.yaml', mode: 'train', time: 0, stages: [ref] },
  { type: 'section-start', runId, section: 'training', time: 0 },
  { type: 'stage-start', runId, ref, time: 0, rowsIn: 300, bytesIn: 1000 },
];
const progress = (fraction: number, message?: string): EngineEvent => ({ type: 'progress', runId, ref, time: 1, fraction, message });
const end: EngineEvent[] = [
  { type: 'stage-end', runId, ref, time: 10, durationMs: 10, rowsIn: 300, rowsOut: 300, bytesIn: 1000, bytesOut: 1000, attempts: 1 },
  { type: 'run-end', runId, time: 11, durationMs: 11, status: 'ok', version: 3 },
];

/** The progress view's live line once the stage has started and reported `fraction`. */
function liveScreen(columns: number | undefined, color: boolean, fraction: number, message?: string): { term: FakeTerminal; view: ProgressView } {
  const term = new FakeTerminal(columns && columns > 0 ? columns : 80);
  const view = new ProgressView({ tty: true, color, write: term.write, columns });
  for (const e of start) view.handle(e);
  // Redraws are throttled to one per 50 ms; the stage-start draw is forced, so bring the
  // clock of the last draw back to let this one through.
  (view as unknown as { lastDraw: number }).lastDraw = 0;
  view.handle(progress(fraction, message));
  return { term, view };
}

test('on a terminal the live line shows stage, bar, percentage and message, and fits in one line whatever the width', () => {
  for (const columns of [120, 80, 60, 40, 30]) {
    for (const color of [false, true]) {
      const { term } = liveScreen(columns, color, 0.5, 'epoch 50 of 100, loss 0.3141 and a message long enough to need cutting');
      const screen = term.screen;
      // (The header line may wrap on a narrow terminal; the live line must not.)
      assert.equal(screen.at(-2), 'training', `width ${columns}, colour ${color}: the live line did not wrap: ${JSON.stringify(screen)}`);
      const live = screen.at(-1)!;
      assert.ok([...live].length < columns, `width ${columns}: '${live}' leaves the last column free`);
      assert.match(live, /^ {2}… fit +/, `width ${columns}: '${live}'`);
      assert.match(live, / 50% /, `width ${columns}: '${live}'`);
      assert.match(live, /epoch 5/, `width ${columns}: '${live}' shows the message`);
      if (columns >= 60) assert.match(live, /█{6,}░{6,} +50%/, `width ${columns}: '${live}' has a bar`);
      if (color) {
        const segment = term.raw.slice(term.raw.lastIndexOf('\r\x1b[2K'));
        const opened = segment.match(/\x1b\[(?!0m)[0-9;]*m/g)?.length ?? 0;
        assert.ok(opened > 0, 'the live line is coloured');
        assert.ok((segment.match(/\x1b\[0m/g)?.length ?? 0) >= opened, `width ${columns}: no colour left open: ${JSON.stringify(segment)}`);
      }
    }
  }
});

test('a terminal that reports no width (0 or undefined) gets a readable 80-column line', () => {
  for (const columns of [0, undefined]) {
    const { term } = liveScreen(columns, true, 0.25, 'epoch 25');
    const live = term.screen[2];
    assert.match(live, /^ {2}… fit +█+░+ +25% epoch 25$/, `columns ${columns}: '${live}'`);
    assert.ok([...live].length < 80);
  }
});

test("a stage's message with line breaks and control characters stays on the live line", () => {
  const { term } = liveScreen(100, false, 0.1, 'line one\nline two\r\x07\tend');
  assert.equal(term.screen.length, 3, JSON.stringify(term.screen));
  assert.match(term.screen[2], /line one line two end$/);
});

test('the live line is replaced by the result line when the stage ends, leaving a clean screen', () => {
  const { term, view } = liveScreen(80, true, 0.9, 'epoch 90');
  for (const e of end) view.handle(e);
  assert.deepEqual(term.screen.slice(0, 2), ['toy · train · run r1 · 1 stages', 'training']);
  assert.match(term.screen[2], /^ {2}✓ fit +\S+ ms +300 → 300 rows$/);
  assert.match(term.screen[3], /^✓ ok in \S+ ms · version 3$/);
  assert.equal(term.screen.length, 4, JSON.stringify(term.screen));
});

test('piped (tty: false), only whole lines are written: no live line, no carriage returns', () => {
  let out = '';
  const view = new ProgressView({ tty: false, color: false, write: (s) => (out += s), columns: 80 });
  for (const e of [...start, progress(0.5, 'epoch 50'), ...end]) view.handle(e);
  assert.ok(!out.includes('\r') && !out.includes('\x1b'), JSON.stringify(out));
  assert.equal(out.split('\n').length, 5, out);
});

test('fitWidth counts only visible characters and never cuts inside a colour code', () => {
  const red = '\x1b[31mabcdef\x1b[0m';
  assert.equal(visibleLength(red), 6);
  assert.equal(fitWidth(red, 6), red, 'fits: unchanged');
  const cut = fitWidth(red + 'ghij', 5);
  assert.equal(visibleLength(cut), 5);
  assert.equal(cut, '\x1b[31mabcd…\x1b[0m');
  assert.equal(fitWidth('plain text', 6), 'plain…');
  assert.equal(visibleLength('█░…'), 3);
});

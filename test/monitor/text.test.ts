import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Monitor,
  aggregateRuns,
  formatBytes,
  formatDuration,
  formatProfile,
  formatRows,
  formatTrace,
  type RunRecord,
} from '../../runtime/monitor';
import { failingRunEvents, simpleRunEvents } from './fixtures';
import type { EngineEvent } from '../../runtime/engine/events';

function recordOf(events: EngineEvent[]): RunRecord {
  const m = new Monitor();
  for (const e of events) m.handle(e);
  return m.toJSON();
}

/** The one line of `text` containing `needle`. */
function lineWith(text: string, needle: string): string {
  const found = text.split('\n').filter((l) => l.includes(needle));
  assert.equal(found.length, 1, `expected one line with ${JSON.stringify(needle)} in:\n${text}`);
  return found[0];
}

test('unit formatters', () => {
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(2.5), '2.5 ms');
  assert.equal(formatDuration(340), '340 ms');
  assert.equal(formatDuration(999.7), '1.00 s');
  assert.equal(formatDuration(1250), '1.25 s');
  assert.equal(formatDuration(12_345), '12.3 s');
  assert.equal(formatDuration(125_000), '2m 05s');
  assert.equal(formatDuration(3_720_000), '1h 02m');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1_200_000), '1.2 MB');
  assert.equal(formatBytes(340_000), '340 kB');
  assert.equal(formatBytes(999_999), '1.0 MB');
  assert.equal(formatBytes(12_300_000_000), '12.3 GB');
  assert.equal(formatRows(10_000), '10,000');
  assert.equal(formatRows(1_234_567.4), '1,234,567');
  assert.equal(formatRows(999), '999');
  assert.equal(formatRows(-4200), '-4,200');
});

test('the trace shows the tree, statuses, attempts, warnings and metrics', () => {
  const text = formatTrace(recordOf(failingRunEvents()), { width: 100 });
  const lines = text.split('\n');
  assert.equal(lines[0], 'churn · train · ✗ failed · 2.60 s · run r1');
  assert.ok(text.includes("  error: DataError: column 'plan' has NaN"));
  assert.ok(text.includes('  ⚠ data file is older than the pipeline [stale-data]'));
  assert.ok(text.includes('  retries: 2 over 1 stage'));
  assert.equal(lineWith(text, 'feature'), '├─ feature  2.00 s');
  assert.equal(lineWith(text, 'training'), '└─ training  500 ms');
  assert.match(lineWith(text, 'impute'), /^│  ├─ ✓  impute +200 ms  1,000 → 1,000 +█/);
  assert.match(lineWith(text, ' scale '), /^│  └─ ↻  scale +1\.80 s  1,000 → 1,000 +░+█+░+$/);
  assert.match(lineWith(text, ' fit '), /^   ├─ ✗  fit +500 ms  800 → ·/);
  assert.match(lineWith(text, 'evaluate'), /^   └─ ·  evaluate  skipped +░+$/);
  assert.ok(lineWith(text, 'attempt 1 ✗ TransientError').endsWith('attempt 1 ✗ TransientError: disk busy · 100 ms · retry in 500 ms'));
  assert.ok(lineWith(text, 'attempt 2 ✗').endsWith('attempt 2 ✗ TransientError: disk busy again · 100 ms · retry in 1.00 s'));
  assert.ok(lineWith(text, 'attempt 3').endsWith('attempt 3 ✓ · 100 ms'));
  assert.ok(lineWith(text, 'outliers').endsWith("⚠ column 'age' has 3 outliers [outliers]"));
  assert.ok(lineWith(text, 'metrics: loss').endsWith('metrics: loss 0.4 @1 · 2 steps'));
  assert.ok(lineWith(text, 'mean_shift').endsWith('metrics: mean_shift 0.5 @0'));
});

test('the timeline bar is scaled to the run and to the width', () => {
  // Two stages: 250 ms then 750 ms of a 1 s run. A stage covers the cells its time span
  // touches: load [0, ceil(n/4)), fit [floor(n/4), n).
  const rec = recordOf(simpleRunEvents('t', 0, [['load', 250], ['fit', 750]]));
  const bar = (line: string) => line.slice(line.search(/[#-]+$/));
  let previous = 0;
  for (const width of [40, 80, 120]) {
    const text = formatTrace(rec, { width, ascii: true });
    const loadBar = bar(lineWith(text, ' load '));
    const fitBar = bar(lineWith(text, ' fit '));
    const n = loadBar.length;
    assert.equal(fitBar.length, n);
    assert.ok(n >= 10 && n > previous, `bar of ${n} cells at width ${width}`);
    assert.ok(lineWith(text, ' fit ').length <= Math.max(width, 60));
    previous = n;
    assert.equal(loadBar, '#'.repeat(Math.ceil(n / 4)) + '-'.repeat(n - Math.ceil(n / 4)));
    assert.equal(fitBar, '-'.repeat(Math.floor(n / 4)) + '#'.repeat(n - Math.floor(n / 4)));
  }
});

test('ASCII mode uses no characters outside ASCII, colour mode adds ANSI codes', () => {
  const rec = recordOf(failingRunEvents());
  const ascii = formatTrace(rec, { ascii: true });
  assert.match(ascii, /^[\x20-\x7e\n]*$/);
  assert.ok(ascii.includes('|  `- r  scale'));
  assert.ok(ascii.includes('   `- .  evaluate  skipped'));
  assert.ok(!formatTrace(rec).includes('\u001b['));
  assert.ok(formatTrace(rec, { color: true }).includes('\u001b[31m✗\u001b[0m'));
});

test('the profile of one run lists stages by time with shares and throughput', () => {
  const text = formatProfile(recordOf(failingRunEvents()), { width: 100 });
  const lines = text.split('\n');
  assert.equal(lines[0], 'profile: churn train run r1 · failed · 2.60 s');
  assert.match(lines[1], /^stage +calls +total +mean +p50 +p95 +% run +rows\/s +MB\/s$/);
  // Sorted by total time; scale made 3 attempts of 100 ms each within its 1.80 s.
  assert.deepEqual(lines.slice(2, 5).map((l) => l.split(/ +/)[0]), ['scale', 'fit', 'impute']);
  assert.match(lines[2], /^scale +3 +1\.80 s +100 ms +100 ms +100 ms +69\.2% +556 +0\.01 +█+░+$/);
  // impute: 1,000 rows in 0.2 s; 16 kB in 0.2 s = 0.08 MB/s.
  assert.match(lines[4], /^impute +1 +200 ms +200 ms +200 ms +200 ms +7\.7% +5,000 +0\.08 /);
  assert.match(lines[5], /^total +5 +2\.50 s +96\.2%$/);
  // The bars are proportional: scale's share (69.2%) is about 9× impute's (7.7%).
  const barOf = (l: string) => (l.match(/█/g) ?? []).length;
  assert.ok(barOf(lines[2]) > 8 * barOf(lines[4]));
});

test('the profile of an aggregate shows runs, percentiles and the failure rate', () => {
  const records = [100, 200, 300, 400, 1000].map((d, i) => recordOf(simpleRunEvents(`r${i}`, i * 10_000, [['load', d], ['fit', 2 * d]])));
  const text = formatProfile(aggregateRuns(records));
  const lines = text.split('\n');
  assert.equal(lines[0], 'profile over 5 runs · 0 failed (0.0%)');
  assert.match(lines[1], /^stage +runs +total/);
  // fit: durations 200..2000 (twice load's); numpy p50/p95 = 600 / 1760 ms.
  assert.match(lines[2], /^fit +5 +4\.00 s +800 ms +600 ms +1\.76 s +66\.7% /);
  // load: numpy p50/p95 of [100,200,300,400,1000] = 300 / 880 ms.
  assert.match(lines[3], /^load +5 +2\.00 s +400 ms +300 ms +880 ms +33\.3% +250 /);
  assert.match(lines[4], /^total +10 +6\.00 s +100\.0%$/);
});

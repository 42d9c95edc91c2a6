// P5 — monitoring overhead over the P2 feature run. The engine always feeds its Monitor (it
// has no switch to turn it off), so this measures (a) the run with and without an onEvent
// listener that keeps every event, and (b) Monitor.handle + toJSON replayed over the run's
// event stream, as a fraction of the run.
//   node --import tsx bench/monitor.bench.ts [--quick]
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BENCH_DIR, finish, median, quick, round, type Result } from './lib';
import { ensureCsv } from './data-gen';

const rows = quick ? 20_000 : 1_000_000;
const reps = quick ? 3 : 5;
const csv = ensureCsv(rows);
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'peers', 'plumb-data.ts'), 'monitor', csv, String(reps)], { encoding: 'utf8' });
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { without: number[]; withListener: number[]; handleMs: number; events: number };
const base = median(out.without);
const listened = median(out.withListener);
const tag = rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`;
const handleShare = (100 * out.handleMs) / base;
const listenerShare = (100 * (listened - base)) / base;
const results: Result[] = [
  {
    id: `p5.${tag}.monitor-share`, label: `Monitor.handle over the run's ${out.events} events, share of the ${tag}-row feature run`,
    value: round(handleShare, 5), unit: '%', goal: '< 1%', met: handleShare < 1,
  },
  {
    id: `p5.${tag}.listener`, label: `feature run ${tag} rows with an onEvent listener`, value: round(listened, 1), unit: 'ms',
    reference: { label: 'without a listener', value: round(base, 1), unit: 'ms' }, ratio: round(listened / base, 3),
  },
];
finish('monitor', results, [
  `Monitor.handle + toJSON over the event stream: ${round(out.handleMs * 1000, 1)} µs per run (replayed 2,000 times); the run itself: ${round(base, 0)} ms (median of ${reps}).`,
  `The listener row differs by ${round(listenerShare, 2)}%: run-to-run noise on a 2-core machine is larger than the listener, so read it as "no measurable difference".`,
  'The engine has no switch to run without its Monitor, so "monitoring off" cannot be measured end to end; the replay above is the monitor\'s whole cost.',
]);

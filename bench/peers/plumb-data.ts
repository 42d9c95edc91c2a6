// One Plumb measurement in its own process (so its peak RSS is its own):
//   node --import tsx bench/peers/plumb-data.ts <feature|lr|parse|bandwidth|monitor> <csv> <reps>
// Prints one JSON object on stdout.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent } from '../../runtime/index';
// The built bundle (what the CLI and the debugger run; `npm run bench` builds it first), not
// the sources under tsx: under tsx the CSV worker threads must load tsx's loader too, which
// costs start-up time and ~30 MB of memory that no user pays.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadPipeline, readCsv, runPipeline, Monitor } = require('../../dist/runtime.js') as typeof import('../../runtime/index');
import { pipelineYaml } from '../data-gen';
import { LR } from './lr-params';

const [mode, csv, repsText] = process.argv.slice(2);
const reps = Number(repsText ?? 1);

async function main(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-bench-'));
  try {
    const file = path.join(dir, 'bench.pipeline.yaml');
    fs.writeFileSync(file, pipelineYaml(path.resolve(csv), LR));
    const spec = await loadPipeline(file);
    switch (mode) {
      case 'parse': {
        const times: number[] = [];
        // In its own function so one table is not kept alive through the next read (see 'feature').
        const once = async (): Promise<void> => {
          const t0 = performance.now();
          const t = await readCsv(csv);
          times.push(performance.now() - t0);
          if (t.rowCount === 0) throw new Error('no rows');
        };
        for (let r = 0; r < reps; r++) await once();
        return { times };
      }
      case 'bandwidth': {
        // The floor for any reader: bring the file in from the page cache, touch each byte once.
        const times: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          const b = fs.readFileSync(csv);
          let s = 0;
          for (let i = 0; i < b.length; i++) s = (s + b[i]) | 0;
          times.push(performance.now() - t0);
          if (s === 0.5) console.error(s);
        }
        return { times, bytes: fs.statSync(csv).size };
      }
      case 'feature': {
        const times: number[] = [];
        const stages: Record<string, number[]> = {};
        const loadMs: number[] = [];
        let rows = 0;
        let cols = 0;
        // One run in its own function: a result held in this loop's frame would stay alive
        // through the next run (an async frame keeps dead locals until they are overwritten),
        // as if pandas kept the last DataFrame while reading the next (its peer `del`s them).
        const once = async (): Promise<void> => {
          let firstStage = 0;
          const t0 = performance.now();
          const res = await runPipeline(spec, {
            store: false,
            stopAfter: 'encode',
            onEvent: (e: EngineEvent) => {
              if (e.type === 'stage-start' && firstStage === 0) firstStage = performance.now();
              if (e.type === 'stage-end') (stages[e.ref.stage] ??= []).push(e.durationMs);
            },
          });
          times.push(performance.now() - t0);
          loadMs.push(firstStage - t0);
          if (res.status !== 'ok') throw res.error;
          rows = res.output.rowCount;
          cols = res.output.columnCount;
        };
        for (let r = 0; r < reps; r++) await once();
        return { times, loadMs, stages, rows, cols };
      }
      case 'monitor': {
        // P5: the same feature run with and without an onEvent listener, and the cost of
        // Monitor.handle replayed over the run's event stream.
        const events: EngineEvent[] = [];
        const withListener: number[] = [];
        const without: number[] = [];
        const plain = async (): Promise<void> => {
          const t0 = performance.now();
          await runPipeline(spec, { store: false, stopAfter: 'encode' });
          without.push(performance.now() - t0);
        };
        const listening = async (): Promise<void> => {
          events.length = 0;
          const t0 = performance.now();
          await runPipeline(spec, { store: false, stopAfter: 'encode', onEvent: (e) => void events.push(e) });
          withListener.push(performance.now() - t0);
        };
        await runPipeline(spec, { store: false, stopAfter: 'encode' }); // warm-up, not timed
        // Alternate which goes first so warm-up and GC drift hit both sides alike.
        for (let r = 0; r < reps; r++) {
          if (r % 2 === 0) {
            await plain();
            await listening();
          } else {
            await listening();
            await plain();
          }
        }
        // Replay the stream many times: one pass is far below timer resolution.
        const rounds = 2000;
        const t0 = performance.now();
        for (let k = 0; k < rounds; k++) {
          const m = new Monitor();
          for (const e of events) m.handle(e);
          m.toJSON();
        }
        const handleMs = (performance.now() - t0) / rounds;
        return { without, withListener, handleMs, events: events.length };
      }
      case 'lr': {
        const fit: number[] = [];
        let accuracy = NaN;
        let features = 0;
        for (let r = 0; r < reps; r++) {
          const res = await runPipeline(spec, {
            store: false,
            onEvent: (e: EngineEvent) => {
              if (e.type === 'stage-end' && e.ref.stage === 'fit') fit.push(e.durationMs);
            },
          });
          if (res.status !== 'ok') throw res.error;
          accuracy = res.metrics.accuracy;
          features = res.model?.features.length ?? 0;
        }
        return { fit, accuracy, features };
      }
      default:
        throw new Error(`unknown mode '${mode}'`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (out) => console.log(JSON.stringify({ ...out, maxRssMB: process.resourceUsage().maxRSS / 1024 })),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

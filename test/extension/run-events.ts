// Real engine events for the extension's UI tests: the toy pipeline (test/engine/fixture)
// with a `talk` user stage that logs and warns, run through the runtime's public API.
import { loadPipeline, runPipeline } from '../../runtime/index';
import type { EngineEvent } from '../../runtime/engine/events';
import { baseWithStagesInstead, toyWorkspace, type Workspace } from '../engine/fixture';

export const TALK_STAGE = `export default function talk(input, ctx) {
  ctx.log('talk saw ' + input.rowCount + ' rows');
  ctx.warn('2 rows look odd', 'odd-rows');
  return input;
}
`;

export const TALK_PIPELINE = baseWithStagesInstead(`  - stage: impute
    uses: impute
    with: { strategy: median }
  - stage: talk
    uses: ./stages/talk.js
  - stage: scale
    uses: standard-scale
`);

export function talkWorkspace(): Workspace {
  const ws = toyWorkspace({ prefix: 'plumb-ext-', pipeline: TALK_PIPELINE, rows: 200, newRows: 20, newSeed: 5 });
  ws.write('stages/talk.js', TALK_STAGE);
  return ws;
}

/** Every event of one training run of the workspace's pipeline (its record lands in the store). */
export async function recordRun(ws: Workspace): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  await runPipeline(await loadPipeline(ws.file), { mode: 'train', onEvent: (e) => events.push(structuredClone(e)) });
  return events;
}

/** The events up to (not including) the first of `type` for `stage`: a run cut short there. */
export function until(events: EngineEvent[], type: EngineEvent['type'], stage: string): EngineEvent[] {
  const i = events.findIndex((e) => e.type === type && 'ref' in e && e.ref?.stage === stage);
  if (i < 0) throw new Error(`no ${type} of ${stage}`);
  return events.slice(0, i);
}

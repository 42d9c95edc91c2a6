// A user stage that delivers predictions to a downstream system, here a CSV "outbox".
// Real sinks fail now and then; `flaky_attempts` simulates that so the example shows the
// retry policy at work: the first attempts throw TransientError and the policy retries.
import * as path from 'node:path';
import { TransientError, writeTable, type StageContext, type Table } from 'plumb';

export const summary = 'Write predictions to a CSV outbox (simulates a flaky sink).';

export const params = {
  type: 'object',
  properties: {
    path: { type: 'string', description: 'Where to write the predictions, relative to the pipeline file.' },
    flaky_attempts: { type: 'integer', minimum: 0, default: 0, description: 'Fail this many first attempts (simulated outage).' },
  },
  required: ['path'],
  additionalProperties: false,
};

export async function run(input: Table, ctx: StageContext<{ path: string; flaky_attempts?: number }>): Promise<Table> {
  if (ctx.attempt <= (ctx.params.flaky_attempts ?? 0)) {
    throw new TransientError(`outbox unavailable (simulated outage, attempt ${ctx.attempt})`);
  }
  const out = path.resolve(ctx.baseDir, ctx.params.path);
  const keep = input.names.filter((n) => n === 'prediction' || n.startsWith('proba='));
  await writeTable(input.select(keep), out);
  ctx.log(`wrote ${input.rowCount} predictions to ${path.relative(ctx.baseDir, out)}`);
  return input;
}

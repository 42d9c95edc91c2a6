// Exception details for a stop that an exception filter caused: the error (a failed stage
// or a failed attempt to be retried) or the data warnings, with the stage's attempts so far.
import type { Monitor } from '../monitor';
import type * as P from './protocol';
import type { Stop } from './stop';

export function exceptionInfoOf(stop: Stop, monitor: Monitor): P.ExceptionInfo {
  const p = stop.point;
  const ref = p.ref;
  const rec = monitor.record.stages.find((s) => s.index === ref.index);
  const attempts = (rec?.attempts ?? []).map((a) => ({
    attempt: a.attempt,
    ok: a.ok,
    durationMs: a.durationMs,
    error: a.error ? `${a.error.name}: ${a.error.message}` : undefined,
    delayMs: a.delayMs,
  }));
  if (p.error) {
    return {
      exceptionId: p.error.name,
      description: p.error.message,
      breakMode: stop.where.kind === 'failed' ? 'unhandled' : 'always',
      details: { message: p.error.message, typeName: p.error.name, stackTrace: p.error.stack, stage: ref.stage, attempts },
    };
  }
  if (stop.warnings?.length) {
    const text = stop.warnings.join('\n');
    return { exceptionId: 'DataWarning', description: text, breakMode: 'always', details: { message: text, typeName: 'DataWarning', stage: ref.stage, attempts } };
  }
  throw new Error('no exception at this stop');
}

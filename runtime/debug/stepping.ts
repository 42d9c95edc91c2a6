// Where the next stop should be after a resume, besides breakpoints and exception filters.
//
// A stop happens at one of five points of stage i: before it, at one of its inner steps
// (ctx.step), after a failed attempt that will be retried, after it, or when it failed.
// A Plan says which of the coming points stop the run; the session checks it at each.
import type { StepKind, StopReason } from './protocol';

export type StopKind = 'before' | 'step' | 'retry' | 'after' | 'failed';

export interface Where {
  kind: StopKind;
  /** Stage index in the run's flat stage list. */
  index: number;
}

export interface Plan {
  reason: StopReason;
  /** Stop before stage j when this says so. */
  before?: (j: number) => boolean;
  /** Stop after this stage. */
  after?: number;
  /** Stop at any inner step (or retry point) of this stage. */
  stepOf?: number;
  /** Pause: stop at the very next point, whatever it is. */
  any?: boolean;
}

/** Nothing but breakpoints and exceptions stop the run. */
export const RUN_FREE: Plan = { reason: 'breakpoint' };

/**
 * The plan for a forward step kind from `where`. `sections[j]` is stage j's section and
 * `groups[j]` the full name of its innermost sub-pipeline group ('' outside any);
 * backward kinds (stepBack, reverseContinue) move the run with a directive instead.
 */
export function planFor(kind: Exclude<StepKind, 'stepBack' | 'reverseContinue'>, where: Where, sections: readonly string[], groups: readonly string[] = []): Plan {
  const i = where.index;
  const last = sections.length - 1;
  const inside = where.kind === 'step' || where.kind === 'retry';
  switch (kind) {
    case 'continue':
      return RUN_FREE;
    case 'next':
      if (where.kind === 'before') return { reason: 'step', before: (j) => j > i, after: i === last ? i : undefined };
      if (inside) return { reason: 'step', stepOf: i, after: i };
      return { reason: 'step', before: (j) => j > i };
    case 'stepIn':
      if (where.kind === 'before') return { reason: 'step', stepOf: i, before: (j) => j > i, after: i === last ? i : undefined };
      if (inside) return { reason: 'step', stepOf: i, after: i };
      return { reason: 'step', before: (j) => j > i };
    case 'stepOut': {
      if (inside) return { reason: 'step', after: i };
      // Inside a sub-pipeline: out of the group, to the first stage after it (if any).
      const group = groups[i];
      if (group) {
        const within = (j: number): boolean => groups[j] === group || (groups[j] ?? '').startsWith(`${group}/`);
        let next = i + 1;
        while (next <= last && within(next)) next++;
        if (next <= last) return { reason: 'step', before: (j) => j === next };
      }
      const section = sections[i];
      const hasLaterSection = sections.slice(i + 1).some((s) => s !== section);
      return {
        reason: 'step',
        before: (j) => j > i && sections[j] !== section,
        // No later section: stop after the last stage (unless that is where we are).
        after: !hasLaterSection && !(where.kind === 'after' && i === last) ? last : undefined,
      };
    }
  }
}

export function stopsAt(plan: Plan, where: Where): boolean {
  if (plan.any) return true;
  switch (where.kind) {
    case 'before':
      return plan.before?.(where.index) ?? false;
    case 'after':
      return plan.after === where.index;
    case 'step':
    case 'retry':
      return plan.stepOf === where.index;
    case 'failed':
      return false;
  }
}

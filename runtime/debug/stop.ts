// What one stop of a debug session holds. The point is live engine data, never copied:
// editing Params changes the object the engine runs the stage with.
import type { PointBase } from '../engine/controller';
import type { Table } from '../table/table';
import type * as P from './protocol';
import type { Where } from './stepping';
import type { ExpressionContext } from './expressions';

/** Everything a stop exposes. */
export type StopPoint = PointBase & {
  output?: Table;
  error?: Error;
  attempt?: number;
  delayMs?: number;
  step?: { label: string; index: number; values: Record<string, unknown> };
};

export interface Stop {
  where: Where;
  point: StopPoint;
  reason: P.StopReason;
  description: string;
  /** Built on the first stackTrace of this stop. */
  frames?: P.Frame[];
  /** Built on the first evaluate or completions of this stop. */
  expr?: ExpressionContext;
  /** Data warnings that caused a 'data-warning' stop. */
  warnings?: string[];
}

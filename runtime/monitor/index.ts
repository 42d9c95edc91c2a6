// Run monitoring: a RunRecord built from engine events, aggregation across runs, and
// text views (trace and profile) with the unit formatters the CLI and editor reuse.
export type {
  RunRecord,
  RunStatus,
  StageRecord,
  StageStatus,
  MetricPoint,
  WarningRecord,
  LogRecord,
  RetrySummary,
} from './record';
export { rowsHandled, bytesHandled } from './record';
export { Monitor, type MonitorOptions } from './monitor';
export { aggregateRuns, percentile, type RunAggregate, type StageAggregate } from './aggregate';
export { formatTrace, formatDuration, formatBytes, formatRows, formatValue, type TextOptions } from './trace';
export { formatProfile } from './profile';

// Plumb's public library API: load and validate pipeline files, run them, and read back
// what runs left behind (versions, run records). The CLI, the debug adapter and user
// stage modules (`import { ... } from 'plumb'`) all go through this file.
export { loadPipeline, validatePipeline, pipelineJsonSchema } from './spec';
export type { PipelineSpec, StageSpec } from './spec/types';

export { runPipeline, resolveStages, newRunId, StageFailure } from './engine/run';
export type { RunOptions, RunResult } from './engine/run';
export type * from './engine/controller';
export type * from './engine/events';
export * from './vocabulary';

export * from './table';
export type * from './stages/types';
export { builtinStages, predictors } from './stages/registry';
export { loadUserStage } from './stages/user';

export * from './monitor';
export * from './retry';
export * from './store';
export * from './errors';

// The extension's way into the runtime: src/ imports the runtime through this file, or
// through runtime/debug/adapter-api.ts (the debug adapter's smaller door), and no other
// (test/layout/extension-boundary.test.ts holds that). It offers the shared vocabulary,
// pipeline text parsing and validation that never loads stage code, the built-in stage
// catalog (names, parameter schemas, docs), store readers, and the monitor's record and
// formatters. Nothing reachable from here imports the engine or the user stage loader:
// pipelines run in child processes (the session host, the inspect host), never in the
// extension host.

// ---- vocabulary -------------------------------------------------------------------------
export { MODES, SECTIONS, executionLabel, isMode, isSection, sectionsOf, type Mode, type Phase, type Section, type StageRef } from './vocabulary';
export type { Diagnostic } from './errors';
export type { EngineEvent } from './engine/events';
export type { ParamSchema, StageDef } from './stages/types';

// ---- pipeline text, for the editor ------------------------------------------------------
export { parsePipelineText } from './spec/parse';
export { pipelineJsonSchema } from './spec/schema';
export { isSubPipelineRef } from './spec/include';
export { interpolateString } from './spec/interpolate';
export { isUserStageRef, USER_STAGE_EXTENSIONS } from './stages/user-ref';
export { builtinStages } from './stages/registry';
export type { InspectReply, InspectRequest } from './spec/inspect-protocol';
import { validateFile } from './spec/validate-file';
import type { Diagnostic } from './errors';

/**
 * Every problem in a pipeline's text, without loading its user stage modules (only that
 * they exist is checked): the extension host never runs stage code. The inspect host
 * (runtime/spec/inspect-host.ts, its own process) does the checks that load them.
 */
export function validatePipelineText(file: string, text: string): Promise<Diagnostic[]> {
  return validateFile(file, { text, loadModules: false });
}

// ---- runs and versions ------------------------------------------------------------------
export { Monitor } from './monitor/monitor';
export type { RunRecord, StageRecord } from './monitor/record';
export { formatDuration, formatRows, formatValue } from './monitor/trace';
export { Store } from './store/store';
export type { ArtifactName, VersionManifest } from './store/manifest';
export { checkName } from './store/names';
export { artifactJson } from './store/json-view';

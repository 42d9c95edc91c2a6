// The debug adapter's way into the runtime: the session protocol, the client that runs a
// session host in a child process, and the words of the vocabulary the protocol speaks.
// Apart from runtime/extension-api.ts because the adapter is its own small bundle
// (dist/adapter.js, started for every debug session): esbuild keeps every module a
// re-export names unless it can prove it has no side effects, so going through the
// extension's door would bundle the store, the spec parser and the stage catalog into it
// (about 10× its size). test/layout/extension-boundary.test.ts holds both doors.
export type * as SessionProtocol from './protocol';
export type { LaunchConfig } from './protocol';
export { SessionClient } from './client';
export { MODES, isMode, type Mode } from '../vocabulary';

// The one description of a `plumb` launch configuration. Its attributes are the session's
// LaunchConfig (runtime/debug/protocol.ts) as written in launch.json — the adapter resolves
// relative paths against `cwd` — plus the adapter's own options. package.json's launch
// attributes list the same keys (test/extension/launch-args.test.ts).
import type { LaunchConfig } from '../../runtime/debug/adapter-api';

export interface LaunchAttributes extends LaunchConfig {
  /** Folder that relative paths are resolved against (the adapter's own when absent). */
  cwd?: string;
  /** Heap limit of the session host in MB (like `plumb run --max-memory`); default: node's. */
  maxMemoryMb?: number;
}

/** What a command, a CodeLens or the version tree chooses when it starts a run. */
export type StartOptions = Pick<LaunchConfig, 'mode' | 'version' | 'stopAfterStage' | 'stopOnEntry' | 'noDebug'>;

// Messages between the editor and its inspect host (inspect-host.ts): the child process
// that loads user stage modules for the editor's checks, so their top-level code never
// runs inside the editor's own process. One request at a time; every reply carries the id.
import type { Diagnostic } from '../errors';

export type InspectRequest =
  /** Validate a pipeline text, loading the stage modules its `uses:` name. */
  | { id: number; type: 'validate'; file: string; text: string; skip: Record<string, string> }
  /** Load one stage module and tell its summary and `with:` schema. */
  | { id: number; type: 'describe'; module: string };

export type InspectReply =
  | { type: 'ready' }
  /** Sent (and flushed) right before a module's code is loaded: names the culprit of a hang or exit. */
  | { id: number; type: 'loading'; module: string; namedIn: string[] }
  | { id: number; type: 'validated'; diagnostics: Diagnostic[] }
  | { id: number; type: 'described'; summary?: string; params?: unknown; error?: string }
  | { id: number; type: 'failed'; message: string };

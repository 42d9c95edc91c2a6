// Which `uses:` values name a user stage module, and the file kinds one may be. Apart from
// user.ts (which loads and runs such modules) so that checking a pipeline's text, as the
// editor does, never pulls in the loader.
import path from 'node:path';

export const USER_STAGE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** True when a `uses:` value names a module file rather than a built-in stage. */
export function isUserStageRef(uses: string): boolean {
  return uses.startsWith('./') || uses.startsWith('../') || path.isAbsolute(uses);
}

// The inspect host: a plain Node child process that the editor forks (see
// src/editor/inspect-client.ts) to validate pipeline texts with their stage modules
// loaded, and to describe a module's schema. Loading a module runs its top-level code;
// here a module that loops forever or calls process.exit takes only this process down,
// and the editor kills and restarts it. Before each load it tells the editor which
// module it is loading, so the editor can put the blame on that `uses:` line.
import { errorMessage } from '../errors';
import { loadUserStage } from '../stages/user';
import type { InspectReply, InspectRequest } from './inspect-protocol';
import { validatePipeline } from './load';

if (!process.send) {
  process.stderr.write('inspect-host: must be started with an IPC channel (child_process.fork)\n');
  process.exit(2);
}

/** Resolves once the message is written to the channel (so a hang right after still shows it). */
function send(msg: InspectReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    try {
      process.send!(msg, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

async function loading(id: number, module: string, namedIn: string[]): Promise<void> {
  await send({ id, type: 'loading', module, namedIn });
}

async function handle(req: InspectRequest): Promise<InspectReply> {
  if (req.type === 'validate') {
    const diagnostics = await validatePipeline(req.file, {
      text: req.text,
      loadModules: true,
      loadModule: async (module, namedIn) => {
        // A module that hung or ended this process before is not loaded again until it changes.
        const skip = req.skip[module];
        if (skip !== undefined) throw new Error(skip);
        await loading(req.id, module, namedIn);
        return loadUserStage(module);
      },
    });
    return { id: req.id, type: 'validated', diagnostics };
  }
  await loading(req.id, req.module, []);
  try {
    const def = await loadUserStage(req.module);
    // Only plain JSON crosses the channel; a schema is JSON already.
    return { id: req.id, type: 'described', summary: def.summary, params: JSON.parse(JSON.stringify(def.params ?? null)) };
  } catch (e) {
    return { id: req.id, type: 'described', error: errorMessage(e) };
  }
}

process.on('message', (raw: unknown) => {
  const req = raw as InspectRequest;
  handle(req).then(
    (reply) => send(reply),
    (e) => send({ id: req.id, type: 'failed', message: errorMessage(e) }),
  );
});
// The editor went away: nothing left to answer.
process.on('disconnect', () => process.exit(0));
// Start esbuild (it compiles every module) before saying ready: its start-up on a busy
// machine is not a module's fault, and the editor times each module's load.
import('esbuild')
  .then((esbuild) => esbuild.transform('', { loader: 'js' }))
  .catch(() => undefined)
  .then(() => send({ type: 'ready' }));

// `node dist/adapter.js --server=PORT`: DAP over TCP on 127.0.0.1, one session per connection.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, alive, childPids, fixtures, startAdapterServer, waitFor, type Fixtures } from './helpers';

describe('adapter: --server mode', () => {
  let server: ChildProcess;
  let port = 0;
  let fx: Fixtures;

  before(async () => {
    fx = fixtures();
    ({ server, port } = await startAdapterServer());
  });
  after(async () => {
    server.kill();
    await waitFor(() => !alive(server.pid!), 3000, 'the adapter server to exit');
    fx.cleanup();
  });

  it('runs two sessions at once, each with its own host, and ends each host with its connection', async () => {
    const run = async (): Promise<void> => {
      const dc = new DebugClient('node', ADAPTER, 'plumb');
      const stopped = new Promise<DebugProtocol.StoppedEvent>((r) => dc.once('stopped', r));
      const initialized = dc.waitForEvent('initialized');
      await dc.start(port);
      await dc.initializeRequest();
      await dc.launchRequest({ pipeline: fx.file('basic.pipeline.yaml'), store: fx.file('.plumb'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
      await initialized;
      await dc.configurationDoneRequest();
      assert.equal((await stopped).body.reason, 'entry');
      const threads = await dc.threadsRequest();
      assert.deepEqual(threads.body.threads.map((t) => t.name), ['basic (train)']);
      await dc.stop();
    };
    await Promise.all([run(), run()]);
    // Every host the server forked is gone once its client has disconnected.
    await waitFor(() => childPids(server.pid!).filter(alive).length === 0, 3000, 'session hosts of closed connections to exit');
    assert.ok(alive(server.pid!), 'the server keeps listening');
  });
});

// Entry point of the debug adapter (bundled as dist/adapter.js).
//   node dist/adapter.js                 DAP over stdin/stdout (how VS Code runs it)
//   node dist/adapter.js --server=4711   DAP over TCP on 127.0.0.1, one session per connection
// The session host it forks is dist/session-host.js, next to this file.
import * as net from 'node:net';
import * as path from 'node:path';
import { SessionClient } from '../../runtime/debug/client';
import { PlumbDebugSession, type HostClient, type PlumbDebugSessionOptions } from './adapter';

const options: PlumbDebugSessionOptions = {
  hostPath: path.join(__dirname, 'session-host.js'),
  startHost: (opts) => SessionClient.start(opts) as Promise<HostClient>,
};

function parsePort(argv: string[]): number | undefined {
  const arg = argv.find((a) => a.startsWith('--server'));
  if (arg === undefined) return undefined;
  const m = /^--server=(\d{1,5})$/.exec(arg);
  const port = m ? Number(m[1]) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    process.stderr.write(`plumb adapter: bad ${arg}; expected --server=PORT with PORT in 0..65535\n`);
    process.exit(2);
  }
  return port;
}

// A bug in one request handler must not take the whole debug session down with it.
process.on('unhandledRejection', (e) => process.stderr.write(`plumb adapter: unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`));

const port = parsePort(process.argv.slice(2));
if (port === undefined) {
  const session = new PlumbDebugSession(options);
  // VS Code ends the adapter with SIGTERM after disconnect; the host goes with it.
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
} else {
  const server = net.createServer((socket) => {
    const session = new PlumbDebugSession(options);
    session.setRunAsServer(true);
    // A closed socket closes the session, which ends its host (see shutdown()).
    session.start(socket, socket);
  });
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address() as net.AddressInfo;
    process.stderr.write(`plumb adapter listening on 127.0.0.1:${addr.port}\n`);
  });
}

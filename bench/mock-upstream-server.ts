/**
 * The proxy benchmark's stand-in upstream, run as its own process (forked by
 * proxy-overhead.bench.ts) so it never shares an event loop with the load generator or the host.
 * Answers `GET /v1/models` with a fixed ~200-byte JSON body and reports its port over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const MODELS_BODY = JSON.stringify({
  object: 'list',
  data: [
    { id: 'bench-model-small', object: 'model', created: 1700000000, owned_by: 'keygate-bench' },
    { id: 'bench-model-large', object: 'model', created: 1700000001, owned_by: 'keygate-bench' },
  ],
});

const body = Buffer.from(MODELS_BODY, 'utf8');
const server = createServer((req, res) => {
  // Drain whatever was sent so the connection stays reusable, then answer.
  req.resume();
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    }
  });
});
// Longer than any pause between benchmark phases, so pools are never torn down mid-run.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);

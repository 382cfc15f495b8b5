/**
 * The floor any Node proxy stands on: node:http in, undici out, the body streamed back, nothing
 * else (no auth, rules, scrubbing or audit). Run as its own process by proxy-overhead.bench.ts so
 * Keygate's overhead can be read against what merely being a Node proxy costs on this machine.
 * Usage: forked with the upstream origin as argv[2]; reports its port over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';

const upstreamOrigin = process.argv[2] ?? '';
const upstream = new Agent({ keepAliveTimeout: 60_000, connections: 256 });

const server = createServer(async (req, res) => {
  try {
    const response = await upstream.request({
      origin: upstreamOrigin,
      path: (req.url ?? '/').replace(/^\/openai/, ''),
      method: 'GET',
      headers: { authorization: 'Bearer sk-keygate-bench-FAKE-0000000000000000' },
    });
    res.writeHead(response.statusCode, { 'content-type': String(response.headers['content-type'] ?? 'application/json') });
    response.body.once('error', () => res.destroy());
    response.body.pipe(res);
  } catch {
    res.destroy();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);

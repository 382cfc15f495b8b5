/**
 * The floor any Node proxy stands on: node:http in, undici out, doing the same job as Keygate and no
 * more — it checks the agent's `pk_` key, drops it, sets the real key, streams the request body up and
 * the answer back (SSE included). No rules, scrubbing or audit. Run as its own process by
 * proxy-overhead.bench.ts so Keygate's overhead can be read against what merely being a Node proxy
 * costs on this machine. Usage: forked with the upstream origin as argv[2]; reports its port over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { PEER_AGENT_KEY, UPSTREAM_KEY } from './proxy-workload';

const upstreamOrigin = process.argv[2] ?? '';
const upstream = new Agent({ keepAliveTimeout: 60_000, connections: 256 });
const agentAuthorization = `Bearer ${PEER_AGENT_KEY}`;

const server = createServer(async (req, res) => {
  if (req.headers.authorization !== agentAuthorization || !req.url?.startsWith('/openai/')) {
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":"bad agent key"}');
    return;
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${UPSTREAM_KEY}` };
    const contentType = req.headers['content-type'];
    if (contentType !== undefined) headers['content-type'] = contentType;
    const contentLength = req.headers['content-length'];
    if (contentLength !== undefined) headers['content-length'] = contentLength;
    const response = await upstream.request({
      origin: upstreamOrigin,
      path: req.url.slice('/openai'.length),
      method: req.method as 'GET' | 'POST',
      headers,
      body: hasBody ? req : null,
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

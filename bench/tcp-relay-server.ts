/**
 * The ceiling any proxy on this machine stands under: a TCP relay that copies bytes between each
 * agent connection and its own upstream connection and does nothing else — no HTTP parsing, no
 * headers, no routing. Whatever it loses against calling the upstream directly is the price of the
 * extra hop itself (a third process, four more socket reads/writes per request on shared cores), which
 * no HTTP proxy can avoid. Run as its own process by proxy-overhead.bench.ts.
 * Usage: forked with the upstream origin as argv[2]; reports its port over IPC.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

const upstream = new URL(process.argv[2] ?? '');
const open = new Set<Socket>();

const server = createServer({ noDelay: true }, (agent) => {
  const toUpstream = connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
  for (const socket of [agent, toUpstream]) {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  }
  agent.pipe(toUpstream);
  toUpstream.pipe(agent);
  agent.once('error', () => toUpstream.destroy());
  toUpstream.once('error', () => agent.destroy());
  agent.once('close', () => toUpstream.destroy());
  toUpstream.once('close', () => agent.destroy());
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
const stop = () => {
  for (const socket of open) socket.destroy();
  server.close(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);

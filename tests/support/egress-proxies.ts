/**
 * Egress proxies on loopback, as a company network would put in front of the internet: an HTTP
 * proxy that tunnels with CONNECT (reached over plain HTTP, or over TLS for an `https://` proxy),
 * and a SOCKS5 proxy (no authentication, RFC 1928 CONNECT). Each records the destinations it was
 * asked for, then relays bytes both ways untouched.
 */
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';

export interface EgressProxy {
  /** `http://`, `https://` or `socks5://127.0.0.1:PORT`. */
  url: string;
  /** `host:port` of every tunnel opened through it, in order. */
  tunnels: string[];
  close: () => Promise<void>;
}

function splice(client: Socket, upstream: Socket): void {
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.once('error', end).once('close', end);
  upstream.once('error', end).once('close', end);
}

async function listening(server: Server, scheme: string, tunnels: string[], sockets: Set<Socket>): Promise<EgressProxy> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** With `tls`, the proxy itself is reached over TLS: an `https://` proxy URL. */
export async function startConnectProxy(options: { tls?: { key: string; cert: string } } = {}): Promise<EgressProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  // Only tunnels: a proxy that would also forward plain requests could hide a missing CONNECT.
  const refusePlainRequests: RequestListener = (_req, res) => void res.writeHead(405).end();
  const server = options.tls ? createHttpsServer(options.tls, refusePlainRequests) : createHttpServer(refusePlainRequests);
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    const at = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(at + 1)), target.slice(0, at), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      splice(client, upstream);
    });
    sockets.add(client).add(upstream);
    upstream.once('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  return listening(server, options.tls ? 'https' : 'http', tunnels, sockets);
}

/** Reads exactly `count` bytes from a socket in paused mode. */
function readBytes(socket: Socket, count: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const chunk = socket.read(count) as Buffer | null;
      if (chunk === null) return void socket.once('readable', attempt);
      socket.off('error', reject);
      resolve(chunk);
    };
    socket.once('error', reject);
    attempt();
  });
}

async function socks5Destination(client: Socket): Promise<{ host: string; port: number }> {
  const [version, methodCount] = await readBytes(client, 2);
  const methods = await readBytes(client, methodCount ?? 0);
  if (version !== 5 || !methods.includes(0)) throw new Error('not a SOCKS5 client offering no-auth');
  client.write(Buffer.from([5, 0]));
  const [, command, , addressType] = await readBytes(client, 4);
  if (command !== 1) throw new Error('only CONNECT');
  let host: string;
  if (addressType === 1) host = [...(await readBytes(client, 4))].join('.');
  else if (addressType === 3) host = (await readBytes(client, (await readBytes(client, 1))[0]!)).toString('latin1');
  else throw new Error('IPv6 destinations are not needed here');
  return { host, port: (await readBytes(client, 2)).readUInt16BE(0) };
}

export async function startSocks5Proxy(): Promise<EgressProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    sockets.add(client);
    client.pause();
    socks5Destination(client).then(
      ({ host, port }) => {
        tunnels.push(`${host}:${port}`);
        const upstream = connect(port, host, () => {
          // Succeeded; bound address 0.0.0.0:0 (clients ignore it).
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          client.resume();
          splice(client, upstream);
        });
        sockets.add(upstream);
        upstream.once('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
      },
      () => client.destroy(),
    );
  });
  return listening(server, 'socks5', tunnels, sockets);
}

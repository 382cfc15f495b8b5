/** A real HTTP(S) server on loopback standing in for an upstream API; it records what reached it. */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** As sent, in order, duplicates kept: what `headers` merges or drops is still visible here. */
  rawHeaders: string[];
  body: string;
  /** False when the sender gave up before the body ended (the proxy cut an oversized upload). */
  complete: boolean;
}

export interface MockUpstream {
  url: string;
  received: ReceivedRequest[];
  /** Request-body bytes read so far, requests still arriving included. */
  bodyBytesSoFar: () => number;
  /** Swaps what the upstream answers with from the next request on. */
  setHandler: (handle: MockHandler) => void;
  /** Forgets what was received so far. */
  reset: () => void;
  /** Every method, target, raw header and body received, as one text to search for leaks. */
  everythingReceived: () => string;
  close: () => Promise<void>;
}

export type MockHandler = (request: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

async function readBody(req: IncomingMessage, onBytes: (count: number) => void): Promise<{ body: string; complete: boolean }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      onBytes((chunk as Buffer).length);
    }
    return { body: Buffer.concat(chunks).toString('utf8'), complete: true };
  } catch {
    return { body: Buffer.concat(chunks).toString('utf8'), complete: false };
  }
}

export interface MockUpstreamOptions {
  /** Serve HTTPS with this key and certificate (`https://` URL) instead of plain HTTP. */
  tls?: { key: string; cert: string };
}

export async function startMockUpstream(handle: MockHandler, options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const received: ReceivedRequest[] = [];
  let bodyBytes = 0;
  let handler = handle;
  const listener: RequestListener = async (req, res) => {
    const { body, complete } = await readBody(req, (count) => (bodyBytes += count));
    const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body, complete };
    received.push(request);
    if (!complete) return;
    try {
      await handler(request, res);
    } catch (error) {
      // A broken test handler shows up as a 500 the test can see, not as an unhandled rejection.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`mock upstream handler failed: ${String(error)}`);
    }
  };
  const server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    bodyBytesSoFar: () => bodyBytes,
    setHandler: (next) => (handler = next),
    reset: () => received.splice(0),
    everythingReceived: () => received.map((r) => [r.method, r.url, ...r.rawHeaders, r.body].join('\n')).join('\n\n'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with JSON, the way the real APIs do. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A loopback URL nothing listens on: an upstream that is down. */
export async function unusedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * The bulk lane's loopback listener: the rest of a large bridged answer goes to Keygate's background
 * as the plain bytes of one HTTP answer, instead of base64 frames through Chromium's native-messaging
 * reader (4 KiB per read, ~12 MB/s of raw bytes; the background's own fetch takes 60–110 MB/s).
 *
 * It serves one thing: `GET /bulk/TOKEN` with a ticket issued for one answer (bulk-tickets.ts), from
 * Keygate's extension. Everything else on it — another path or method, a body, a spent or unknown
 * token, a Host that is not this listener's own loopback address (DNS rebinding), a request a web
 * page made (an Origin other than the extension's, or `Sec-Fetch-Site` other than `none`) — gets
 * BULK_FETCH_REFUSED and nothing else, and no answer carries CORS headers for any other origin, so
 * a page cannot read one. (Chromium sends the background's own fetch to a host-permitted origin
 * without an Origin header and with `Sec-Fetch-Site: none`; a page's request always says where it
 * comes from: an Origin for a CORS fetch, `Sec-Fetch-Site: cross-site` or `same-site` for any.) It
 * exists only in the browser's native host (never in `serve`), listens on 127.0.0.1 at a port the
 * system picks, and closes with the native port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BULK_TICKET_MS } from '../../../shared/bridge-messages';
import { ERRORS, errorBody, KeygateError } from '../../../shared/errors';
import { BulkTickets } from './bulk-tickets';

/** Where a bulk answer's bytes go once the background fetched its URL; TCP's back-pressure is its pace. */
export interface BulkSink {
  /** False once the socket's buffer is full: wait for `onceDrained`. */
  write(bytes: Buffer): boolean;
  onceDrained(resume: () => void): void;
  /** Resolves once the last byte went to the socket. */
  end(): Promise<void>;
  /** Cuts the answer short: the background's read fails. */
  destroy(): void;
}

/** One answer waiting for (or streaming over) the lane. */
export interface BulkHolder {
  fetched(sink: BulkSink): void;
  /** The ticket ran out unfetched, or the connection closed before the answer's end. */
  broken(error: KeygateError): void;
}

export interface BulkOffer {
  url: string;
  /** The answer ended another way: the ticket is dropped. */
  withdraw(): void;
}

export interface BulkLaneAccess {
  /** A URL for the holder's bytes, or null while the lane is not listening (the answer stays on the native port). */
  offer(holder: BulkHolder): BulkOffer | null;
}

export interface BulkLaneOptions {
  /** The only Origin a fetch may carry, if any: the extension's (`chrome-extension://ID`). */
  extensionOrigin: string;
  ticketMs?: number;
  /** How long a client may take to send its request line and headers (REQUEST_HEADERS_MS). */
  requestHeadersMs?: number;
  now?: () => number;
}

const TOKEN_PATH = /^\/bulk\/([A-Za-z0-9_-]{43})$/;
/** The background fetches at once; a client slower than this to send its request line and headers is not it. */
const REQUEST_HEADERS_MS = 5000;
/**
 * Node checks those deadlines only every `connectionsCheckingInterval` (30 s unless told): a socket
 * that sent nothing, or half a request, was held 30 s, not 5. Checked four times per deadline, a slow
 * client goes within 1.25× of it.
 */
const DEADLINE_CHECKS = 4;

function headerCount(request: IncomingMessage, name: string): number {
  let count = 0;
  for (let at = 0; at < request.rawHeaders.length; at += 2) if (request.rawHeaders[at]!.toLowerCase() === name) count += 1;
  return count;
}

function responseSink(response: ServerResponse): BulkSink {
  return {
    write: (bytes) => response.write(bytes),
    onceDrained: (resume) => void response.once('drain', resume),
    end: () => new Promise<void>((resolve) => response.end(resolve)),
    destroy: () => void response.destroy(),
  };
}

export class BulkLane implements BulkLaneAccess {
  private server: Server | null = null;
  private port = 0;
  private readonly tickets: BulkTickets<BulkHolder>;
  private readonly sockets = new Set<Socket>();
  private readonly now: () => number;
  private readonly ticketMs: number;

  constructor(private readonly options: BulkLaneOptions) {
    this.ticketMs = options.ticketMs ?? BULK_TICKET_MS;
    this.now = options.now ?? Date.now;
    this.tickets = new BulkTickets(this.ticketMs);
  }

  /** Starts listening on 127.0.0.1 at a port the system picks. */
  async listen(): Promise<void> {
    const headersMs = this.options.requestHeadersMs ?? REQUEST_HEADERS_MS;
    const deadlines = { requestTimeout: headersMs, headersTimeout: headersMs, connectionsCheckingInterval: Math.ceil(headersMs / DEADLINE_CHECKS) };
    const server = createServer({ ...deadlines, maxHeaderSize: 8192 }, (request, response) => this.serve(request, response));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.server = server;
  }

  offer(holder: BulkHolder): BulkOffer | null {
    if (this.server === null) return null;
    const token = this.tickets.issue(holder, this.now());
    const expiry = setTimeout(() => {
      for (const expired of this.tickets.takeExpired(this.now())) expired.broken(new KeygateError('BULK_LANE_BROKEN', `The bulk stream was not fetched within ${this.ticketMs} ms.`));
    }, this.ticketMs + 1);
    expiry.unref();
    return {
      url: `http://127.0.0.1:${this.port}/bulk/${token}`,
      withdraw: () => {
        clearTimeout(expiry);
        this.tickets.withdraw(holder);
      },
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const token = TOKEN_PATH.exec(request.url ?? '')?.[1];
    const holder = token === undefined || !this.fromTheExtension(request) ? null : this.tickets.claim(token, this.now());
    if (holder === null) {
      const { status } = ERRORS.BULK_FETCH_REFUSED;
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
      response.end(JSON.stringify({ error: errorBody('BULK_FETCH_REFUSED') }));
      return;
    }
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Readable by the extension alone; a page's no-cors fetch gets nothing it may embed.
      'access-control-allow-origin': this.options.extensionOrigin,
      'cross-origin-resource-policy': 'same-origin',
      connection: 'close',
    });
    response.once('close', () => {
      if (!response.writableFinished) holder.broken(new KeygateError('BULK_LANE_BROKEN', 'The bulk stream closed before the answer\'s end.'));
    });
    holder.fetched(responseSink(response));
  }

  /** A GET without a body, addressed to this listener by its own loopback address, and not from a web page. */
  private fromTheExtension(request: IncomingMessage): boolean {
    if (request.method !== 'GET') return false;
    if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined) return false;
    if (headerCount(request, 'host') !== 1 || request.headers.host !== `127.0.0.1:${this.port}`) return false;
    return this.atMostOnce(request, 'origin', this.options.extensionOrigin) && this.atMostOnce(request, 'sec-fetch-site', 'none');
  }

  /** The header is absent, or there once with exactly this value. */
  private atMostOnce(request: IncomingMessage, name: string, allowed: string): boolean {
    const count = headerCount(request, name);
    return count === 0 || (count === 1 && request.headers[name] === allowed);
  }
}

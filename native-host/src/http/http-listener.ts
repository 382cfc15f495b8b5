/**
 * The HTTP proxy's socket: a node:http server bound to 127.0.0.1 only, feeding the front door.
 * Binding, rebinding on a port change, connection limits and closing live here; what a request
 * means does not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeygateError } from '../../../shared/errors';
import type { HttpFrontDoor } from './http-front-door';

/** Never anything but loopback: the proxy hands out real credentials to whoever can reach it. */
const LISTEN_ADDRESS = '127.0.0.1';
const HEADERS_TIMEOUT_MS = 30_000;
/**
 * Node's own request timeout is a backstop behind the front door's body deadline (which answers a
 * proper 408 through the pipeline): it catches slow headers and a body nobody was reading.
 */
const BACKSTOP_SLACK_MS = 5_000;
/** How often Node looks for requests past their timeout (its default, 30 s, would let them linger). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface ConnectionLimits {
  requestTimeoutMs: number;
  maxConnections: number;
}

export type ListenOutcome = { ok: true; port: number } | { ok: false; error: KeygateError };

export class HttpListener {
  private server: Server | null = null;

  constructor(private readonly door: HttpFrontDoor) {}

  get listening(): boolean {
    return this.server !== null;
  }

  async listen(port: number, limits: ConnectionLimits): Promise<ListenOutcome> {
    await this.close();
    const server = createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS }, (req, res) => void this.door.handle(req, res));
    server.on('clientError', (error, socket) => this.door.answerClientError(error, socket));
    server.on('connect', (req, socket) => this.door.refuseTunnel(req, socket));
    server.on('checkContinue', (req, res) => void this.door.handle(req, res, 'continue'));
    server.on('checkExpectation', (req, res) => void this.door.handle(req, res, 'unsupported'));
    applyLimits(server, limits);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: LISTEN_ADDRESS, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { ok: false, error: new KeygateError(code === 'EADDRINUSE' || code === 'EACCES' ? 'PROXY_PORT_IN_USE' : 'INTERNAL_ERROR', `Port ${port} (${code ?? 'error'}).`) };
    }
    this.server = server;
    return { ok: true, port: (server.address() as AddressInfo).port };
  }

  /** A new policy's limits apply to the running server at once. */
  setLimits(limits: ConnectionLimits): void {
    if (this.server !== null) applyLimits(this.server, limits);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function applyLimits(server: Server, limits: ConnectionLimits): void {
  server.requestTimeout = limits.requestTimeoutMs + BACKSTOP_SLACK_MS;
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, limits.requestTimeoutMs);
  // Past this, Node closes a new connection at once: a flood of idle sockets cannot starve the host.
  server.maxConnections = limits.maxConnections;
}

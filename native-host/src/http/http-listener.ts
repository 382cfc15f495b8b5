/**
 * The HTTP proxy's socket: a node:http server bound to 127.0.0.1 only, feeding the front door.
 * Binding, rebinding on a port change and closing live here; what a request means does not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeygateError } from '../../../shared/errors';
import type { HttpFrontDoor } from './http-front-door';

/** Never anything but loopback: the proxy hands out real credentials to whoever can reach it. */
const LISTEN_ADDRESS = '127.0.0.1';

export type ListenOutcome = { ok: true; port: number } | { ok: false; error: KeygateError };

export class HttpListener {
  private server: Server | null = null;

  constructor(private readonly door: HttpFrontDoor) {}

  get listening(): boolean {
    return this.server !== null;
  }

  async listen(port: number): Promise<ListenOutcome> {
    await this.close();
    const server = createServer({ requestTimeout: 0, headersTimeout: 30_000 }, (req, res) => void this.door.handle(req, res));
    server.on('clientError', (error, socket) => this.door.answerClientError(error, socket));
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

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Outbound HTTP to the real APIs (undici): one keep-alive pool per upstream, optionally through an
 * egress proxy, with the policy's timeout. Maps transport failures to catalogue codes.
 */
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import { KeygateError } from '../../../shared/errors';

export interface UpstreamCall {
  /** `https://api.openai.com`: from policy only. */
  origin: string;
  /** Path and query exactly as forwarded. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Readable | Buffer | null;
  timeoutMs: number;
  upstreamProxy: string | null;
}

export type UpstreamResponse = Dispatcher.ResponseData;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class UpstreamClient {
  private readonly direct = new Agent({ keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });
  private readonly proxied = new Map<string, ProxyAgent>();

  private dispatcherFor(upstreamProxy: string | null): Dispatcher {
    if (upstreamProxy === null) return this.direct;
    if (upstreamProxy.startsWith('socks5:')) {
      throw new KeygateError('UPSTREAM_UNREACHABLE', 'socks5 egress proxies are not supported yet; use an http:// or https:// proxy.');
    }
    let agent = this.proxied.get(upstreamProxy);
    if (agent === undefined) {
      agent = new ProxyAgent(upstreamProxy);
      this.proxied.set(upstreamProxy, agent);
    }
    return agent;
  }

  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    const dispatcher = this.dispatcherFor(call.upstreamProxy);
    try {
      return await dispatcher.request({
        origin: call.origin,
        path: call.path,
        method: call.method as Dispatcher.HttpMethod,
        headers: call.headers,
        body: call.body,
        headersTimeout: call.timeoutMs,
        bodyTimeout: call.timeoutMs,
      });
    } catch (error) {
      throw upstreamError(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), ...[...this.proxied.values()].map((agent) => agent.close())]);
  }
}

/** Keeps our own errors (the body-size cap) and names transport failures without their details. */
export function upstreamError(error: unknown): KeygateError {
  if (error instanceof KeygateError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) return new KeygateError('UPSTREAM_TIMEOUT');
  return new KeygateError('UPSTREAM_UNREACHABLE', code ? `(${code})` : undefined);
}

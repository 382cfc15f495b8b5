/**
 * Outbound HTTP to the real APIs (undici): one keep-alive pool per upstream, optionally through an
 * egress proxy, with the policy's timeout. Maps transport failures to catalogue codes. `relay`
 * streams an answer straight to the agent (the proxy's path); `send` returns it (Binance reads
 * its answers before relaying them, and asks for prices and the time).
 */
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import { KeygateError } from '../../../shared/errors';
import { upstreamError } from './upstream-errors';
import { type RelayOutcome, type RelayPlan, UpstreamRelay } from './upstream-relay';

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
    try {
      return await this.dispatcherFor(call.upstreamProxy).request(dispatchOptions(call));
    } catch (error) {
      throw upstreamError(error);
    }
  }

  relay(call: UpstreamCall, plan: RelayPlan): Promise<RelayOutcome> {
    const relay = new UpstreamRelay(plan);
    try {
      this.dispatcherFor(call.upstreamProxy).dispatch(dispatchOptions(call), relay);
    } catch (error) {
      return Promise.reject(upstreamError(error));
    }
    return relay.outcome;
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), ...[...this.proxied.values()].map((agent) => agent.close())]);
  }
}

function dispatchOptions(call: UpstreamCall): Dispatcher.DispatchOptions {
  return {
    origin: call.origin,
    path: call.path,
    method: call.method as Dispatcher.HttpMethod,
    headers: call.headers,
    body: call.body,
    headersTimeout: call.timeoutMs,
    bodyTimeout: call.timeoutMs,
  };
}

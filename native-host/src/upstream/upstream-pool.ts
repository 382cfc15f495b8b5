/**
 * Outbound HTTP to the real APIs (undici): one keep-alive pool per upstream, with the policy's
 * timeout, optionally through an egress proxy: the service's or the policy's `upstream_proxy`
 * (http://, https:// or socks5://), else HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.
 * Maps transport failures to catalogue codes. `relay` streams an answer straight to the agent (every
 * route's path); `send` returns it (Binance asks for prices, the time and key restrictions).
 */
import { Readable } from 'node:stream';
import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent, Socks5ProxyAgent } from 'undici';
import { KeygateError } from '../../../shared/errors';
import { egressFromEnvironment } from './egress-environment';
import { upstreamError } from './upstream-errors';
import { type RelayOutcome, type RelayPlan, UpstreamRelay } from './upstream-relay';

export interface UpstreamCall {
  /** `https://api.openai.com`: from policy only. */
  origin: string;
  /** Path and query exactly as forwarded. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array> | Buffer | null;
  timeoutMs: number;
  upstreamProxy: string | null;
}

export type UpstreamResponse = Dispatcher.ResponseData;

const POOL_OPTIONS = { keepAliveTimeout: 30_000, connections: 256, pipelining: 1 };

export class UpstreamPool {
  /** Where a call goes when the policy names no egress proxy: direct, or as the environment says. */
  private readonly byDefault: Dispatcher | KeygateError;
  private readonly proxied = new Map<string, Dispatcher>();

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const egress = egressFromEnvironment(env);
    if (egress.kind === 'none') this.byDefault = new Agent(POOL_OPTIONS);
    else if (egress.kind === 'proxies') this.byDefault = new EnvHttpProxyAgent({ ...POOL_OPTIONS, ...egress.settings });
    // Failing closed: going direct would bypass the egress proxy the user set up.
    else this.byDefault = new KeygateError('UPSTREAM_UNREACHABLE', `The egress proxy from the environment is unusable: ${egress.problem}`);
  }

  private dispatcherFor(upstreamProxy: string | null): Dispatcher {
    if (upstreamProxy === null) {
      if (this.byDefault instanceof KeygateError) throw this.byDefault;
      return this.byDefault;
    }
    let agent = this.proxied.get(upstreamProxy);
    if (agent === undefined) {
      // The policy checked the URL: http://, https:// or socks5:// with a host and port, no credentials.
      agent = upstreamProxy.startsWith('socks5:') ? new Socks5ProxyAgent(upstreamProxy) : new ProxyAgent({ ...POOL_OPTIONS, uri: upstreamProxy });
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
    if (plan.signal.aborted) return Promise.reject(new KeygateError('CLIENT_DISCONNECTED'));
    const relay = new UpstreamRelay(plan);
    try {
      this.dispatcherFor(call.upstreamProxy).dispatch(dispatchOptions(call), relay);
    } catch (error) {
      return Promise.reject(upstreamError(error));
    }
    return relay.outcome;
  }

  async close(): Promise<void> {
    const dispatchers = [...(this.byDefault instanceof KeygateError ? [] : [this.byDefault]), ...this.proxied.values()];
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
  }
}

function dispatchOptions(call: UpstreamCall): Dispatcher.DispatchOptions {
  return {
    origin: call.origin,
    path: call.path,
    method: call.method as Dispatcher.HttpMethod,
    headers: call.headers,
    // Streamed bodies go through a Readable: undici pulls it with back-pressure and destroys it on abort.
    body: call.body === null || Buffer.isBuffer(call.body) ? call.body : Readable.from(call.body, { objectMode: false }),
    headersTimeout: call.timeoutMs,
    bodyTimeout: call.timeoutMs,
  };
}

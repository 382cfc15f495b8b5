/**
 * Sends one agent request upstream with a real credential, trying the service's other credentials
 * when the upstream says a key is dead (never after it may have acted on the request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { KeygateError } from '../../../shared/errors';
import { isDeadKeyAnswer, mayBeDeadKeyAnswer } from './credential-rotation';
import { buildUpstreamHeaders } from './forward-headers';
import { declaredLengthExceeds, limitBody, readBodyCapped } from './body-limit';
import type { ProxyContext } from './proxy-context';
import { relayResponse } from './response-relay';
import { type ServiceTarget, upstreamLocation } from './service-routes';

/** Enough of an error body to see its code; dead-key answers are small JSON documents. */
const MAX_INSPECTED_ERROR_BYTES = 64 * 1024;
const utf8 = new TextDecoder();

export interface ForwardMeter {
  credentialId: string | null;
  bytesIn: number;
  bytesOut: number;
}

export interface ForwardInput {
  req: IncomingMessage;
  res: ServerResponse;
  target: ServiceTarget;
  query: string;
  extraHeaders: Record<string, string>;
  meter: ForwardMeter;
}

async function readCapped(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) break;
    chunks.push(chunk as Buffer);
  }
  body.destroy();
  return Buffer.concat(chunks);
}

export async function forwardWithRotation(ctx: ProxyContext, input: ForwardInput): Promise<void> {
  const { req, res, target, meter } = input;
  const maxBytes = ctx.policy.proxy.maxRequestBodyBytes;
  if (declaredLengthExceeds(req, maxBytes)) throw new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`);
  const ids = ctx.vault.credentialIdsFor(target.service);
  if (ids.length === 0) throw new KeygateError('CREDENTIAL_NOT_FOUND', `No credential for "${target.service}".`);
  const order = ctx.rotation.order(target.service, ids, target.rotation);
  const countIn = (total: number) => (meter.bytesIn = total);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  // Only a request that may be sent twice is held in memory; a single-key request streams.
  const body: Buffer | Readable | null = !hasBody ? null : order.length > 1 ? await readBodyCapped(req, maxBytes, countIn) : req.pipe(limitBody(maxBytes, countIn));
  const { origin, path } = upstreamLocation(target, input.query);
  const failures: string[] = [];

  for (const id of order) {
    meter.credentialId = id;
    const dead = await ctx.vault.withOpenCredential(id, async (secret) => {
      const headers = buildUpstreamHeaders(req.headers, { name: target.auth.header, value: `${target.auth.prefix}${utf8.decode(secret)}` });
      const response = await ctx.upstream.send({
        origin,
        path,
        method: req.method ?? 'GET',
        headers,
        body,
        timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
        upstreamProxy: target.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
      });
      ctx.onCredentialUsed(id);
      const relay = { status: response.statusCode, upstreamHeaders: response.headers, extraHeaders: input.extraHeaders, secrets: [secret], onBytes: (total: number) => (meter.bytesOut = total) };
      if (order.length > 1 && mayBeDeadKeyAnswer(response.statusCode)) {
        const errorBody = await readCapped(response.body, MAX_INSPECTED_ERROR_BYTES);
        if (isDeadKeyAnswer(response.statusCode, utf8.decode(errorBody))) return `HTTP ${response.statusCode}`;
        await relayResponse(Readable.from([errorBody]), res, relay);
        return null;
      }
      await relayResponse(response.body, res, relay);
      return null;
    });
    if (dead === null) return;
    failures.push(`credential ${id}: ${dead}`);
    ctx.rotation.markFailed(target.service, ids, id, target.rotation);
  }
  throw new KeygateError('ALL_CREDENTIALS_FAILED', `${failures.join('; ')}.`);
}

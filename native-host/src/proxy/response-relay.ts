import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { KeygateError } from '../../../shared/errors';
import { buildClientResponseHeaders } from './forward-headers';
import { createSecretScrubber } from './secret-scrubber';

export interface RelayOptions {
  status: number;
  upstreamHeaders: Record<string, string | string[] | undefined>;
  extraHeaders: Record<string, string>;
  secrets: Uint8Array[];
  onBytes: (total: number) => void;
}

/**
 * An upstream may echo the key in a header too (`www-authenticate`, debug headers). Header values are
 * latin1 strings of the received bytes, so the secret's bytes are matched the same way; longest first,
 * so a secret that contains another is replaced whole.
 */
function scrubHeaderValues(headers: Record<string, string | string[]>, secrets: Uint8Array[]): Record<string, string | string[]> {
  const texts = secrets
    .filter((secret) => secret.length > 0)
    // A view, not a copy: a copy would land in Buffer's shared pool, where it can never be wiped.
    .map((secret) => Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('latin1'))
    .sort((a, b) => b.length - a.length);
  const scrub = (value: string) => texts.reduce((text, secret) => (text.includes(secret) ? text.split(secret).join('[REDACTED]') : text), value);
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.map(scrub) : scrub(value)]));
}

/**
 * Streams an upstream response to the agent as it arrives (SSE included), with back-pressure both
 * ways, scrubbing any secret the upstream echoes. Resolves when the agent has the whole body;
 * rejects with CLIENT_DISCONNECTED when the agent goes away first (the upstream is closed then).
 * Hand-wired rather than stream.pipeline: this runs once per request and pipeline's bookkeeping
 * was a fifth of the proxy's CPU time.
 */
export function relayResponse(body: Readable, res: ServerResponse, options: RelayOptions): Promise<void> {
  res.writeHead(options.status, { ...scrubHeaderValues(buildClientResponseHeaders(options.upstreamHeaders), options.secrets), ...options.extraHeaders });
  // An SSE client waits for the headers before the first event arrives; push them out now.
  if (String(options.upstreamHeaders['content-type'] ?? '').startsWith('text/event-stream')) res.flushHeaders();
  const scrubber = createSecretScrubber(options.secrets);
  let total = 0;
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      body.destroy();
      scrubber.destroy();
      res.destroy();
      reject(error);
    };
    scrubber.on('data', (chunk: Buffer) => {
      total += chunk.length;
      options.onBytes(total);
      if (!res.write(chunk)) {
        scrubber.pause();
        res.once('drain', () => scrubber.resume());
      }
    });
    scrubber.once('end', () => res.end());
    res.once('finish', () => resolve());
    res.once('close', () => {
      if (!res.writableFinished) fail(new KeygateError('CLIENT_DISCONNECTED'));
    });
    body.once('error', () => fail(new KeygateError('UPSTREAM_UNREACHABLE', 'The upstream connection broke mid-response.')));
    scrubber.once('error', fail);
    body.pipe(scrubber);
  });
}

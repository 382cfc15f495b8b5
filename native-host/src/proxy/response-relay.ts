import type { ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { buildClientResponseHeaders } from './forward-headers';
import { createSecretScrubber } from './secret-scrubber';

export interface RelayOptions {
  status: number;
  upstreamHeaders: Record<string, string | string[] | undefined>;
  extraHeaders: Record<string, string>;
  secrets: Uint8Array[];
  onBytes: (total: number) => void;
}

function countBytes(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onBytes(total);
      callback(null, chunk);
    },
  });
}

/**
 * An upstream may echo the key in a header too (`www-authenticate`, debug headers). Header values are
 * latin1 strings of the received bytes, so the secret's bytes are matched the same way; longest first,
 * so a secret that contains another is replaced whole.
 */
function scrubHeaderValues(headers: Record<string, string | string[]>, secrets: Uint8Array[]): Record<string, string | string[]> {
  const texts = secrets
    .filter((secret) => secret.length > 0)
    .map((secret) => Buffer.from(secret).toString('latin1'))
    .sort((a, b) => b.length - a.length);
  const scrub = (value: string) => texts.reduce((text, secret) => text.split(secret).join('[REDACTED]'), value);
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.map(scrub) : scrub(value)]));
}

/**
 * Streams an upstream response to the agent as it arrives (SSE included), with back-pressure both
 * ways, scrubbing any secret the upstream echoes. Resolves when the agent has the whole body.
 */
export async function relayResponse(body: Readable, res: ServerResponse, options: RelayOptions): Promise<void> {
  res.writeHead(options.status, { ...scrubHeaderValues(buildClientResponseHeaders(options.upstreamHeaders), options.secrets), ...options.extraHeaders });
  // Push headers out now: an SSE client waits for them before the first event arrives.
  res.flushHeaders();
  await pipeline(body, createSecretScrubber(options.secrets), countBytes(options.onBytes), res);
}

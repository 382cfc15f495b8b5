/**
 * Writes one upstream answer to the agent: the headers it may see (filtered, any echoed secret
 * scrubbed), then the body as it arrives (SSE included), scrubbed, with back-pressure. Fed chunk by
 * chunk by the upstream dispatch handler on the proxy's hot path, or by a Readable (Binance, which
 * reads error bodies before answering).
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { KeygateError } from '../../../shared/errors';
import { buildClientResponseHeaders } from './forward-headers';
import { encodedSecretForms, wipeForms } from './encoded-secret-forms';
import { SecretScrubber } from './secret-scrubber';
import { unscrubbableAnswer } from './unscrubbable-answer';

export interface RelayOptions {
  extraHeaders: Record<string, string>;
  secrets: Uint8Array[];
  /** Whether a 206 may reach the agent (a service whose policy allows ranges). */
  allowRanges?: boolean;
  onBytes: (total: number) => void;
}

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/**
 * An upstream may echo the key in a header too (`www-authenticate`, debug headers). Header values are
 * latin1 strings of the received bytes, so the secret's bytes are matched the same way; longest first,
 * so a secret that contains another is replaced whole.
 */
function scrubHeaderValues(headers: Record<string, string | string[]>, secrets: Uint8Array[]): Record<string, string | string[]> {
  const live = secrets.filter((secret) => secret.length > 0);
  if (live.length === 0) return headers;
  const shortest = Math.min(...live.map((secret) => secret.length));
  // Only made when some value is long enough to hold a secret (most answers have none).
  let texts: string[] | null = null;
  const scrub = (value: string) => {
    if (value.length < shortest) return value;
    texts ??= live
      // A view, not a copy: a copy would land in Buffer's shared pool, where it can never be wiped.
      .map((secret) => Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('latin1'))
      .sort((a, b) => b.length - a.length);
    return texts.reduce((text, secret) => (text.includes(secret) ? text.split(secret).join('[REDACTED]') : text), value);
  };
  for (const name in headers) {
    const value = headers[name]!;
    headers[name] = Array.isArray(value) ? value.map(scrub) : scrub(value);
  }
  return headers;
}

export class AgentResponse {
  /**
   * Resolves when the agent has the whole body; rejects with CLIENT_DISCONNECTED when it left first,
   * or with the refusal of an answer the scrubber cannot check (nothing of it was sent).
   */
  readonly settled: Promise<void>;
  private readonly scrubber: SecretScrubber;
  /** Each secret and its encoded spellings; the spellings are this answer's copies, wiped when it settles. */
  private readonly patterns: Uint8Array[];
  private refuse!: (refusal: KeygateError) => void;
  private refused = false;
  private total = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: RelayOptions,
  ) {
    const encoded = encodedSecretForms(options.secrets);
    this.patterns = [...options.secrets, ...encoded];
    this.scrubber = new SecretScrubber(this.patterns);
    this.settled = new Promise((resolve, reject) => {
      this.refuse = reject;
      res.once('close', () => (res.writableFinished ? resolve() : reject(new KeygateError('CLIENT_DISCONNECTED'))));
    });
    // Whoever relays awaits this; an answer that was never relayed (a dead key's) must not be an unhandled rejection.
    this.settled.catch(() => undefined).finally(() => wipeForms(encoded));
  }

  start(status: number, upstreamHeaders: UpstreamHeaders): void {
    const refusal = unscrubbableAnswer(status, upstreamHeaders, this.options.allowRanges ?? false);
    if (refusal !== null) {
      this.refused = true;
      return this.refuse(refusal);
    }
    const headers = scrubHeaderValues(buildClientResponseHeaders(upstreamHeaders), this.patterns);
    Object.assign(headers, this.options.extraHeaders);
    this.res.writeHead(status, headers);
    // An SSE client waits for the headers before the first event arrives; push them out now.
    if (String(upstreamHeaders['content-type'] ?? '').startsWith('text/event-stream')) this.res.flushHeaders();
  }

  /** False when the agent's socket is full: stop reading upstream until `onDrain`. */
  write(chunk: Buffer): boolean {
    if (this.refused) return true;
    const output = this.scrubber.push(chunk);
    if (output.length === 0) return !this.res.writableNeedDrain;
    this.total += output.length;
    this.options.onBytes(this.total);
    return this.res.write(output);
  }

  onDrain(resume: () => void): void {
    this.res.once('drain', resume);
  }

  end(): void {
    if (this.refused) return;
    const tail = this.scrubber.finish();
    if (tail.length > 0) {
      this.total += tail.length;
      this.options.onBytes(this.total);
    }
    this.res.end(tail);
  }

  /** A whole answer already in hand (an inspected error body); resolves when the agent has it. */
  sendWhole(status: number, upstreamHeaders: UpstreamHeaders, body: Buffer): Promise<void> {
    this.start(status, upstreamHeaders);
    this.write(body);
    this.end();
    return this.settled;
  }

  /** The upstream broke mid-body: the agent must not take a truncated body for a whole one. */
  destroy(): void {
    this.res.destroy();
  }
}

/** Relays a body streaming from a Readable; resolves when the agent has it all. */
export function relayResponse(body: Readable, res: ServerResponse, status: number, upstreamHeaders: UpstreamHeaders, options: RelayOptions): Promise<void> {
  const agent = new AgentResponse(res, options);
  agent.settled.catch(() => body.destroy());
  const broken = new Promise<never>((_resolve, reject) => {
    body.once('error', () => {
      agent.destroy();
      reject(new KeygateError('UPSTREAM_UNREACHABLE', 'The upstream connection broke mid-response.'));
    });
  });
  agent.start(status, upstreamHeaders);
  body.on('data', (chunk: Buffer) => {
    if (!agent.write(chunk)) {
      body.pause();
      agent.onDrain(() => body.resume());
    }
  });
  body.once('end', () => agent.end());
  return Promise.race([agent.settled, broken]);
}

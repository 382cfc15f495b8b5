/**
 * An upstream's answer on its way to the agent: only the headers the agent may see (filtered, any
 * echoed secret scrubbed), then the body as it arrives (SSE included), scrubbed, with back-pressure.
 * It wraps the agent's reply the way undici's DecoratorHandler wraps a handler, so the relay and the
 * front doors never know scrubbing happens.
 */
import type { UpstreamHeaders } from '../upstream/upstream-relay';
import type { KeygateError } from '../../../shared/errors';
import { type AgentReply, ReplyDecorator } from './agent-exchange';
import { encodedSecretForms, wipeForms } from './encoded-secret-forms';
import { buildClientResponseHeaders } from './forward-headers';
import { SecretScrubber } from './secret-scrubber';
import { unscrubbableAnswer } from './unscrubbable-answer';

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

/**
 * Scrubs each secret and its encoded spellings (base64, percent, JSON; encoded-secret-forms.ts) from
 * the answer. An answer the scrubber cannot check — compressed, or a slice of a range the policy does
 * not allow — is refused at its head: `start` throws the catalogue error and nothing reaches the agent.
 */
export class ScrubbingReply extends ReplyDecorator {
  private readonly scrubber: SecretScrubber;
  /** Each secret and its encoded spellings; the spellings are this answer's copies, wiped at its end. */
  private readonly patterns: Uint8Array[];
  private readonly encoded: Uint8Array[];

  constructor(
    inner: AgentReply,
    secrets: Uint8Array[],
    private readonly allowRanges = false,
  ) {
    super(inner);
    this.encoded = encodedSecretForms(secrets);
    this.patterns = [...secrets, ...this.encoded];
    this.scrubber = new SecretScrubber(this.patterns);
  }

  override start(status: number, upstreamHeaders: UpstreamHeaders): void {
    const refusal = unscrubbableAnswer(status, upstreamHeaders, this.allowRanges);
    if (refusal !== null) {
      wipeForms(this.encoded);
      throw refusal;
    }
    this.inner.start(status, scrubHeaderValues(buildClientResponseHeaders(upstreamHeaders), this.patterns));
  }

  override write(chunk: Buffer): boolean {
    return this.inner.write(this.scrubber.push(chunk));
  }

  override async end(): Promise<void> {
    const tail = this.scrubber.finish();
    wipeForms(this.encoded);
    if (tail.length > 0) this.inner.write(tail);
    return this.inner.end();
  }

  override abort(error: KeygateError): void {
    wipeForms(this.encoded);
    this.inner.abort(error);
  }
}

/**
 * An upstream's answer on its way to the agent: only the headers the agent may see (filtered, any
 * echoed secret scrubbed), then the body as it arrives (SSE included), scrubbed, with back-pressure.
 * It wraps the agent's reply the way undici's DecoratorHandler wraps a handler, so the relay and the
 * front doors never know scrubbing happens.
 */
import type { DeliveryReport, UpstreamHeaders } from '../upstream/upstream-relay';
import type { KeygateError } from '../../../shared/errors';
import { type AgentReply, ReplyDecorator } from './agent-exchange';
import { encodedSecretForms, wipeForms } from './encoded-secret-forms';
import { buildClientResponseHeaders } from './forward-headers';
import { SecretScrubber } from './secret-scrubber';
import { unscrubbableAnswer } from './unscrubbable-answer';

/** ASCII upper-case letters as lower case, every other byte as it is. */
const lowerCaseByte = (byte: number) => (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);

/**
 * Whether a (lower-cased) header name holds a secret in any letter case. An echo server may turn what
 * it received into header names; a name cannot carry a replacement (`[` is no token character) and
 * reaches the agent lower-cased, so a case-folded key would slip past a byte-for-byte search.
 */
function nameHoldsSecret(name: string, secrets: readonly Uint8Array[]): boolean {
  for (const secret of secrets) {
    for (let at = 0; at + secret.length <= name.length; at++) {
      let offset = 0;
      while (offset < secret.length && name.charCodeAt(at + offset) === lowerCaseByte(secret[offset]!)) offset++;
      if (offset === secret.length) return true;
    }
  }
  return false;
}

/**
 * An upstream may echo the key in a header too (`www-authenticate`, debug headers). A header whose
 * name holds a secret is dropped. Values are latin1 strings of the received bytes, so they are
 * searched as bytes, all values in one buffer (a newline never occurs inside a value, so no match
 * spans two); the secrets never become strings. Most answers hold none, and are passed on unchanged
 * after one search per pattern; the usual answer, whose every name and value is shorter than any
 * secret, after none (and with no array or buffer made).
 */
function scrubHeaders(headers: Record<string, string | string[]>, answerScrubber: SecretScrubber): Record<string, string | string[]> {
  const live = answerScrubber.secrets;
  if (live.length === 0) return headers;
  let values: string[] | null = null;
  for (const name in headers) {
    if (name.length >= answerScrubber.shortest && nameHoldsSecret(name, live)) {
      delete headers[name];
      continue;
    }
    const value = headers[name]!;
    if (typeof value === 'string') {
      if (value.length >= answerScrubber.shortest) (values ??= []).push(value);
    } else {
      for (const text of value) if (text.length >= answerScrubber.shortest) (values ??= []).push(text);
    }
  }
  if (values === null) return headers;
  const all = Buffer.from(values.join('\n'), 'latin1');
  if (!live.some((pattern) => all.indexOf(pattern) !== -1)) return headers;
  const scrub = (text: string) => {
    const scrubber = new SecretScrubber(live);
    return Buffer.concat([scrubber.push(Buffer.from(text, 'latin1')), scrubber.finish()]).toString('latin1');
  };
  for (const name in headers) {
    const value = headers[name]!;
    headers[name] = Array.isArray(value) ? value.map(scrub) : scrub(value);
  }
  return headers;
}

/**
 * What one answer is scrubbed of: each secret and its encoded spellings (encoded-secret-forms.ts).
 * `owned` are the spellings derived for this answer alone, wiped when it ends; the key-injection
 * forwarder's come from the vault, which keeps them per credential and wipes them itself.
 */
export interface ScrubPatterns {
  patterns: readonly Uint8Array[];
  owned: readonly Uint8Array[];
}

/** Spellings derived for one answer (Binance's key pair), wiped at its end. */
export function patternsForOneAnswer(secrets: readonly Uint8Array[]): ScrubPatterns {
  const encoded = encodedSecretForms(secrets);
  return { patterns: [...secrets, ...encoded], owned: encoded };
}

/**
 * Scrubs each secret and its encoded spellings (base64, percent, JSON; encoded-secret-forms.ts) from
 * the answer. An answer the scrubber cannot check — compressed, or a slice of a range the policy does
 * not allow — is refused at its head: `start` throws the catalogue error and nothing reaches the agent.
 */
export class ScrubbingReply extends ReplyDecorator {
  private readonly scrubber: SecretScrubber;

  constructor(
    inner: AgentReply,
    private readonly scrub: ScrubPatterns,
    private readonly allowRanges = false,
  ) {
    super(inner);
    this.scrubber = new SecretScrubber(scrub.patterns);
  }

  override start(status: number, upstreamHeaders: UpstreamHeaders): void {
    const refusal = unscrubbableAnswer(status, upstreamHeaders, this.allowRanges);
    if (refusal !== null) {
      wipeForms(this.scrub.owned);
      throw refusal;
    }
    this.inner.start(status, scrubHeaders(buildClientResponseHeaders(upstreamHeaders), this.scrubber));
  }

  override write(chunk: Buffer): boolean {
    return this.inner.write(this.scrubber.push(chunk));
  }

  /** The scrubber's held tail goes out before the end; the answer's own spellings are wiped whatever happens. */
  override end(delivered: DeliveryReport): void {
    try {
      const tail = this.scrubber.finish();
      if (tail.length > 0) this.inner.write(tail);
      this.inner.end(delivered);
    } finally {
      wipeForms(this.scrub.owned);
    }
  }

  override abort(error: KeygateError): void {
    wipeForms(this.scrub.owned);
    this.inner.abort(error);
  }
}

/**
 * Upstreams sometimes echo the credential they were sent (an "invalid key sk-…" error body). The
 * scrubber replaces every occurrence of a secret in a streamed body, byte for byte, even when it is
 * split across chunks. It holds back only the bytes that could still turn into a secret, so a server-
 * sent event that cannot contain one is passed on the moment it arrives.
 *
 * It reads the caller's secret bytes in place rather than copying them (a copy of a short buffer
 * lands in Buffer's shared pool, where it could never be wiped), so the caller keeps them intact
 * until the body is finished; the vault wipes an opened credential only after its response.
 */

function matchesAt(data: Buffer, at: number, secret: Uint8Array): 'full' | 'partial' | 'none' {
  const available = Math.min(secret.length, data.length - at);
  for (let offset = 0; offset < available; offset++) {
    if (data[at + offset] !== secret[offset]) return 'none';
  }
  return available === secret.length ? 'full' : 'partial';
}

const DEFAULT_REPLACEMENT = Buffer.from('[REDACTED]', 'utf8');
/** What `finish` returns when nothing was held back: every answer ends, so not a new Buffer each time. */
const NOTHING = Buffer.alloc(0);

export class SecretScrubber {
  /** The non-empty secrets, as given (not copies). */
  readonly secrets: readonly Uint8Array[];
  /** The length of the shortest secret (0 when there is none): shorter text cannot hold one. */
  readonly shortest: number;
  /**
   * Marks bytes that begin some secret, so most positions are skipped with one lookup: 256 bits in
   * sixteen small integers. Every answer makes a scrubber, and a 256-byte typed array would be memory
   * outside the heap for the collector to track each time.
   */
  private readonly startsSecret = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  private readonly replacement: Buffer;
  private readonly longest: number;
  private held: Buffer | null = null;

  constructor(secrets: readonly Uint8Array[], replacement?: string) {
    this.secrets = secrets.filter((secret) => secret.length > 0);
    let longest = 0;
    let shortest = Infinity;
    for (const secret of this.secrets) {
      longest = Math.max(longest, secret.length);
      shortest = Math.min(shortest, secret.length);
      this.startsSecret[secret[0]! >>> 4]! |= 1 << (secret[0]! & 15);
    }
    this.longest = longest;
    this.shortest = longest === 0 ? 0 : shortest;
    this.replacement = replacement === undefined ? DEFAULT_REPLACEMENT : Buffer.from(replacement, 'utf8');
  }

  private mayStartSecret(byte: number): boolean {
    return ((this.startsSecret[byte >>> 4]! >>> (byte & 15)) & 1) === 1;
  }

  /** The bytes of `chunk` (after any held back before it) that are safe to send now. */
  push(chunk: Buffer): Buffer {
    const data = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
    const { output, heldFrom } = this.scrub(data, false);
    // The held tail is shorter than the longest secret; copy it so the chunk can be released.
    this.held = heldFrom < data.length ? Buffer.from(data.subarray(heldFrom)) : null;
    return output;
  }

  /** Whatever was held back, scrubbed, once the body has ended. */
  finish(): Buffer {
    const held = this.held;
    this.held = null;
    return held === null ? NOTHING : this.scrub(held, true).output;
  }

  /**
   * At one position: the longest secret found there in full, and whether a longer secret could still
   * match once more bytes arrive (then the position must wait: with secrets `ab` and `abcd`, replacing
   * `ab` early would leak `cd`).
   */
  private inspectPosition(data: Buffer, at: number): { full: number; mayGrow: boolean } {
    let full = 0;
    let longestPartial = 0;
    for (const secret of this.secrets) {
      const match = matchesAt(data, at, secret);
      if (match === 'full') full = Math.max(full, secret.length);
      else if (match === 'partial') longestPartial = Math.max(longestPartial, secret.length);
    }
    return { full, mayGrow: longestPartial > full };
  }

  /** The leftmost position before `before` where a secret matches in full, and its longest match there. */
  private nextFullMatch(data: Buffer, from: number, before: number): { at: number; length: number } | null {
    let at = -1;
    for (const secret of this.secrets) {
      const found = data.indexOf(secret, from);
      if (found !== -1 && found < before && (at === -1 || found < at)) at = found;
    }
    return at === -1 ? null : { at, length: this.inspectPosition(data, at).full };
  }

  /** The scrubbed output, and where the held-back tail (bytes that may begin a secret) starts. */
  private scrub(data: Buffer, final: boolean): { output: Buffer; heldFrom: number } {
    const pieces: Buffer[] = [];
    let emittedUpTo = 0;
    let at = 0;
    // A secret starting before `decidable` ends inside the data: it matches in full or not at all,
    // so the native search finds it. Only the tail after it is walked byte by byte.
    const decidable = Math.min(data.length, data.length - this.longest + 1);
    while (at < decidable) {
      const match = this.nextFullMatch(data, at, decidable);
      if (match === null) break;
      pieces.push(data.subarray(emittedUpTo, match.at), this.replacement);
      at = match.at + match.length;
      emittedUpTo = at;
    }
    at = Math.max(at, decidable);
    while (at < data.length) {
      if (!this.mayStartSecret(data[at]!)) {
        at++;
        continue;
      }
      const { full, mayGrow } = this.inspectPosition(data, at);
      if (mayGrow && !final) break;
      if (full > 0) {
        pieces.push(data.subarray(emittedUpTo, at), this.replacement);
        at += full;
        emittedUpTo = at;
      } else {
        at++;
      }
    }
    // The usual case, nothing replaced: the data itself, not a copy.
    if (pieces.length === 0) return { output: data.subarray(0, at), heldFrom: at };
    pieces.push(data.subarray(emittedUpTo, at));
    return { output: Buffer.concat(pieces), heldFrom: at };
  }
}

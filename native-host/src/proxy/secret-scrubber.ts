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

/**
 * How many bytes of `secret` match `data` from `at` on: its length for a full match, fewer when the
 * data ends inside a match that may still complete, -1 when a byte differs.
 */
function matchLength(data: Buffer, at: number, secret: Uint8Array): number {
  const available = Math.min(secret.length, data.length - at);
  for (let offset = 0; offset < available; offset++) {
    if (data[at + offset] !== secret[offset]) return -1;
  }
  return available;
}

/**
 * Where the part of the data a native search would cover is shorter than this, the whole of it is
 * walked byte by byte instead: one native search per secret (six for a key's spellings) costs
 * ~0.1 µs each to call, a walk ~4 ns per byte. A server-sent event is one small chunk, so this is
 * most chunks of a streamed answer (a 161-byte event: 1.0 → 0.6 µs; equal at ~300–600 bytes).
 */
const WALK_RATHER_THAN_SEARCH_BYTES = 256;

/** The full match's length in what `inspectPosition` found, whether or not a longer one may follow. */
const fullLength = (found: number) => (found < 0 ? -found - 1 : found);

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
  /**
   * Marks bytes that are some secret's second byte (all of them when a secret is one byte long). A
   * byte that may begin a secret is looked at closer only when the next one is marked too: text is
   * full of `s` and `c` (a key and its base64 spellings begin so), rarely of `sk` or `c2` — in a
   * streamed chat event, 14 closer looks at six spellings each became none.
   */
  private readonly secondOfSecret = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  private readonly replacement: Buffer;
  private readonly longest: number;
  private held: Buffer | null = null;
  /** Where the last scan's held-back tail starts: a field, so a scan of an event allocates nothing. */
  private heldFrom = 0;

  constructor(secrets: readonly Uint8Array[], replacement?: string) {
    this.secrets = secrets.filter((secret) => secret.length > 0);
    let longest = 0;
    let shortest = Infinity;
    for (const secret of this.secrets) {
      longest = Math.max(longest, secret.length);
      shortest = Math.min(shortest, secret.length);
      this.startsSecret[secret[0]! >>> 4]! |= 1 << (secret[0]! & 15);
      if (secret.length > 1) this.secondOfSecret[secret[1]! >>> 4]! |= 1 << (secret[1]! & 15);
      else this.secondOfSecret.fill(0xffff);
    }
    this.longest = longest;
    this.shortest = longest === 0 ? 0 : shortest;
    this.replacement = replacement === undefined ? DEFAULT_REPLACEMENT : Buffer.from(replacement, 'utf8');
  }

  /** The bytes of `chunk` (after any held back before it) that are safe to send now. */
  push(chunk: Buffer): Buffer {
    const data = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
    const output = this.scrub(data, false);
    // The held tail is shorter than the longest secret; copy it so the chunk can be released.
    this.held = this.heldFrom < data.length ? Buffer.from(data.subarray(this.heldFrom)) : null;
    return output;
  }

  /** Whatever was held back, scrubbed, once the body has ended. */
  finish(): Buffer {
    const held = this.held;
    this.held = null;
    return held === null ? NOTHING : this.scrub(held, true);
  }

  /**
   * At one position: the length of the longest secret found there in full (0 for none), as
   * `-(length + 1)` when a longer secret could still match once more bytes arrive (then the position
   * must wait: with secrets `ab` and `abcd`, replacing `ab` early would leak `cd`). A number, not an
   * object: this runs for every byte that may begin a secret.
   */
  private inspectPosition(data: Buffer, at: number): number {
    let full = 0;
    let longestPartial = 0;
    for (const secret of this.secrets) {
      const matched = matchLength(data, at, secret);
      if (matched === secret.length) full = Math.max(full, matched);
      else if (matched >= 0) longestPartial = Math.max(longestPartial, secret.length);
    }
    return longestPartial > full ? -(full + 1) : full;
  }

  /** The leftmost position before `before` where a secret matches in full, and its longest match there. */
  private nextFullMatch(data: Buffer, from: number, before: number): { at: number; length: number } | null {
    let at = -1;
    for (const secret of this.secrets) {
      const found = data.indexOf(secret, from);
      if (found !== -1 && found < before && (at === -1 || found < at)) at = found;
    }
    return at === -1 ? null : { at, length: fullLength(this.inspectPosition(data, at)) };
  }

  /**
   * The scrubbed output, with `heldFrom` set to where the held-back tail (bytes that may begin a
   * secret) starts. Most chunks hold no secret: they come back as they are, with nothing allocated.
   */
  private scrub(data: Buffer, final: boolean): Buffer {
    let pieces: Buffer[] | null = null;
    let emittedUpTo = 0;
    let at = 0;
    // A secret starting before `decidable` ends inside the data: it matches in full or not at all,
    // so the native search finds it. Only the tail after it is walked byte by byte — all of it, where
    // the searched part would be short.
    const searchable = data.length - this.longest + 1;
    const decidable = searchable < WALK_RATHER_THAN_SEARCH_BYTES ? 0 : searchable;
    while (at < decidable) {
      const match = this.nextFullMatch(data, at, decidable);
      if (match === null) break;
      (pieces ??= []).push(data.subarray(emittedUpTo, match.at), this.replacement);
      at = match.at + match.length;
      emittedUpTo = at;
    }
    at = Math.max(at, decidable);
    const startsSecret = this.startsSecret;
    const secondOfSecret = this.secondOfSecret;
    const end = data.length;
    while (at < end) {
      const byte = data[at]!;
      if (((startsSecret[byte >>> 4]! >>> (byte & 15)) & 1) === 0) {
        at++;
        continue;
      }
      // The last byte has no next one here: the closer look decides whether it is held back.
      if (at + 1 < end) {
        const next = data[at + 1]!;
        if (((secondOfSecret[next >>> 4]! >>> (next & 15)) & 1) === 0) {
          at++;
          continue;
        }
      }
      const found = this.inspectPosition(data, at);
      if (found < 0 && !final) break;
      // At the body's end a match that could have grown is as long as it got: the full one, if any.
      const full = fullLength(found);
      if (full > 0) {
        (pieces ??= []).push(data.subarray(emittedUpTo, at), this.replacement);
        at += full;
        emittedUpTo = at;
      } else {
        at++;
      }
    }
    this.heldFrom = at;
    if (pieces === null) return at === end ? data : data.subarray(0, at);
    pieces.push(data.subarray(emittedUpTo, at));
    return Buffer.concat(pieces);
  }
}

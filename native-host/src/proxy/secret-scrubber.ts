/**
 * Upstreams sometimes echo the credential they were sent (an "invalid key sk-…" error body). The
 * scrubber replaces every occurrence of a secret in a streamed body, byte for byte, even when it is
 * split across chunks. It holds back only the bytes that could still turn into a secret, so a server-
 * sent event that cannot contain one is passed on the moment it arrives.
 */
import { Transform, type TransformCallback } from 'node:stream';

interface ScrubState {
  secrets: Buffer[];
  /** Marks bytes that begin some secret, so most positions are skipped with one lookup. */
  startsSecret: Uint8Array;
  replacement: Buffer;
}

function matchesAt(data: Buffer, at: number, secret: Buffer): 'full' | 'partial' | 'none' {
  const available = Math.min(secret.length, data.length - at);
  for (let offset = 0; offset < available; offset++) {
    if (data[at + offset] !== secret[offset]) return 'none';
  }
  return available === secret.length ? 'full' : 'partial';
}

/**
 * At one position: the longest secret found there in full, and whether a longer secret could still
 * match once more bytes arrive (then the position must wait: with secrets `ab` and `abcd`, replacing
 * `ab` early would leak `cd`).
 */
function inspectPosition(data: Buffer, at: number, state: ScrubState): { full: number; mayGrow: boolean } {
  let full = 0;
  let longestPartial = 0;
  for (const secret of state.secrets) {
    const match = matchesAt(data, at, secret);
    if (match === 'full') full = Math.max(full, secret.length);
    else if (match === 'partial') longestPartial = Math.max(longestPartial, secret.length);
  }
  return { full, mayGrow: longestPartial > full };
}

/** Returns the scrubbed output and the held-back tail: the longest suffix that may begin a secret. */
function scrub(data: Buffer, state: ScrubState, final: boolean): { output: Buffer; held: Buffer } {
  const pieces: Buffer[] = [];
  let emittedUpTo = 0;
  let at = 0;
  while (at < data.length) {
    if (state.startsSecret[data[at] ?? 0] === 0) {
      at++;
      continue;
    }
    const { full, mayGrow } = inspectPosition(data, at, state);
    if (mayGrow && !final) break;
    if (full > 0) {
      pieces.push(data.subarray(emittedUpTo, at), state.replacement);
      at += full;
      emittedUpTo = at;
    } else {
      at++;
    }
  }
  pieces.push(data.subarray(emittedUpTo, at));
  return { output: Buffer.concat(pieces), held: data.subarray(at) };
}

export function createSecretScrubber(secrets: Uint8Array[], replacement = '[REDACTED]'): Transform {
  const state: ScrubState = {
    // Copies: the caller may wipe its buffers (vault lock) while a response is still streaming.
    secrets: secrets.filter((secret) => secret.length > 0).map((secret) => Buffer.from(secret)),
    startsSecret: new Uint8Array(256),
    replacement: Buffer.from(replacement, 'utf8'),
  };
  for (const secret of state.secrets) state.startsSecret[secret[0] ?? 0] = 1;
  let held: Buffer = Buffer.alloc(0);

  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      const data = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      const result = scrub(data, state, false);
      // The held tail is shorter than the longest secret; copy it so the chunk can be released.
      held = Buffer.from(result.held);
      if (result.output.length > 0) this.push(result.output);
      done();
    },
    flush(done: TransformCallback) {
      const result = scrub(held, state, true);
      held = Buffer.alloc(0);
      if (result.output.length > 0) this.push(result.output);
      done();
    },
  });
}

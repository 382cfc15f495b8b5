/**
 * ChaCha20-Poly1305 decryption (RFC 8439) of a short sealed credential, in plain JS on scratch
 * arrays kept by the unlocked vault: the per-request opening on the proxy's path. node:crypto did
 * the same with one createDecipheriv per request, and in the running host that cost about a sixth of
 * a request's CPU (docs/performance.md), far more than a loop benchmark of it shows: a native cipher
 * handle and off-heap buffers per request, for the collector to track. This allocates only the
 * plaintext. Poly1305 keeps poly1305-donna-16's 13-bit limbs (clamp and final reduction as
 * noble-ciphers writes them), its multiply written as a loop; tests hold the whole to node:crypto
 * and the XChaCha draft's vector. The scratch arrays are zeroed after every opening.
 */

/** "expand 32-byte k" as little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;
const TAG_BYTES = 16;

const readWord = (bytes: Uint8Array, at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
const readHalf = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8);
const rotl = (value: number, bits: number) => (value << bits) | (value >>> (32 - bits));

export class ChaChaOpener {
  private readonly state = new Uint32Array(16);
  private readonly keystream = new Uint8Array(64);
  private readonly r = new Uint16Array(10);
  /** 5 · r, for the terms that wrap past 2^130. */
  private readonly r5 = new Uint16Array(10);
  private readonly h = new Uint16Array(10);
  private readonly g = new Uint16Array(10);
  private readonly pad = new Uint16Array(8);
  private readonly lastBlock = new Uint8Array(16);

  /**
   * `key`: 8 little-endian words; `nonce`: 12 bytes; `sealed`: ciphertext, then its 16-byte tag.
   * Throws when the tag does not verify (nothing is decrypted then).
   */
  open(key: Uint32Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
    if (key.length !== 8 || nonce.length !== 12 || sealed.length < TAG_BYTES) throw new RangeError('Bad ChaCha20-Poly1305 input sizes.');
    const length = sealed.length - TAG_BYTES;
    try {
      this.state.set(SIGMA, 0);
      this.state.set(key, 4);
      this.state[13] = readWord(nonce, 0);
      this.state[14] = readWord(nonce, 4);
      this.state[15] = readWord(nonce, 8);
      // RFC 8439 §2.6: block 0 gives the one-time Poly1305 key; the plaintext's keystream starts at block 1.
      this.nextKeystream(0);
      this.startMac(this.keystream);
      this.macPadded(ad, ad.length);
      this.macPadded(sealed, length);
      this.lastBlock.fill(0);
      writeLength(this.lastBlock, 0, ad.length);
      writeLength(this.lastBlock, 8, length);
      this.macBlock(this.lastBlock, 0);
      if (!this.tagMatches(sealed, length)) throw new Error('The ChaCha20-Poly1305 tag does not verify.');
      const plaintext = new Uint8Array(length);
      for (let at = 0; at < length; at += 64) {
        this.nextKeystream(1 + at / 64);
        const end = Math.min(64, length - at);
        for (let i = 0; i < end; i++) plaintext[at + i] = sealed[at + i]! ^ this.keystream[i]!;
      }
      return plaintext;
    } finally {
      this.wipe();
    }
  }

  /** RFC 8439 §2.3: the block for `counter`, its 20 rounds on sixteen local words (an array per step cost twice as much). */
  private nextKeystream(counter: number): void {
    const s = this.state;
    s[12] = counter;
    let x0 = s[0]! | 0, x1 = s[1]! | 0, x2 = s[2]! | 0, x3 = s[3]! | 0, x4 = s[4]! | 0, x5 = s[5]! | 0, x6 = s[6]! | 0, x7 = s[7]! | 0;
    let x8 = s[8]! | 0, x9 = s[9]! | 0, x10 = s[10]! | 0, x11 = s[11]! | 0, x12 = s[12]! | 0, x13 = s[13]! | 0, x14 = s[14]! | 0, x15 = s[15]! | 0;
    for (let round = 0; round < 10; round++) {
      // Columns.
      x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 16); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 12);
      x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 8); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 7);
      x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 16); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 12);
      x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 8); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 7);
      x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 16); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 12);
      x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 8); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 7);
      x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 16); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 12);
      x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 8); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 7);
      // Diagonals.
      x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 16); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 12);
      x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 8); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 7);
      x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 16); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 12);
      x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 8); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 7);
      x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 16); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 12);
      x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 8); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 7);
      x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 16); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 12);
      x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 8); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 7);
    }
    const out = this.keystream;
    writeWord(out, 0, x0 + s[0]!); writeWord(out, 4, x1 + s[1]!); writeWord(out, 8, x2 + s[2]!); writeWord(out, 12, x3 + s[3]!);
    writeWord(out, 16, x4 + s[4]!); writeWord(out, 20, x5 + s[5]!); writeWord(out, 24, x6 + s[6]!); writeWord(out, 28, x7 + s[7]!);
    writeWord(out, 32, x8 + s[8]!); writeWord(out, 36, x9 + s[9]!); writeWord(out, 40, x10 + s[10]!); writeWord(out, 44, x11 + s[11]!);
    writeWord(out, 48, x12 + s[12]!); writeWord(out, 52, x13 + s[13]!); writeWord(out, 56, x14 + s[14]!); writeWord(out, 60, x15 + s[15]!);
  }

  /** Poly1305 key: r (clamped, as 13-bit limbs) from bytes 0–15, s from bytes 16–31. */
  private startMac(key: Uint8Array): void {
    const t0 = readHalf(key, 0);
    const t1 = readHalf(key, 2);
    const t2 = readHalf(key, 4);
    const t3 = readHalf(key, 6);
    const t4 = readHalf(key, 8);
    const t5 = readHalf(key, 10);
    const t6 = readHalf(key, 12);
    const t7 = readHalf(key, 14);
    const r = this.r;
    r[0] = t0 & 0x1fff;
    r[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
    r[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
    r[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
    r[4] = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
    r[5] = (t4 >>> 1) & 0x1ffe;
    r[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
    r[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
    r[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
    r[9] = (t7 >>> 5) & 0x007f;
    for (let i = 0; i < 10; i++) this.r5[i] = 5 * r[i]!;
    for (let i = 0; i < 8; i++) this.pad[i] = readHalf(key, 16 + 2 * i);
    this.h.fill(0);
  }

  /** The first `length` bytes of `data`, zero-padded to whole blocks (RFC 8439 §2.8: every block is full). */
  private macPadded(data: Uint8Array, length: number): void {
    const whole = length - (length % 16);
    for (let at = 0; at < whole; at += 16) this.macBlock(data, at);
    if (whole === length) return;
    this.lastBlock.fill(0);
    for (let i = whole; i < length; i++) this.lastBlock[i - whole] = data[i]!;
    this.macBlock(this.lastBlock, 0);
  }

  /**
   * h = (h + block + 2^128) · r mod 2^130 − 5, in 13-bit limbs: limb i of the product sums h_j · r_(i−j),
   * the terms that wrap past 2^130 counted five times (2^130 ≡ 5); the carry out of the top limb comes
   * back times five into the bottom two. h and the multipliers are locals, not typed arrays: the
   * multiply indexing arrays in two inner loops cost 4.3 µs per opening, this 2 µs (unrolled: 1.5).
   */
  private macBlock(data: Uint8Array, at: number): void {
    const { h, r, r5 } = this;
    const t0 = readHalf(data, at);
    const t1 = readHalf(data, at + 2);
    const t2 = readHalf(data, at + 4);
    const t3 = readHalf(data, at + 6);
    const t4 = readHalf(data, at + 8);
    const t5 = readHalf(data, at + 10);
    const t6 = readHalf(data, at + 12);
    const t7 = readHalf(data, at + 14);
    const h0 = h[0]! + (t0 & 0x1fff);
    const h1 = h[1]! + (((t0 >>> 13) | (t1 << 3)) & 0x1fff);
    const h2 = h[2]! + (((t1 >>> 10) | (t2 << 6)) & 0x1fff);
    const h3 = h[3]! + (((t2 >>> 7) | (t3 << 9)) & 0x1fff);
    const h4 = h[4]! + (((t3 >>> 4) | (t4 << 12)) & 0x1fff);
    const h5 = h[5]! + ((t4 >>> 1) & 0x1fff);
    const h6 = h[6]! + (((t4 >>> 14) | (t5 << 2)) & 0x1fff);
    const h7 = h[7]! + (((t5 >>> 11) | (t6 << 5)) & 0x1fff);
    const h8 = h[8]! + (((t6 >>> 8) | (t7 << 8)) & 0x1fff);
    const h9 = h[9]! + ((t7 >>> 5) | (1 << 11));
    // Limb 0's multipliers for h0…h9: r_0, then 5·r_9 … 5·r_1 for the terms that wrap.
    let w0 = r[0]!, w1 = r5[9]!, w2 = r5[8]!, w3 = r5[7]!, w4 = r5[6]!, w5 = r5[5]!, w6 = r5[4]!, w7 = r5[3]!, w8 = r5[2]!, w9 = r5[1]!;
    let carry = 0;
    for (let i = 0; i < 10; i++) {
      // Five terms at a time stay below 2^32 (poly1305-donna-16's bound), so 32-bit shifts take the carries.
      let limb = carry + h0 * w0 + h1 * w1 + h2 * w2 + h3 * w3 + h4 * w4;
      carry = limb >>> 13;
      limb &= 0x1fff;
      limb += h5 * w5 + h6 * w6 + h7 * w7 + h8 * w8 + h9 * w9;
      carry += limb >>> 13;
      h[i] = limb & 0x1fff;
      // The next limb: each h_j moves on to the next r (the one wrapping in is no longer times five).
      w9 = w8; w8 = w7; w7 = w6; w6 = w5; w5 = w4; w4 = w3; w3 = w2; w2 = w1; w1 = w0;
      w0 = i < 9 ? r[i + 1]! : 0;
    }
    carry = (carry * 5 + h[0]!) | 0;
    h[0] = carry & 0x1fff;
    h[1]! += carry >>> 13;
  }

  /** The tag (h mod 2^130 − 5, plus s) compared with the sealed one in constant time. */
  private tagMatches(sealed: Uint8Array, at: number): boolean {
    const { h, g, pad } = this;
    let c = h[1]! >>> 13;
    h[1]! &= 0x1fff;
    for (let i = 2; i < 10; i++) {
      h[i]! += c;
      c = h[i]! >>> 13;
      h[i]! &= 0x1fff;
    }
    h[0]! += c * 5;
    c = h[0]! >>> 13;
    h[0]! &= 0x1fff;
    h[1]! += c;
    c = h[1]! >>> 13;
    h[1]! &= 0x1fff;
    h[2]! += c;
    g[0] = h[0]! + 5;
    c = g[0]! >>> 13;
    g[0]! &= 0x1fff;
    for (let i = 1; i < 10; i++) {
      g[i] = h[i]! + c;
      c = g[i]! >>> 13;
      g[i]! &= 0x1fff;
    }
    g[9]! -= 1 << 13;
    let mask = (c ^ 1) - 1;
    for (let i = 0; i < 10; i++) g[i]! &= mask;
    mask = ~mask;
    for (let i = 0; i < 10; i++) h[i] = (h[i]! & mask) | g[i]!;
    h[0] = (h[0]! | (h[1]! << 13)) & 0xffff;
    h[1] = ((h[1]! >>> 3) | (h[2]! << 10)) & 0xffff;
    h[2] = ((h[2]! >>> 6) | (h[3]! << 7)) & 0xffff;
    h[3] = ((h[3]! >>> 9) | (h[4]! << 4)) & 0xffff;
    h[4] = ((h[4]! >>> 12) | (h[5]! << 1) | (h[6]! << 14)) & 0xffff;
    h[5] = ((h[6]! >>> 2) | (h[7]! << 11)) & 0xffff;
    h[6] = ((h[7]! >>> 5) | (h[8]! << 8)) & 0xffff;
    h[7] = ((h[8]! >>> 8) | (h[9]! << 5)) & 0xffff;
    let f = h[0]! + pad[0]!;
    h[0] = f & 0xffff;
    for (let i = 1; i < 8; i++) {
      f = (((h[i]! + pad[i]!) | 0) + (f >>> 16)) | 0;
      h[i] = f & 0xffff;
    }
    let difference = 0;
    for (let i = 0; i < 8; i++) difference |= (sealed[at + 2 * i]! ^ (h[i]! & 0xff)) | (sealed[at + 2 * i + 1]! ^ (h[i]! >>> 8));
    return difference === 0;
  }

  private wipe(): void {
    this.state.fill(0);
    this.keystream.fill(0);
    this.r.fill(0);
    this.r5.fill(0);
    this.h.fill(0);
    this.g.fill(0);
    this.pad.fill(0);
    this.lastBlock.fill(0);
  }
}

/** A word (mod 2^32) as 4 little-endian bytes. */
function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word;
  bytes[at + 1] = word >>> 8;
  bytes[at + 2] = word >>> 16;
  bytes[at + 3] = word >>> 24;
}

/** A byte count as a 64-bit little-endian number (credentials are far below 2^32 bytes). */
function writeLength(block: Uint8Array, at: number, length: number): void {
  block[at] = length;
  block[at + 1] = length >>> 8;
  block[at + 2] = length >>> 16;
  block[at + 3] = length >>> 24;
}

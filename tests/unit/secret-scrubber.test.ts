import { describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../native-host/src/proxy/secret-scrubber';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds the chunks one push each, then finishes; returns everything the scrubber let out. */
function runScrubber(scrubber: SecretScrubber, chunks: Buffer[]): Buffer {
  return Buffer.concat([...chunks.map((chunk) => scrubber.push(chunk)), scrubber.finish()]);
}

function scrubChunks(secrets: string[], chunks: (string | Buffer)[], replacement?: string): string {
  const buffers = chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
  return runScrubber(new SecretScrubber(secrets.map(bytes), replacement), buffers).toString('utf8');
}

/** Leftmost, then longest: the plainest statement of what the streaming scrubber must produce. */
function scrubbedAtOnce(body: string, secrets: string[]): string {
  let out = '';
  for (let at = 0; at < body.length; ) {
    const longest = secrets.filter((secret) => secret !== '' && body.startsWith(secret, at)).sort((a, b) => b.length - a.length)[0];
    if (longest === undefined) out += body[at++];
    else {
      out += '[REDACTED]';
      at += longest.length;
    }
  }
  return out;
}

/** A repeatable sequence of whole numbers below `below`. */
function seededRandom(seed: number): (below: number) => number {
  return (below) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % below;
  };
}

/** `body` cut at up to `maxCuts - 1` random places, in order. */
function cutAtRandom(body: string, random: (below: number) => number, maxCuts: number): string[] {
  const cuts = [0, ...Array.from({ length: random(maxCuts) }, () => random(body.length + 1)).sort((a, b) => a - b), body.length];
  return cuts.slice(1).map((end, i) => body.slice(cuts[i], end));
}

/** Random filler with the secrets and their prefixes planted in it, so whole and cut-off matches both occur. */
function plantSecrets(secrets: string[], random: (below: number) => number, filler: (length: number) => string, fillerMax: number, wantsMore: (length: number) => boolean): string {
  let body = '';
  while (wantsMore(body.length)) {
    const secret = secrets[random(secrets.length)]!;
    body += filler(random(fillerMax)) + (random(3) === 0 ? secret.slice(0, 1 + random(secret.length)) : secret);
  }
  return body;
}

const pushText = (scrubber: SecretScrubber, text: string) => scrubber.push(Buffer.from(text, 'utf8')).toString('utf8');

describe('SecretScrubber', () => {
  const SECRET = 'sk-proj-Abc123XYZ';
  const BODY = `{"error":{"message":"Incorrect API key provided: ${SECRET}. You can find your key at…"}}`;
  const SCRUBBED = '{"error":{"message":"Incorrect API key provided: [REDACTED]. You can find your key at…"}}';

  it('replaces a secret echoed in an error body', () => {
    expect(scrubChunks([SECRET], [BODY])).toBe(SCRUBBED);
  });

  it('replaces a secret split at every possible chunk boundary', () => {
    const body = Buffer.from(BODY, 'utf8');
    for (let cut = 0; cut <= body.length; cut++) {
      expect(scrubChunks([SECRET], [body.subarray(0, cut), body.subarray(cut)]), `cut at ${cut}`).toBe(SCRUBBED);
    }
  });

  it('replaces a secret split into three pieces at every pair of boundaries inside it', () => {
    const text = `a${SECRET}b`;
    for (let first = 1; first <= SECRET.length; first++) {
      for (let second = first; second <= SECRET.length; second++) {
        const pieces = [text.slice(0, first), text.slice(first, second + 1), text.slice(second + 1)];
        expect(scrubChunks([SECRET], pieces), pieces.join('|')).toBe('a[REDACTED]b');
      }
    }
  });

  it('replaces a secret delivered one byte at a time', () => {
    const chunks = [...Buffer.from(BODY, 'utf8')].map((byte) => Buffer.from([byte]));
    expect(scrubChunks([SECRET], chunks)).toBe(SCRUBBED);
  });

  it('replaces every occurrence of every secret', () => {
    const text = 'k1=AAA111 k2=BBB222 again AAA111BBB222 end';
    expect(scrubChunks(['AAA111', 'BBB222'], [text])).toBe('k1=[REDACTED] k2=[REDACTED] again [REDACTED][REDACTED] end');
    expect(scrubChunks(['AAA111', 'BBB222'], text.split(''))).toBe('k1=[REDACTED] k2=[REDACTED] again [REDACTED][REDACTED] end');
  });

  it('handles secrets that overlap themselves', () => {
    expect(scrubChunks(['abab'], ['ababab'])).toBe('[REDACTED]ab');
    expect(scrubChunks(['abab'], ['a', 'b', 'a', 'b', 'a', 'b'])).toBe('[REDACTED]ab');
    expect(scrubChunks(['abab'], ['abababab'])).toBe('[REDACTED][REDACTED]');
    expect(scrubChunks(['abab'], ['aba', 'abab'])).toBe('aba[REDACTED]');
    expect(scrubChunks(['aab'], ['a', 'a', 'a', 'a', 'b'])).toBe('aa[REDACTED]');
    expect(scrubChunks(['aab'], ['aaa', 'ab'])).toBe('aa[REDACTED]');
  });

  it('never leaks the tail of a longer secret that starts with a shorter one', () => {
    // A key and a longer key that begins with it: redacting the short one early would leak "-TAIL".
    expect(scrubChunks(['KEY', 'KEY-TAIL'], ['xKEY', '-TAILx'])).toBe('x[REDACTED]x');
    expect(scrubChunks(['KEY', 'KEY-TAIL'], ['xKEY', '-TAxx'])).toBe('x[REDACTED]-TAxx');
    expect(scrubChunks(['KEY', 'KEY-TAIL'], ['xKEY'])).toBe('x[REDACTED]');
  });

  it('lets a chunk that cannot start a secret out in full, at once', () => {
    const scrubber = new SecretScrubber([bytes(SECRET)]);
    expect(pushText(scrubber, 'data: {"delta":"Hello"}\n\n')).toBe('data: {"delta":"Hello"}\n\n');
    // Containing the first byte of the secret is not enough to be held back.
    expect(pushText(scrubber, 'data: {"delta":"s"}\n\n')).toBe('data: {"delta":"s"}\n\n');
    expect(scrubber.finish()).toHaveLength(0);
  });

  it('hands back a chunk with nothing to hide as the very same buffer: no copy, no view per event', () => {
    const scrubber = new SecretScrubber([bytes(SECRET)]);
    const event = Buffer.from('data: {"delta":"as simple as sk"}\n\n', 'utf8');
    expect(scrubber.push(event)).toBe(event);
    const cut = Buffer.from('data: {"delta":"sk-pr', 'utf8');
    expect(scrubber.push(cut).toString('utf8')).toBe('data: {"delta":"');
  });

  it('holds back only the bytes that may begin a secret, and releases them when they do not', () => {
    const scrubber = new SecretScrubber([bytes(SECRET)]);
    expect(pushText(scrubber, 'data: key sk-pr')).toBe('data: key ');
    expect(pushText(scrubber, 'ice\n\n')).toBe('sk-price\n\n');
    expect(pushText(scrubber, 'then sk-')).toBe('then ');
    expect(scrubber.finish().toString('utf8')).toBe('sk-');
  });

  it('flushes held-back bytes when the body ends inside a possible secret', () => {
    expect(scrubChunks([SECRET], ['the end: sk-proj-Ab'])).toBe('the end: sk-proj-Ab');
  });

  it('works on raw bytes, not text', () => {
    const secret = Uint8Array.from([0xff, 0x00, 0xfe, 0x01]);
    const chunks = [Buffer.from([0x10, 0xff, 0x00]), Buffer.from([0xfe, 0x01, 0xff, 0x00, 0x20])];
    const out = runScrubber(new SecretScrubber([secret], '**'), chunks);
    expect([...out]).toEqual([0x10, 0x2a, 0x2a, 0xff, 0x00, 0x20]);
  });

  it('ignores empty secrets and passes the body through when there is nothing to hide', () => {
    expect(scrubChunks(['', 'abc'], ['xx', 'abc', 'yy'])).toBe('xx[REDACTED]yy');
    expect(scrubChunks([''], ['plain ', 'body'])).toBe('plain body');
    expect(scrubChunks([], ['plain ', 'body'])).toBe('plain body');
  });

  it('uses the replacement it is given', () => {
    expect(scrubChunks(['hunter2'], ['pw=hunter2'], '***')).toBe('pw=***');
  });

  it('keeps no copy of the secrets: the bytes the caller wipes are the only ones', () => {
    const secret = bytes('topsecret');
    const scrubber = new SecretScrubber([secret]);
    expect(scrubber.push(Buffer.from('a topsecret b')).toString()).toBe('a [REDACTED] b');
    secret.fill(0);
    expect(scrubber.push(Buffer.from('a topsecret b')).toString()).toBe('a topsecret b');
  });

  it('gives the same output as scrubbing the whole body at once, for random bodies, secrets and cuts', () => {
    const random = seededRandom(42);
    const text = (length: number) => Array.from({ length }, () => 'ab-'[random(3)]).join('');
    for (let round = 0; round < 400; round++) {
      const secrets = Array.from({ length: 1 + random(3) }, () => text(1 + random(6)));
      const body = text(random(60));
      const chunks = cutAtRandom(body, random, 6);
      expect(scrubChunks(secrets, chunks), JSON.stringify({ secrets, chunks })).toBe(scrubbedAtOnce(body, secrets));
    }
  });

  it('gives the same output as scrubbing the whole body at once when most bytes that begin a secret are not followed by its second', () => {
    // Eight letters, secrets from one byte long: the look at the next byte skips most positions, and
    // a position at a chunk's last byte (no next byte yet) must still be held back.
    const random = seededRandom(1234);
    const text = (length: number) => Array.from({ length }, () => 'abcdefg-'[random(8)]).join('');
    for (let round = 0; round < 600; round++) {
      const secrets = Array.from({ length: 1 + random(4) }, () => text(1 + random(7)));
      const body = plantSecrets(secrets, random, text, 12, (length) => length < random(120));
      const chunks = cutAtRandom(body, random, 8);
      expect(scrubChunks(secrets, chunks), JSON.stringify({ secrets, chunks })).toBe(scrubbedAtOnce(body, secrets));
    }
  });

  it('finds a secret whose first byte ends one chunk and whose second begins the next', () => {
    expect(scrubChunks([SECRET, 'c2stcHJvai'], ['data: {"x":"s', 'k-proj-Abc123XYZ"} c', '2stcHJvai.'])).toBe('data: {"x":"[REDACTED]"} [REDACTED].');
  });

  it('gives the same output as scrubbing the whole body at once for bodies long enough to be searched natively', () => {
    const random = seededRandom(7);
    const text = (length: number) => Array.from({ length }, () => 'ab-s'[random(4)]).join('');
    for (let round = 0; round < 150; round++) {
      const secrets = Array.from({ length: 1 + random(3) }, () => text(4 + random(40)));
      const body = plantSecrets(secrets, random, text, 80, (length) => length < 200 + random(1400));
      const chunks = cutAtRandom(body, random, 5);
      expect(scrubChunks(secrets, chunks), JSON.stringify({ secrets, chunks })).toBe(scrubbedAtOnce(body, secrets));
    }
  });

  it('scrubs a large streamed body cut into uneven chunks', () => {
    const secrets = ['sk-live-0123456789abcdef', 'sk-ant-api03-ZZZZ'];
    const parts: string[] = [];
    const expected: string[] = [];
    for (let line = 0; line < 40_000; line++) {
      const secret = line % 97 === 0 ? secrets[line % 2] : undefined;
      parts.push(`data: {"i":${line},"text":"sk-li s${secret ?? 'k-'}"}\n\n`);
      expected.push(`data: {"i":${line},"text":"sk-li s${secret === undefined ? 'k-' : '[REDACTED]'}"}\n\n`);
    }
    const body = Buffer.from(parts.join(''), 'utf8');
    expect(body.length).toBeGreaterThan(1_000_000);
    const chunks: Buffer[] = [];
    let at = 0;
    let size = 1;
    while (at < body.length) {
      size = (size * 7 + 13) % 9001;
      chunks.push(body.subarray(at, at + size + 1));
      at += size + 1;
    }
    const scrubbed = scrubChunks(secrets, chunks);
    expect(scrubbed).toBe(expected.join(''));
    expect(scrubbed).not.toContain(secrets[0]);
    expect(scrubbed).not.toContain(secrets[1]);
  });
});

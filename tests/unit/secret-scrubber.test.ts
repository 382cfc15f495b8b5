import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createSecretScrubber } from '../../native-host/src/proxy/secret-scrubber';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Streams the chunks through the scrubber (one write each) and returns everything it emitted. */
async function runScrubber(scrubber: ReturnType<typeof createSecretScrubber>, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), scrubber, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

async function scrubChunks(secrets: string[], chunks: (string | Buffer)[], replacement?: string): Promise<string> {
  const buffers = chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
  return (await runScrubber(createSecretScrubber(secrets.map(bytes), replacement), buffers)).toString('utf8');
}

/** Everything the scrubber has pushed so far, read without ending the stream. */
function collect(scrubber: ReturnType<typeof createSecretScrubber>): string[] {
  const seen: string[] = [];
  scrubber.on('data', (chunk: Buffer) => seen.push(chunk.toString('utf8')));
  return seen;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createSecretScrubber', () => {
  const SECRET = 'sk-proj-Abc123XYZ';
  const BODY = `{"error":{"message":"Incorrect API key provided: ${SECRET}. You can find your key at…"}}`;
  const SCRUBBED = '{"error":{"message":"Incorrect API key provided: [REDACTED]. You can find your key at…"}}';

  it('replaces a secret echoed in an error body', async () => {
    expect(await scrubChunks([SECRET], [BODY])).toBe(SCRUBBED);
  });

  it('replaces a secret split at every possible chunk boundary', async () => {
    const body = Buffer.from(BODY, 'utf8');
    for (let cut = 0; cut <= body.length; cut++) {
      expect(await scrubChunks([SECRET], [body.subarray(0, cut), body.subarray(cut)]), `cut at ${cut}`).toBe(SCRUBBED);
    }
  });

  it('replaces a secret split into three pieces at every pair of boundaries inside it', async () => {
    const text = `a${SECRET}b`;
    for (let first = 1; first <= SECRET.length; first++) {
      for (let second = first; second <= SECRET.length; second++) {
        const pieces = [text.slice(0, first), text.slice(first, second + 1), text.slice(second + 1)];
        expect(await scrubChunks([SECRET], pieces), pieces.join('|')).toBe('a[REDACTED]b');
      }
    }
  });

  it('replaces a secret delivered one byte at a time', async () => {
    const chunks = [...Buffer.from(BODY, 'utf8')].map((byte) => Buffer.from([byte]));
    expect(await scrubChunks([SECRET], chunks)).toBe(SCRUBBED);
  });

  it('replaces every occurrence of every secret', async () => {
    const text = 'k1=AAA111 k2=BBB222 again AAA111BBB222 end';
    expect(await scrubChunks(['AAA111', 'BBB222'], [text])).toBe('k1=[REDACTED] k2=[REDACTED] again [REDACTED][REDACTED] end');
    expect(await scrubChunks(['AAA111', 'BBB222'], text.split(''))).toBe('k1=[REDACTED] k2=[REDACTED] again [REDACTED][REDACTED] end');
  });

  it('handles secrets that overlap themselves', async () => {
    expect(await scrubChunks(['abab'], ['ababab'])).toBe('[REDACTED]ab');
    expect(await scrubChunks(['abab'], ['a', 'b', 'a', 'b', 'a', 'b'])).toBe('[REDACTED]ab');
    expect(await scrubChunks(['abab'], ['abababab'])).toBe('[REDACTED][REDACTED]');
    expect(await scrubChunks(['abab'], ['aba', 'abab'])).toBe('aba[REDACTED]');
    expect(await scrubChunks(['aab'], ['a', 'a', 'a', 'a', 'b'])).toBe('aa[REDACTED]');
    expect(await scrubChunks(['aab'], ['aaa', 'ab'])).toBe('aa[REDACTED]');
  });

  it('never leaks the tail of a longer secret that starts with a shorter one', async () => {
    // A key and a longer key that begins with it: redacting the short one early would leak "-TAIL".
    expect(await scrubChunks(['KEY', 'KEY-TAIL'], ['xKEY', '-TAILx'])).toBe('x[REDACTED]x');
    expect(await scrubChunks(['KEY', 'KEY-TAIL'], ['xKEY', '-TAxx'])).toBe('x[REDACTED]-TAxx');
    expect(await scrubChunks(['KEY', 'KEY-TAIL'], ['xKEY'])).toBe('x[REDACTED]');
  });

  it('pushes a chunk that cannot start a secret in full, at once', async () => {
    const scrubber = createSecretScrubber([bytes(SECRET)]);
    const seen = collect(scrubber);
    scrubber.write('data: {"delta":"Hello"}\n\n');
    await settle();
    expect(seen).toEqual(['data: {"delta":"Hello"}\n\n']);
    // Containing the first byte of the secret is not enough to be held back.
    scrubber.write('data: {"delta":"s"}\n\n');
    await settle();
    expect(seen).toEqual(['data: {"delta":"Hello"}\n\n', 'data: {"delta":"s"}\n\n']);
    scrubber.end();
  });

  it('holds back only the bytes that may begin a secret, and releases them when they do not', async () => {
    const scrubber = createSecretScrubber([bytes(SECRET)]);
    const seen = collect(scrubber);
    scrubber.write('data: key sk-pr');
    await settle();
    expect(seen).toEqual(['data: key ']);
    scrubber.write('ice\n\n');
    await settle();
    expect(seen.join('')).toBe('data: key sk-price\n\n');
    scrubber.write('then sk-');
    await settle();
    expect(seen.join('')).toBe('data: key sk-price\n\nthen ');
    const ended = new Promise((resolve) => scrubber.on('end', resolve));
    scrubber.end();
    await ended;
    expect(seen.join('')).toBe('data: key sk-price\n\nthen sk-');
  });

  it('flushes held-back bytes when the body ends inside a possible secret', async () => {
    expect(await scrubChunks([SECRET], ['the end: sk-proj-Ab'])).toBe('the end: sk-proj-Ab');
  });

  it('works on raw bytes, not text', async () => {
    const secret = Uint8Array.from([0xff, 0x00, 0xfe, 0x01]);
    const chunks = [Buffer.from([0x10, 0xff, 0x00]), Buffer.from([0xfe, 0x01, 0xff, 0x00, 0x20])];
    const out = await runScrubber(createSecretScrubber([secret], '**'), chunks);
    expect([...out]).toEqual([0x10, 0x2a, 0x2a, 0xff, 0x00, 0x20]);
  });

  it('ignores empty secrets and passes the body through when there is nothing to hide', async () => {
    expect(await scrubChunks(['', 'abc'], ['xx', 'abc', 'yy'])).toBe('xx[REDACTED]yy');
    expect(await scrubChunks([''], ['plain ', 'body'])).toBe('plain body');
    expect(await scrubChunks([], ['plain ', 'body'])).toBe('plain body');
  });

  it('uses the replacement it is given', async () => {
    expect(await scrubChunks(['hunter2'], ['pw=hunter2'], '***')).toBe('pw=***');
  });

  it('keeps its own copy of the secrets', async () => {
    const secret = bytes('topsecret');
    const scrubber = createSecretScrubber([secret]);
    secret.fill(0);
    expect((await runScrubber(scrubber, [Buffer.from('a topsecret b')])).toString()).toBe('a [REDACTED] b');
  });

  it('scrubs a large streamed body cut into uneven chunks', async () => {
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
    const scrubbed = await scrubChunks(secrets, chunks);
    expect(scrubbed).toBe(expected.join(''));
    expect(scrubbed).not.toContain(secrets[0]);
    expect(scrubbed).not.toContain(secrets[1]);
  });
});

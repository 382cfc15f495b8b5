import { describe, expect, it } from 'vitest';
import { encodedSecretForms, wipeForms } from '../../native-host/src/proxy/encoded-secret-forms';
import { SecretScrubber } from '../../native-host/src/proxy/secret-scrubber';
import { secretLeaksIn } from '../support/secret-leak-check';

/** Punctuation in it makes the percent-encoded and JSON-escaped spellings differ from the key; the runs of `~` and `?` put `+` and `/` in its base64 at every alignment. */
const PUNCTUATED = 'sk-test-FAKE+q7Rv/m2X~~~~~w=Lp9?????Zt4Kc8N';
/** The usual shape of a provider key: letters, digits, dashes and underscores. */
const PLAIN = 'sk-test-FAKE_x93hQ2mVt8LrW5pZk0aBn';

const bytes = (text: string) => new TextEncoder().encode(text);

function scrubberFor(secret: string): SecretScrubber {
  const raw = bytes(secret);
  return new SecretScrubber([raw, ...encodedSecretForms([raw])]);
}

function scrubbed(secret: string, chunks: Buffer[]): Buffer {
  const scrubber = scrubberFor(secret);
  return Buffer.concat([...chunks.map((chunk) => scrubber.push(chunk)), scrubber.finish()]);
}

const base64Url = (text: string) => Buffer.from(text).toString('base64url');
const base64 = (text: string) => Buffer.from(text).toString('base64');
const unpadded = (text: string) => text.replace(/=+$/, '');
const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
const everyBytePercent = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const unicodeEscaped = (text: string) => text.replace(/[^A-Za-z0-9._~-]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Echo bodies an upstream might send, each carrying the key in one spelling. */
function echoes(secret: string): Array<{ name: string; body: string }> {
  const list: Array<{ name: string; body: string }> = [];
  // The bytes before the key set its alignment in the base64 text; the bytes after set the padding.
  for (const before of ['', 'a', 'ab']) {
    for (const after of ['', 'y', 'yz']) {
      const plain = `${before}${secret}${after}`;
      for (const [alphabet, encode] of [['standard', base64], ['url-safe', base64Url]] as const) {
        const encoded = encode(plain);
        list.push({ name: `base64 ${alphabet} +${before.length}/${after.length} padded`, body: `{"echo":"${encoded}"}` });
        list.push({ name: `base64 ${alphabet} +${before.length}/${after.length} unpadded`, body: `{"echo":"${unpadded(encoded)}"}` });
      }
    }
  }
  list.push({ name: 'base64 in a URL query', body: `/next?token=${encodeURIComponent(base64(`ab${secret}`))}` });
  list.push({ name: 'base64 in PHP\'s JSON', body: JSON.stringify({ token: base64(`a${secret}`) }).replaceAll('/', '\\/') });
  list.push({ name: 'headers as base64', body: `data: ${base64(JSON.stringify({ authorization: `Bearer ${secret}`, accept: '*/*' }))}\n\n` });
  list.push({ name: 'percent (encodeURIComponent)', body: `next=/login?key=${encodeURIComponent(secret)}&x=1` });
  list.push({ name: 'percent, lower-case hex', body: `next=/login?key=${lowerHex(encodeURIComponent(secret))}&x=1` });
  list.push({ name: 'percent, every byte', body: `q=${everyBytePercent(secret)};` });
  list.push({ name: 'JSON with escaped slashes (PHP)', body: JSON.stringify({ key: secret }).replaceAll('/', '\\/') });
  list.push({ name: 'JSON with \\u00xx escapes', body: `{"key":"${unicodeEscaped(secret)}"}` });
  list.push({ name: 'JSON with upper-case \\u00XX escapes', body: `{"key":"${unicodeEscaped(secret).replace(/\\u00([0-9a-f]{2})/g, (_m, hex: string) => `\\u00${hex.toUpperCase()}`)}"}` });
  return list;
}

describe('encoded spellings of a secret', () => {
  for (const secret of [PUNCTUATED, PLAIN]) {
    for (const { name, body } of echoes(secret)) {
      it(`${secret === PLAIN ? 'plain' : 'punctuated'} key, ${name}: scrubbed at every chunk boundary`, () => {
        const data = Buffer.from(body, 'latin1');
        expect(secretLeaksIn(data, secret), 'the unscrubbed echo must show the key').not.toEqual([]);
        const whole = scrubbed(secret, [data]);
        expect(secretLeaksIn(whole, secret)).toEqual([]);
        expect(whole.toString('latin1')).toContain('[REDACTED]');
        for (let cut = 0; cut <= data.length; cut++) {
          expect(scrubbed(secret, [data.subarray(0, cut), data.subarray(cut)]).equals(whole), `cut at ${cut}`).toBe(true);
        }
      });
    }
  }

  it('scrubs a base64 form split into three pieces at every pair of boundaries', () => {
    const data = Buffer.from(`x${base64(`a${PUNCTUATED}`)}x`, 'latin1');
    const whole = scrubbed(PUNCTUATED, [data]);
    for (let first = 0; first <= data.length; first++) {
      for (let second = first; second <= data.length; second++) {
        const pieces = [data.subarray(0, first), data.subarray(first, second), data.subarray(second)];
        expect(scrubbed(PUNCTUATED, pieces).equals(whole), `${first}|${second}`).toBe(true);
      }
    }
  });

  it('still passes an event that cannot hold a key the moment it arrives', () => {
    const event = Buffer.from('data: {"delta":"Hello, world"}\n\n');
    expect(scrubberFor(PUNCTUATED).push(event).equals(event)).toBe(true);
  });

  it('leaves text around the key and unrelated base64 alone', () => {
    const unrelated = base64('an ordinary payload that mentions no key at all');
    const body = `{"a":"${unrelated}","b":"${encodeURIComponent(PUNCTUATED)}"}`;
    expect(scrubbed(PUNCTUATED, [Buffer.from(body)]).toString()).toBe(`{"a":"${unrelated}","b":"[REDACTED]"}`);
  });

  it('gives fresh arrays the caller can wipe, none shorter than a key fragment worth matching', () => {
    const forms = encodedSecretForms([bytes(PUNCTUATED)]);
    expect(forms.length).toBeGreaterThanOrEqual(10);
    expect(forms.every((form) => form.length >= 12)).toBe(true);
    wipeForms(forms);
    expect(forms.every((form) => form.every((byte) => byte === 0))).toBe(true);
  });

  it('derives nothing from a key too short to tell from ordinary text', () => {
    expect(encodedSecretForms([bytes('abc')])).toEqual([]);
  });
});

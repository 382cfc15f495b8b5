import { describe, expect, it } from 'vitest';
import { unscrubbableAnswer } from '../../native-host/src/proxy/unscrubbable-answer';

const refusalCode = (status: number, headers: Record<string, string | string[] | undefined>, allowRanges = false) =>
  unscrubbableAnswer(status, headers, allowRanges)?.code ?? null;

describe('unscrubbableAnswer', () => {
  it.each(['gzip', 'deflate', 'br', 'zstd', 'x-gzip', 'compress', 'GZIP', 'identity, gzip', 'aes128gcm'])('refuses a body in content-encoding %s', (coding) => {
    expect(refusalCode(200, { 'content-encoding': coding })).toBe('UPSTREAM_ENCODING_REFUSED');
  });

  it('finds the coding under any header spelling and in a repeated field', () => {
    expect(refusalCode(200, { 'Content-Encoding': 'br' })).toBe('UPSTREAM_ENCODING_REFUSED');
    expect(refusalCode(401, { 'content-encoding': ['identity', 'gzip'] })).toBe('UPSTREAM_ENCODING_REFUSED');
  });

  it.each([undefined, '', 'identity', 'Identity', 'identity, identity'])('relays a body whose content-encoding is %s', (coding) => {
    expect(refusalCode(200, { 'content-encoding': coding, 'content-type': 'application/json' })).toBeNull();
  });

  it('refuses a body under a transfer-coding other than chunked (undici undoes chunked only), and only such a body', () => {
    for (const coding of ['gzip, chunked', 'gzip', 'deflate, chunked', 'Chunked, br', ['chunked', 'gzip']]) {
      expect(refusalCode(200, { 'transfer-encoding': coding }), String(coding)).toBe('UPSTREAM_ENCODING_REFUSED');
      expect(refusalCode(200, { 'Transfer-Encoding': coding }), String(coding)).toBe('UPSTREAM_ENCODING_REFUSED');
    }
    for (const coding of ['chunked', 'Chunked', 'identity, chunked', '']) {
      expect(refusalCode(200, { 'transfer-encoding': coding, 'content-type': 'application/json' }), coding).toBeNull();
    }
  });

  it('refuses a partial answer unless the service allows ranges', () => {
    expect(refusalCode(206, { 'content-range': 'bytes 0-9/100' })).toBe('UPSTREAM_RANGE_REFUSED');
    expect(refusalCode(206, { 'content-range': 'bytes 0-9/100' }, true)).toBeNull();
    expect(refusalCode(200, {})).toBeNull();
  });
});

import { describe, expect, test } from 'vitest';
import { newRequestId } from '../../native-host/src/proxy/request-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  // More than two batches of random bytes, so the refill is crossed too.
  const ids = Array.from({ length: 1000 }, () => newRequestId());

  test('is a version 4 UUID in lower case, as randomUUID writes one', () => {
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  test('never repeats, across batches', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('every random digit varies, and takes all sixteen values over a thousand ids', () => {
    for (let at = 0; at < 36; at++) {
      if ([8, 13, 14, 18, 23].includes(at)) continue;
      const seen = new Set(ids.map((id) => id[at]));
      // The variant digit carries two random bits only.
      expect(seen.size, `digit ${at}`).toBe(at === 19 ? 4 : 16);
    }
  });
});

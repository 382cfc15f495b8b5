/**
 * auditTime keeps the text of the last second it formatted; every line must still read exactly as
 * `Date#toISOString` writes it, whatever order times arrive in.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { auditTime } from '../../native-host/src/audit/audit-time';

const MAX_DATE_MS = 8.64e15;

describe('auditTime', () => {
  test.prop([fc.array(fc.oneof(fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }), fc.double({ min: -MAX_DATE_MS, max: MAX_DATE_MS, noNaN: true }), fc.integer({ min: 1_700_000_000_000, max: 1_700_000_003_000 })), { minLength: 1, maxLength: 20 })])(
    'reads as Date#toISOString for any times in any order (same second, next second, fractions, before 1970, extended years)',
    (times) => {
      for (const time of times) expect(auditTime(time)).toBe(new Date(time).toISOString());
    },
  );

  it('changes second and milliseconds at their boundaries', () => {
    for (const time of [1_700_000_000_999, 1_700_000_001_000, 1_700_000_001_009, 1_700_000_001_010, 1_700_000_001_099, 1_700_000_001_100, -1, -1000, -1001, 0]) {
      expect(auditTime(time)).toBe(new Date(time).toISOString());
    }
  });

  it('refuses a time a Date cannot hold, as toISOString does', () => {
    expect(() => auditTime(MAX_DATE_MS + 1)).toThrow(RangeError);
    expect(() => auditTime(Number.NaN)).toThrow(RangeError);
  });
});

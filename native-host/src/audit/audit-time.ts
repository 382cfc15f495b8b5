/**
 * The time on every audit line, as `Date#toISOString` writes it. Formatting a Date cost about as
 * much as building the rest of the line, and requests within one second share all but the
 * milliseconds: the second's text is kept and only the milliseconds change.
 */

/** The last second formatted, and its text up to and including the "." before the milliseconds. */
let keptSecond = Number.NaN;
let keptPrefix = '';

/** The largest distance from 1970 a Date can hold, in milliseconds. */
const DATE_RANGE_MS = 8.64e15;

/** Exactly `new Date(epochMs).toISOString()` (a RangeError for a time a Date cannot hold). */
export function auditTime(epochMs: number): string {
  if (!(Math.abs(epochMs) <= DATE_RANGE_MS)) return new Date(epochMs).toISOString();
  // A Date drops a fraction of a millisecond towards zero; so does this.
  const whole = Math.trunc(epochMs);
  const second = Math.floor(whole / 1000);
  if (second !== keptSecond) {
    const text = new Date(second * 1000).toISOString();
    // "…T21:00:00.000Z" (or an extended year "+275760-…") minus "000Z".
    keptPrefix = text.slice(0, -4);
    keptSecond = second;
  }
  const millis = whole - second * 1000;
  return `${keptPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

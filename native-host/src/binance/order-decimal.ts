/**
 * Exact decimal arithmetic for order values. Binance sends and takes quantities and prices as
 * decimal strings; adding and multiplying them as binary floats drifts (0.1 × 3 is not 0.3), and a
 * cap check right at the limit must not depend on that drift. A decimal here is an integer count of
 * 10^-scale units, held in a bigint.
 */

export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Digits, optionally one "." followed by digits: no sign, exponent, spaces or bare ".5" / "5.". */
const PLAIN_DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;
/** Longer than any Binance quantity or price; keeps a hostile parameter from building a huge bigint. */
const MAX_DECIMAL_CHARS = 40;
/** How JavaScript prints a finite number: "60000.5", "1e-7", "1.5e+21". */
const NUMBER_TEXT = /^([0-9]+)(?:\.([0-9]+))?(?:e([+-][0-9]+))?$/;

export const ZERO: Decimal = { units: 0n, scale: 0 };

/** A non-negative plain decimal string, or null for anything else (`1e3`, `NaN`, `-1`, `""`, `.5`). */
export function parseDecimal(text: string): Decimal | null {
  if (text.length > MAX_DECIMAL_CHARS) return null;
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  return { units: BigInt(`${match[1]}${fraction}`), scale: fraction.length };
}

/**
 * The exact decimal of a number Keygate itself received (a ticker price): finite and not negative,
 * else null. Uses JavaScript's shortest round-trip text, so 60000.12 becomes exactly 60000.12.
 */
export function decimalFromNumber(value: number): Decimal | null {
  if (!Number.isFinite(value) || value < 0) return null;
  const match = NUMBER_TEXT.exec(String(value));
  if (!match) return null;
  const fraction = match[2] ?? '';
  const exponent = Number(match[3] ?? '0');
  const units = BigInt(`${match[1]}${fraction}`);
  const scale = fraction.length - exponent;
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const difference = rescale(a, scale) - rescale(b, scale);
  return difference === 0n ? 0 : difference > 0n ? 1 : -1;
}

/** Whole cents, rounded up: a value of $499.991 counts as $500.00 against a cap, never as $499.99. */
export function centsRoundedUp(value: Decimal): bigint {
  if (value.scale <= 2) return value.units * 10n ** BigInt(2 - value.scale);
  const divisor = 10n ** BigInt(value.scale - 2);
  const whole = value.units / divisor;
  return value.units % divisor === 0n ? whole : whole + 1n;
}

/** Whole cents, rounded down: a cap of $500.009 allows $500.00, never $500.01. */
export function centsRoundedDown(value: Decimal): bigint {
  if (value.scale <= 2) return value.units * 10n ** BigInt(2 - value.scale);
  return value.units / 10n ** BigInt(value.scale - 2);
}

/** "4980.00" for 498000 cents. */
export function formatCents(cents: bigint): string {
  const text = cents.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** The same amount as a number (the nearest double), for reports and JSON. */
export function centsToNumber(cents: bigint): number {
  return Number(cents) / 100;
}

export function formatDecimal(value: Decimal): string {
  if (value.scale === 0) return value.units.toString();
  const text = value.units.toString().padStart(value.scale + 1, '0');
  const whole = text.slice(0, -value.scale);
  const fraction = text.slice(-value.scale).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

export function decimalToNumber(value: Decimal): number {
  return Number(formatDecimal(value));
}

function rescale(value: Decimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

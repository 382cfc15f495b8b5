/**
 * Value checks for the policy reader. A check returns the value it accepts (possibly normalised) or
 * an `Invalid` saying what was expected; the reader attaches the field and line.
 */
import { parseEndpointPattern } from './endpoint-pattern';
import type { EndpointPattern } from './policy-types';

export class Invalid {
  constructor(readonly message: string) {}
}

export type Check<T> = (value: unknown) => T | Invalid;

/** TOML type names, so a message says "found a string" in the file's own terms. */
export function describeTomlValue(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return 'a table';
}

function expected(what: string, value: unknown, sameType: boolean): Invalid {
  return new Invalid(sameType ? `must be ${what}` : `must be ${what}, found ${describeTomlValue(value)}`);
}

export function integerIn(bounds: { min: number; max: number }): Check<number> {
  const what = `an integer from ${bounds.min} to ${bounds.max}`;
  return (value) =>
    Number.isSafeInteger(value) && (value as number) >= bounds.min && (value as number) <= bounds.max
      ? (value as number)
      : expected(what, value, typeof value === 'number');
}

/** USD amounts may have cents; NaN and inf are valid TOML floats but not amounts. */
export const positiveAmount: Check<number> = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0
    ? value
    : expected('a positive number', value, typeof value === 'number');

export const booleanValue: Check<boolean> = (value) =>
  typeof value === 'boolean' ? value : expected('true or false', value, false);

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  const what = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return (value) =>
    typeof value === 'string' && (values as readonly string[]).includes(value)
      ? (value as T)
      : expected(what, value, typeof value === 'string');
}

/** Lifts a string parser into a check; `parse` returns the value or an Invalid. */
export function stringWith<T>(what: string, parse: (text: string) => T | Invalid): Check<T> {
  return (value) => (typeof value === 'string' ? parse(value) : expected(what, value, false));
}

export const endpointPattern: Check<EndpointPattern> = stringWith('a string like "DELETE /repos/*"', (text) => {
  const pattern = parseEndpointPattern(text);
  return typeof pattern === 'string' ? new Invalid(`${JSON.stringify(text)}: ${pattern}`) : pattern;
});

/** Binance's extra read endpoints inherit the read scope, so they must be GETs. */
export const getEndpointPattern: Check<EndpointPattern> = (value) => {
  const pattern = endpointPattern(value);
  if (pattern instanceof Invalid || pattern.method === 'GET') return pattern;
  return new Invalid(`${JSON.stringify(pattern.source)}: only GET endpoints can be added as read endpoints`);
};

import { type ErrorCode, KeygateError } from '../errors';

/**
 * Strict readers for untrusted JSON-like values (an export file, IndexedDB records). Each failure
 * names the path of the first wrong field (`credentials[2].sealed.nonce`) and never echoes a value,
 * so the message is safe to show even when the file holds secrets.
 */

export class ShapeError extends Error {
  constructor(path: string, problem: string) {
    super(`${path || 'value'}: ${problem}.`);
    this.name = 'ShapeError';
  }
}

export type Check<T> = (value: unknown) => value is T;

export const is = <T>(expected: T): Check<T> => (v): v is T => v === expected;
export const isInteger: Check<number> = (v): v is number => Number.isSafeInteger(v);
/** Milliseconds since the epoch. */
export const isTime: Check<number> = (v): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
export const isTimeOrNull: Check<number | null> = (v): v is number | null => v === null || isTime(v);
export const isBoolean: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
/** Alphabet only; the envelope decodes strictly and checks lengths. */
export const isBase64: Check<string> = (v): v is string => typeof v === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(v);

export function fieldPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * A plain object whose own keys are all expected: an unknown field, `__proto__` or `constructor`
 * smuggled in by JSON.parse, or a class instance is refused rather than carried along.
 */
export function readObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(path, 'expected an object');
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw new ShapeError(path, 'expected a plain object');
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || !keys.includes(key)) {
      throw new ShapeError(fieldPath(path, JSON.stringify(String(key)).slice(0, 42)), 'unexpected field');
    }
  }
  return value as Record<string, unknown>;
}

export function readField<T>(
  object: Record<string, unknown>,
  path: string,
  key: string,
  check: Check<T>,
  expected: string,
): T {
  const at = fieldPath(path, key);
  if (!Object.hasOwn(object, key)) throw new ShapeError(at, 'missing');
  const value = object[key];
  if (!check(value)) throw new ShapeError(at, `expected ${expected}`);
  return value;
}

export function readArray<T>(value: unknown, path: string, readItem: (item: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) throw new ShapeError(path, 'expected an array');
  return value.map((item, index) => readItem(item, fieldPath(path, index)));
}

/** Ids name records in associated data and in IndexedDB keys, so two records must never share one. */
export function requireUniqueIds(records: readonly { id: string }[], path: string): void {
  const seen = new Set<string>();
  records.forEach((record, index) => {
    if (seen.has(record.id)) throw new ShapeError(fieldPath(fieldPath(path, index), 'id'), 'duplicate id');
    seen.add(record.id);
  });
}

/** Runs a reader and turns its ShapeError into the catalogue error the caller's context calls for. */
export function readOrThrow<T>(code: ErrorCode, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ShapeError) throw new KeygateError(code, error.message);
    throw error;
  }
}

/**
 * A small runtime schema checker for JSON messages. Both sides of the native port validate every
 * message with it, so a field's shape is written down once, in shared/protocol.ts.
 */
export type FieldRule =
  | 'string'
  | 'boolean'
  | 'number'
  | 'integer'
  | 'object'
  | 'unknown'
  | { optional: FieldRule }
  | { min?: number; max?: number; integer: true }
  | { oneOf: readonly string[] }
  /** For nested values (arrays, records) whose shape another validator already knows. */
  | { check: (value: unknown) => boolean; expected: string };

export type Schema = Readonly<Record<string, FieldRule>>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkField(value: unknown, rule: FieldRule): boolean {
  if (typeof rule === 'string') {
    switch (rule) {
      case 'string':
        return typeof value === 'string';
      case 'boolean':
        return typeof value === 'boolean';
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'integer':
        return Number.isSafeInteger(value);
      case 'object':
        return isPlainObject(value);
      case 'unknown':
        return value !== undefined;
    }
  }
  if ('optional' in rule) return value === undefined || checkField(value, rule.optional);
  if ('oneOf' in rule) return typeof value === 'string' && rule.oneOf.includes(value);
  if ('check' in rule) return rule.check(value);
  return (
    Number.isSafeInteger(value) &&
    (rule.min === undefined || (value as number) >= rule.min) &&
    (rule.max === undefined || (value as number) <= rule.max)
  );
}

/**
 * Returns the fields that break the schema (empty when the object conforms). A `check` rule's field
 * says what it expected, since its value can be a whole nested structure; values are never echoed.
 */
export function schemaViolations(value: Record<string, unknown>, schema: Schema): string[] {
  return Object.entries(schema)
    .filter(([field, rule]) => !checkField(value[field], rule))
    .map(([field, rule]) => (typeof rule === 'object' && 'check' in rule ? `${field} (expected ${rule.expected})` : field));
}

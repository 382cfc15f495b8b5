/**
 * Reads the parsed TOML tree into a Policy while collecting every problem, so a bad file is answered
 * with all its mistakes at once. Parsed values are untrusted: tables must be plain, every key must be
 * known (a typo must not silently drop a rule), and results are built field by field, never spread.
 */
import { KeyLines } from './locate-key';
import { type Check, Invalid, describeTomlValue } from './policy-checks';
import type { PolicyProblem } from './policy-types';

type TomlTable = Record<string, unknown>;

function isTable(value: unknown): value is TomlTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

export class PolicyReader {
  private readonly found: PolicyProblem[] = [];
  private keyLines: KeyLines | null = null;

  constructor(private readonly toml: string) {}

  /**
   * `where.item` is an array element's text, to point at its own line in a multi-line array;
   * `where.near` is the key whose line explains a missing one (`environment = "custom"`).
   */
  report(path: readonly string[], message: string, where: { item?: string; near?: readonly string[] } = {}): void {
    this.keyLines ??= new KeyLines(this.toml);
    const line =
      where.item !== undefined
        ? this.keyLines.lineOfItem(path, where.item)
        : this.keyLines.lineOf(where.near ?? path);
    this.found.push({ line, field: path.join('.'), message });
  }

  /** In file order; problems without a line last. */
  problems(): PolicyProblem[] {
    return [...this.found].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }

  /**
   * Opens `value` as the table at `path`. A missing table reads as empty; a wrong type or unknown
   * keys are reported, and reading goes on so the rest of the file is still checked.
   */
  table(path: readonly string[], value: unknown, keys: readonly string[], unknownHint = ''): TableReader {
    if (value === undefined) return new TableReader(this, path, {});
    if (!isTable(value)) {
      this.report(path, `must be a table, found ${describeTomlValue(value)}`);
      return new TableReader(this, path, {}, false);
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.report([...path, key], unknownKeyMessage(value[key], keys) + unknownHint);
    }
    return new TableReader(this, path, value);
  }

  /** Opens a table whose keys are names chosen by the user (`[custom.NAME]`). */
  namedTables(path: readonly string[], value: unknown): [string, unknown][] {
    if (value === undefined) return [];
    if (!isTable(value)) {
      this.report(path, `must be a table, found ${describeTomlValue(value)}`);
      return [];
    }
    return Object.keys(value).map((name) => [name, value[name]]);
  }
}

function unknownKeyMessage(value: unknown, keys: readonly string[]): string {
  const kind = isTable(value) ? 'table' : 'key';
  return `unknown ${kind}; expected one of: ${keys.join(', ')}`;
}

export class TableReader {
  constructor(
    private readonly reader: PolicyReader,
    readonly path: readonly string[],
    private readonly entries: TomlTable,
    /** False when the table itself was the wrong type: its missing keys are no news then. */
    private readonly readable = true,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.entries, key);
  }

  raw(key: string): unknown {
    return this.has(key) ? this.entries[key] : undefined;
  }

  report(key: string, message: string, nearKey?: string): void {
    this.reader.report([...this.path, key], message, nearKey === undefined ? {} : { near: [...this.path, nearKey] });
  }

  /** The checked value, or `fallback` when the key is absent or wrong (the latter is reported). */
  value<T, F = T>(key: string, check: Check<T>, fallback: F): T | F {
    if (!this.has(key)) return fallback;
    const result = check(this.entries[key]);
    if (result instanceof Invalid) {
      this.report(key, result.message);
      return fallback;
    }
    return result;
  }

  required<T>(key: string, check: Check<T>, fallback: T): T {
    if (!this.has(key) && this.readable) this.report(key, 'is required');
    return this.value(key, check, fallback);
  }

  /** An array of checked items (each bad item reported on its own line), or null when absent. */
  list<T>(key: string, check: Check<T>): T[] | null {
    if (!this.has(key)) return null;
    const items = this.entries[key];
    if (!Array.isArray(items)) {
      this.report(key, `must be an array, found ${describeTomlValue(items)}`);
      return [];
    }
    const accepted: T[] = [];
    items.forEach((item: unknown, index) => {
      const result = check(item);
      if (result instanceof Invalid) {
        const where = { item: typeof item === 'string' ? item : undefined };
        this.reader.report([...this.path, key], `item ${index + 1}: ${result.message}`, where);
      } else {
        accepted.push(result);
      }
    });
    return accepted;
  }

  child(key: string, keys: readonly string[], unknownHint?: string): TableReader {
    return this.reader.table([...this.path, key], this.raw(key), keys, unknownHint);
  }
}

/**
 * Finds the line a TOML key or table sits on. smol-toml reports positions only for syntax errors,
 * so after a successful parse this small line scanner maps each key path (from `[a.b]` headers,
 * `[[a.b]]` array headers and `key =` / `a.b =` lines, quoted or bare) to the first line naming it.
 * It skips over multi-line strings and arrays, so their contents are never mistaken for keys. It
 * only ever sees documents smol-toml already accepted, so it does not need to judge validity.
 */

const BARE_KEY = /[A-Za-z0-9_-]+/y;

interface KeyRead {
  parts: string[];
  end: number;
}

function skipSpaces(line: string, at: number): number {
  let i = at;
  while (line[i] === ' ' || line[i] === '\t') i += 1;
  return i;
}

function readQuoted(line: string, at: number): KeyRead | null {
  const quote = line[at];
  let i = at + 1;
  while (i < line.length && line[i] !== quote) i += quote === '"' && line[i] === '\\' ? 2 : 1;
  if (i >= line.length) return null;
  const raw = line.slice(at, i + 1);
  if (quote === "'") return { parts: [raw.slice(1, -1)], end: i + 1 };
  try {
    return { parts: [JSON.parse(raw) as string], end: i + 1 };
  } catch {
    return { parts: [raw.slice(1, -1)], end: i + 1 };
  }
}

/** Reads a dotted key (`a."b.c".'d'`) starting at `at`; null if there is none. */
function readDottedKey(line: string, at: number): KeyRead | null {
  const parts: string[] = [];
  let i = skipSpaces(line, at);
  for (;;) {
    let part: KeyRead | null;
    if (line[i] === '"' || line[i] === "'") {
      part = readQuoted(line, i);
    } else {
      BARE_KEY.lastIndex = i;
      const bare = BARE_KEY.exec(line);
      part = bare ? { parts: [bare[0]], end: i + bare[0].length } : null;
    }
    if (!part) return null;
    parts.push(...part.parts);
    i = skipSpaces(line, part.end);
    if (line[i] !== '.') return { parts, end: i };
    i = skipSpaces(line, i + 1);
  }
}

/** Where a value scan stopped: inside brackets and/or a multi-line string that goes on. */
interface ValueState {
  depth: number;
  openString: '"""' | "'''" | null;
}

/** Scans value text for brackets and strings, so a value spanning lines is skipped as a whole. */
function scanValue(line: string, from: number, state: ValueState): void {
  let i = from;
  while (i < line.length) {
    if (state.openString) {
      const close = state.openString;
      if (close === '"""' && line[i] === '\\') i += 2;
      else if (line.startsWith(close, i)) {
        state.openString = null;
        i += 3;
      } else i += 1;
      continue;
    }
    const char = line[i];
    if (char === '#') return;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      state.openString = line.startsWith('"""', i) ? '"""' : "'''";
      i += 3;
    } else if (char === '"' || char === "'") {
      i = readQuoted(line, i)?.end ?? line.length;
    } else {
      if (char === '[' || char === '{') state.depth += 1;
      if (char === ']' || char === '}') state.depth -= 1;
      i += 1;
    }
  }
}

function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

export class KeyLines {
  private readonly lines = new Map<string, number>();
  /** First line of a key's value → its last line (they differ for multi-line arrays and strings). */
  private readonly valueEnds = new Map<number, number>();
  private readonly text: string[];

  constructor(toml: string) {
    this.text = toml.split(/\r?\n/);
    let table: string[] = [];
    const state: ValueState = { depth: 0, openString: null };
    let valueStart = 0;
    const isOpen = () => state.depth > 0 || state.openString !== null;
    this.text.forEach((line, index) => {
      const lineNumber = index + 1;
      if (isOpen()) {
        scanValue(line, 0, state);
        if (!isOpen()) this.valueEnds.set(valueStart, lineNumber);
        return;
      }
      const start = skipSpaces(line, 0);
      if (line[start] === '[') {
        const double = line[start + 1] === '[';
        const header = readDottedKey(line, start + (double ? 2 : 1));
        if (header && line.startsWith(double ? ']]' : ']', header.end)) {
          table = header.parts;
          this.record(table, lineNumber);
        }
        return;
      }
      const key = readDottedKey(line, start);
      if (!key || line[key.end] !== '=') return;
      for (let length = 1; length <= key.parts.length; length += 1) {
        this.record([...table, ...key.parts.slice(0, length)], lineNumber);
      }
      scanValue(line, key.end + 1, state);
      valueStart = lineNumber;
      if (!isOpen()) this.valueEnds.set(lineNumber, lineNumber);
    });
  }

  private record(path: readonly string[], line: number): void {
    const key = pathKey(path);
    if (!this.lines.has(key)) this.lines.set(key, line);
  }

  /**
   * The line of `path`, or of its closest written ancestor (a missing required key points at its
   * table, a key inside an inline table at the line of that table).
   */
  lineOf(path: readonly string[]): number | null {
    for (let length = path.length; length > 0; length -= 1) {
      const line = this.lines.get(pathKey(path.slice(0, length)));
      if (line !== undefined) return line;
    }
    return null;
  }

  /** The line of one array item: the first line of the key's value that holds the quoted item. */
  lineOfItem(path: readonly string[], item: string): number | null {
    const keyLine = this.lineOf(path);
    if (keyLine === null) return null;
    const lastLine = this.valueEnds.get(keyLine) ?? keyLine;
    const quoted = [JSON.stringify(item), `'${item}'`];
    for (let line = keyLine; line <= lastLine; line += 1) {
      const text = this.text[line - 1] ?? '';
      if (quoted.some((form) => text.includes(form))) return line;
    }
    return keyLine;
  }
}

/** The 1-based line where `key` of table `tablePath` is written (or its table), else null. */
export function locateKey(toml: string, tablePath: readonly string[], key: string): number | null {
  return new KeyLines(toml).lineOf([...tablePath, key]);
}

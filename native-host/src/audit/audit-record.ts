/**
 * The shape of one audit line, and the only code that turns a record into that line or back. The
 * line is rebuilt from the known fields, so whatever a caller attached by accident (a header bag, a
 * signed URL, a credential) never reaches the file.
 */
import { AUDIT_DECISIONS, type AuditRecord } from '../../../shared/audit-messages';
import { isPlainObject, type Schema, schemaViolations } from '../../../shared/validate';

export type { AuditDecision, AuditRecord } from '../../../shared/audit-messages';

export const MAX_AUDIT_DETAIL_CHARS = 200;
/**
 * Node lets a request line grow to 16 KiB; no real endpoint needs a tenth of that, and each line
 * written in full takes room in the rotated files that the record of other requests needs.
 */
export const MAX_AUDIT_PATH_CHARS = 2048;

/**
 * Drops the query and fragment, and the scheme and authority of an absolute-form request target
 * (`GET http://user:pass@host/path`), which a proxy can receive and which may carry credentials.
 */
export function sanitizeAuditPath(path: string): string {
  const text = String(path);
  const queryStart = text.search(/[?#]/);
  const withoutQuery = queryStart === -1 ? text : text.slice(0, queryStart);
  // The usual origin-form path cannot hold a scheme; only look for one when it does not start with "/".
  const origin = withoutQuery.startsWith('/') ? null : /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(withoutQuery);
  return origin === null ? withoutQuery : withoutQuery.slice(origin[0].length) || '/';
}

/** At most `maxChars` of the path, marked with "…" when cut. */
export function shortenedAuditPath(path: string, maxChars: number): string {
  return path.length <= maxChars ? path : `${path.slice(0, maxChars)}…`;
}

/** Copies the known fields only, with each value forced to its declared type. */
export function normaliseAuditRecord(record: AuditRecord): AuditRecord {
  const normalised: AuditRecord = {
    time: String(record.time),
    requestId: String(record.requestId),
    agent: textOrNull(record.agent),
    agentName: textOrNull(record.agentName),
    service: textOrNull(record.service),
    method: String(record.method),
    path: shortenedAuditPath(sanitizeAuditPath(record.path), MAX_AUDIT_PATH_CHARS),
    status: finiteOrZero(record.status),
    decision: AUDIT_DECISIONS.includes(record.decision) ? record.decision : 'error',
    reason: textOrNull(record.reason),
    credentialId: textOrNull(record.credentialId),
    durationMs: finiteOrZero(record.durationMs),
    bytesIn: finiteOrZero(record.bytesIn),
    bytesOut: finiteOrZero(record.bytesOut),
  };
  if (record.detail === undefined) return normalised;
  const detail = isPlainObject(record.detail) ? cappedDetail(record.detail) : {};
  if (Object.keys(detail).length > 0) normalised.detail = detail;
  return normalised;
}

/** Whether JSON.stringify would escape a character of `text`: a quote, a backslash, a control, or a (lone) surrogate. */
function mayNeedEscaping(text: string): boolean {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/** A string's text between the quotes JSON.stringify puts around it; the usual value (an id, a path, a time) needs no escaping and is itself. */
function jsonStringInner(text: string): string {
  return mayNeedEscaping(text) ? JSON.stringify(text).slice(1, -1) : text;
}

function jsonTextOrNull(text: string | null): string {
  return text === null ? 'null' : `"${jsonStringInner(text)}"`;
}

/**
 * One JSON line, newline included: exactly `JSON.stringify(normaliseAuditRecord(record))`, written
 * field by field from the record, each value forced to its type as it is written. Every request
 * writes one: JSON.stringify of the whole record cost ~2.5 µs (most of it the fractional
 * `durationMs`; a template's number-to-string is the same text, from V8's cache), and the normalised
 * copy and a quoted string per field were a tenth of what the host allocates for the whole line.
 * Normalised numbers are finite, so their text is Number#toString, as in JSON.
 */
export function formatAuditLine(record: AuditRecord): string {
  const path = shortenedAuditPath(sanitizeAuditPath(record.path), MAX_AUDIT_PATH_CHARS);
  const decision = AUDIT_DECISIONS.includes(record.decision) ? record.decision : 'error';
  return (
    `{"time":"${jsonStringInner(String(record.time))}","requestId":"${jsonStringInner(String(record.requestId))}","agent":${jsonTextOrNull(textOrNull(record.agent))},` +
    `"agentName":${jsonTextOrNull(textOrNull(record.agentName))},"service":${jsonTextOrNull(textOrNull(record.service))},"method":"${jsonStringInner(String(record.method))}",` +
    `"path":"${jsonStringInner(path)}","status":${finiteOrZero(record.status)},"decision":"${decision}","reason":${jsonTextOrNull(textOrNull(record.reason))},` +
    `"credentialId":${jsonTextOrNull(textOrNull(record.credentialId))},"durationMs":${finiteOrZero(record.durationMs)},"bytesIn":${finiteOrZero(record.bytesIn)},` +
    `"bytesOut":${finiteOrZero(record.bytesOut)}${detailField(record.detail)}}\n`
  );
}

/** `,"detail":{…}` as the normalised record would carry it, or nothing. */
function detailField(detail: AuditRecord['detail']): string {
  if (detail === undefined) return '';
  const capped = isPlainObject(detail) ? cappedDetail(detail) : {};
  return Object.keys(capped).length > 0 ? `,"detail":${JSON.stringify(capped)}` : '';
}

const isTextOrNull = (value: unknown) => value === null || typeof value === 'string';

const AUDIT_LINE_SCHEMA: Schema = {
  time: 'string',
  requestId: 'string',
  agent: { check: isTextOrNull, expected: 'string or null' },
  agentName: { check: isTextOrNull, expected: 'string or null' },
  service: { check: isTextOrNull, expected: 'string or null' },
  method: 'string',
  path: 'string',
  status: 'number',
  decision: { oneOf: AUDIT_DECISIONS },
  reason: { check: isTextOrNull, expected: 'string or null' },
  credentialId: { check: isTextOrNull, expected: 'string or null' },
  durationMs: 'number',
  bytesIn: 'number',
  bytesOut: 'number',
  detail: { optional: 'object' },
};

/** Null for a line that is not an audit record, such as the torn last line after a crash. */
export function parseAuditLine(line: string): AuditRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isPlainObject(value) || schemaViolations(value, AUDIT_LINE_SCHEMA).length > 0) return null;
  return normaliseAuditRecord(value as unknown as AuditRecord);
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function finiteOrZero(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Built with fromEntries so a `__proto__` key stays an ordinary key instead of replacing the prototype. */
function cappedDetail(detail: Record<string, unknown>): NonNullable<AuditRecord['detail']> {
  return Object.fromEntries(
    Object.entries(detail).flatMap(([key, value]) => {
      const capped = cappedDetailValue(value);
      return capped === undefined ? [] : [[key, capped]];
    }),
  );
}

function cappedDetailValue(value: unknown): string | number | boolean | null | undefined {
  if (typeof value === 'string') return value.slice(0, MAX_AUDIT_DETAIL_CHARS);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  return undefined;
}

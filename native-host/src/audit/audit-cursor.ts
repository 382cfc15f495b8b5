/**
 * The `audit.query` cursor: which file, by the identity of its first bytes (see audit-file-series.ts),
 * and the byte offset of the oldest line already returned. Files only grow at their end and
 * rotation only renames them, so "the lines of this file before this offset" is the same set of
 * lines on every later page: paging while the log rotates neither repeats nor skips a line.
 * Opaque to the page (base64url JSON); a damaged cursor is refused, not guessed at.
 */
import { KeygateError } from '../../../shared/errors';
import { isPlainObject } from '../../../shared/validate';

export interface AuditCursor {
  identity: string;
  identityBytes: number;
  offset: number;
}

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify({ i: cursor.identity, n: cursor.identityBytes, o: cursor.offset })).toString('base64url');
}

export function decodeAuditCursor(text: string): AuditCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (!isPlainObject(value) || typeof value.i !== 'string' || !isCount(value.n) || !isCount(value.o)) {
    throw new KeygateError('MESSAGE_INVALID', 'The audit cursor is not one this host wrote.');
  }
  return { identity: value.i, identityBytes: value.n, offset: value.o };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

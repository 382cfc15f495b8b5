/**
 * A grant: the user's permission for one web origin or one other extension to use Keygate through
 * the extension (browser agents). It is that agent's identity in the audit log (`site:ORIGIN`,
 * `extension:ID`). Only Keygate's own pages create one; a page can never grant itself.
 */
import { isRecordId } from '../vault/format';
import { isPlainObject } from '../validate';

export type GrantKind = 'site' | 'extension';

export interface GrantRecord {
  id: string;
  kind: GrantKind;
  /** `site`: a normalised origin (`https://app.example`, `http://localhost:3000`); `extension`: its id. */
  subject: string;
  /** The same scope names as agent keys (`openai`, `binance:read`, `custom:NAME`, …). */
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  enabled: boolean;
  lastUsedAt: number | null;
}

/** How the audit log and the status answer name a grant. */
export function grantIdentity(grant: Pick<GrantRecord, 'kind' | 'subject'>): string {
  return `${grant.kind}:${grant.subject}`;
}

/** Chromium extension ids: 32 letters a–p. Firefox add-on ids: an email-like or `{uuid}` string. */
const CHROMIUM_EXTENSION_ID = /^[a-p]{32}$/;
const FIREFOX_ADDON_ID = /^(\{[0-9a-fA-F-]{36}\}|[A-Za-z0-9._+-]{1,80}@[A-Za-z0-9.-]{1,80})$/;

export function isExtensionId(value: string): boolean {
  return CHROMIUM_EXTENSION_ID.test(value) || FIREFOX_ADDON_ID.test(value);
}

export type OriginCheck = { ok: true; origin: string } | { ok: false; reason: string };

/**
 * Normalises what a person typed into the origin a grant names: scheme + host + port, lower-case
 * host, default ports dropped. A path, query, credentials or wildcard is refused, not trimmed: a
 * grant is for one origin exactly, and the user should see what they grant.
 */
export function normaliseGrantOrigin(input: string): OriginCheck {
  const text = input.trim();
  if (text.includes('*')) return { ok: false, reason: 'Wildcards are not allowed: grant one origin.' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'Not an origin: write it like https://app.example or http://localhost:3000.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'Only http:// and https:// origins can be granted.' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'An origin has no user name or password.' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { ok: false, reason: 'A grant names an origin only, without a path, query or fragment.' };
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return { ok: false, reason: 'Plain http:// is allowed for localhost only; use the site’s https:// origin.' };
  }
  return { ok: true, origin: url.origin };
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Whether a grant may be used now (enabled and not expired). */
export function grantUsable(grant: GrantRecord, now: number): 'ok' | 'disabled' | 'expired' {
  if (!grant.enabled) return 'disabled';
  if (grant.expiresAt !== null && grant.expiresAt <= now) return 'expired';
  return 'ok';
}

export function isGrantRecord(value: unknown): value is GrantRecord {
  if (!isPlainObject(value)) return false;
  const { id, kind, subject, scopes, createdAt, expiresAt, enabled, lastUsedAt } = value;
  if (!isRecordId(id)) return false;
  if (kind !== 'site' && kind !== 'extension') return false;
  if (typeof subject !== 'string') return false;
  if (kind === 'site') {
    // Stored already normalised: anything else was not written by Keygate's own grant form.
    const normalised = normaliseGrantOrigin(subject);
    if (!normalised.ok || normalised.origin !== subject) return false;
  } else if (!isExtensionId(subject)) return false;
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && scope.length > 0 && scope.length <= 100)) return false;
  if (!Number.isSafeInteger(createdAt)) return false;
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) return false;
  if (typeof enabled !== 'boolean') return false;
  return lastUsedAt === null || Number.isSafeInteger(lastUsedAt);
}

export function isGrantRecordList(value: unknown): value is GrantRecord[] {
  return Array.isArray(value) && value.every(isGrantRecord) && new Set(value.map((grant: GrantRecord) => grant.id)).size === value.length;
}

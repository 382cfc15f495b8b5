/**
 * Grants as the user manages them in Keygate's own pages (create, change scopes and expiry,
 * enable or disable, revoke) and as the browser-agent gateway checks them. Every change re-registers
 * the page scripts and syncs the host; revoking also gives the site's host permission back. A site
 * grant whose permission the user took away in the browser's own settings stays stored, as it was,
 * but answers GRANT_PERMISSION_DENIED and has no page scripts until the browser gives access again.
 */
import { isValidScope } from '../../shared/agents/agent-keys';
import { KeygateError } from '../../shared/errors';
import { type GrantKind, type GrantRecord, grantUsable, isExtensionId, normaliseGrantOrigin } from '../../shared/grants/grant-record';
import { newRecordId } from '../../shared/vault/format';
import type { VaultDb } from '../vault/vault-db';
import * as store from './grant-store';
import { type BrowserFamily, holdsSiteAccess, type PermissionsApi, releaseSiteAccess, siteMatchPattern, sitesWithoutAccess } from './site-permission';

export interface NewGrantInput {
  kind: GrantKind;
  /** An origin as typed (normalised here) or an extension id. */
  subject: string;
  scopes: string[];
  expiresAt: number | null;
}

export interface GrantChange {
  scopes?: string[];
  expiresAt?: number | null;
  enabled?: boolean;
}

export interface GrantServiceDeps {
  db: VaultDb;
  permissions: PermissionsApi;
  browser: BrowserFamily;
  /** Throws VAULT_LOCKED unless the vault is open: granting is as sensitive as minting an agent key. */
  requireUnlocked: () => void;
  /**
   * Called with every grant after each change (and the ids of site grants the browser took access
   * from): registers page scripts, syncs the host.
   */
  onChange: (grants: GrantRecord[], withoutSiteAccess: ReadonlySet<string>) => Promise<void>;
  now?: () => number;
}

/** Who is asking, as the browser vouches for it (`sender.origin` of a tab, `sender.id` of an extension). */
export interface AgentIdentity {
  kind: GrantKind;
  subject: string;
}

function checkScopes(scopes: string[]): string[] {
  if (scopes.length === 0 || !scopes.every(isValidScope)) throw new KeygateError('GRANT_INVALID', 'Choose at least one valid scope.');
  return [...new Set(scopes)].sort();
}

function checkExpiry(expiresAt: number | null, now: number): number | null {
  if (expiresAt !== null && expiresAt <= now) throw new KeygateError('GRANT_INVALID', 'The expiry must be in the future.');
  return expiresAt;
}

function grantSubject(kind: GrantKind, typed: string): string {
  if (kind === 'extension') {
    const id = typed.trim();
    if (!isExtensionId(id)) throw new KeygateError('GRANT_INVALID', 'Not an extension id (32 letters a–p in Chromium, name@domain or {uuid} in Firefox).');
    return id;
  }
  const origin = normaliseGrantOrigin(typed);
  if (!origin.ok) throw new KeygateError('GRANT_INVALID', origin.reason);
  return origin.origin;
}

/**
 * A new grant's details as stored: the subject normalised (an origin) or checked (an extension id),
 * scopes known and sorted, the expiry in the future. Throws GRANT_INVALID, before any prompt.
 */
export function checkNewGrant(input: NewGrantInput, now: number): NewGrantInput {
  return { kind: input.kind, subject: grantSubject(input.kind, input.subject), scopes: checkScopes(input.scopes), expiresAt: checkExpiry(input.expiresAt, now) };
}

/** Last use is for the list ("last used 5 min ago"), not an audit: one write a minute per grant is plenty. */
const LAST_USE_RESOLUTION_MS = 60_000;

export class GrantService {
  private readonly now: () => number;
  /** Every browser-agent call is checked against the grants: kept in memory, dropped at each write. */
  private cached: Promise<GrantRecord[]> | null = null;
  /** Site grants the browser took access from, asked again after each write and each permission change. */
  private cachedWithoutAccess: Promise<ReadonlySet<string>> | null = null;
  /**
   * Expired grants whose page scripts a call already had removed. A page loaded before the expiry
   * keeps its scripts and may call in a loop; each removal re-registers every site's scripts and
   * syncs the host, so it happens once per grant and expiry (a grant given a new expiry that runs
   * out again is applied again), not per call.
   */
  private readonly expiryApplied = new Set<string>();

  constructor(private readonly deps: GrantServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async list(): Promise<GrantRecord[]> {
    this.cached ??= store.listGrants(this.deps.db);
    try {
      return [...(await this.cached)];
    } catch (error) {
      this.cached = null;
      throw error;
    }
  }

  /** The ids of site grants whose host permission the browser no longer holds (the user removed it). */
  async withoutSiteAccess(): Promise<ReadonlySet<string>> {
    this.cachedWithoutAccess ??= this.list().then((grants) => sitesWithoutAccess(this.deps.permissions, grants, this.deps.browser));
    try {
      return await this.cachedWithoutAccess;
    } catch (error) {
      this.cachedWithoutAccess = null;
      throw error;
    }
  }

  /**
   * Re-applies the stored grants against the permissions the browser holds now: at worker start
   * (registrations may predate a revoke, an expiry, or a permission removed while the browser was
   * closed) and whenever the browser says a permission was added or removed.
   */
  async refresh(): Promise<void> {
    this.cachedWithoutAccess = null;
    await this.changed();
  }

  async create(input: NewGrantInput): Promise<GrantRecord> {
    this.deps.requireUnlocked();
    const now = this.now();
    const { kind, subject, scopes, expiresAt } = checkNewGrant(input, now);
    const grant: GrantRecord = { id: newRecordId(), kind, subject, scopes, createdAt: now, expiresAt, enabled: true, lastUsedAt: null };
    if ((await this.list()).some((existing) => existing.kind === grant.kind && existing.subject === subject)) {
      throw new KeygateError('GRANT_INVALID', `${subject} already has a grant; change that one.`);
    }
    // The page asked the browser first (its prompt needs the user's click); without the permission a
    // site grant would be a record that can never inject its script.
    if (grant.kind === 'site' && !(await holdsSiteAccess(this.deps.permissions, subject, this.deps.browser))) {
      throw new KeygateError('GRANT_PERMISSION_DENIED');
    }
    await this.write(() => store.putGrant(this.deps.db, grant));
    await this.changed();
    return grant;
  }

  async update(id: string, change: GrantChange): Promise<GrantRecord> {
    // Turning a grant off or narrowing it needs no password; anything that could widen it does.
    const widens = change.enabled === true || change.scopes !== undefined || change.expiresAt !== undefined;
    if (widens) this.deps.requireUnlocked();
    const current = await this.require(id);
    const next: GrantRecord = {
      ...current,
      scopes: change.scopes === undefined ? current.scopes : checkScopes(change.scopes),
      expiresAt: change.expiresAt === undefined ? current.expiresAt : checkExpiry(change.expiresAt, this.now()),
      enabled: change.enabled ?? current.enabled,
    };
    await this.write(() => store.putGrant(this.deps.db, next));
    await this.changed();
    return next;
  }

  async revoke(id: string): Promise<void> {
    const grant = await this.require(id);
    await this.write(() => store.deleteGrant(this.deps.db, id));
    // In Firefox one permission covers every port of a host: keep it while another grant needs it.
    const pattern = (origin: string) => siteMatchPattern(origin, this.deps.browser);
    if (grant.kind === 'site' && !(await this.list()).some((other) => other.kind === 'site' && pattern(other.subject) === pattern(grant.subject))) {
      await releaseSiteAccess(this.deps.permissions, grant.subject, this.deps.browser);
    }
    await this.changed();
  }

  /**
   * The panic button: every grant gone in one write, each site's host permission given back, the
   * page scripts unregistered and the host told, as one change. Needs no password. Says how many.
   */
  async revokeAll(): Promise<number> {
    const revoked = await this.list();
    await this.write(() => store.clearGrants(this.deps.db));
    // One release per permission: in Firefox several ports of a host share one.
    const sites = new Map(revoked.filter((grant) => grant.kind === 'site').map((grant) => [siteMatchPattern(grant.subject, this.deps.browser), grant.subject]));
    for (const origin of sites.values()) await releaseSiteAccess(this.deps.permissions, origin, this.deps.browser);
    await this.changed();
    return revoked.length;
  }

  /**
   * The grant a browser agent may use now, or the GRANT_* refusal. A grant found unusable (expired
   * since the last change) gets its page scripts removed on the way.
   */
  async authorize(identity: AgentIdentity): Promise<GrantRecord> {
    const grants = await this.list();
    const grant = grants.find((candidate) => candidate.kind === identity.kind && candidate.subject === identity.subject);
    if (grant === undefined) throw new KeygateError('GRANT_MISSING');
    const usable = grantUsable(grant, this.now());
    // A disabled grant lost its scripts when it was disabled (update); an expired one on its first call here.
    if (usable === 'expired') this.applyExpiry(grant);
    if (usable !== 'ok') throw new KeygateError(usable === 'expired' ? 'GRANT_EXPIRED' : 'GRANT_DISABLED');
    if ((await this.withoutSiteAccess()).has(grant.id)) throw new KeygateError('GRANT_PERMISSION_DENIED', 'Access to this site was removed in the browser\'s settings.');
    return grant;
  }

  /** Last use, shown in the list; not a change the host or the page scripts need to hear of. */
  async recordUse(id: string): Promise<void> {
    const now = this.now();
    const grant = (await this.list()).find((candidate) => candidate.id === id);
    if (grant === undefined || (grant.lastUsedAt !== null && now - grant.lastUsedAt < LAST_USE_RESOLUTION_MS)) return;
    await this.write(() => store.putGrant(this.deps.db, { ...grant, lastUsedAt: now }));
  }

  private applyExpiry(grant: GrantRecord): void {
    const expiry = `${grant.id}@${grant.expiresAt}`;
    if (this.expiryApplied.has(expiry)) return;
    this.expiryApplied.add(expiry);
    void this.changed().catch(() => this.expiryApplied.delete(expiry));
  }

  private async write(change: () => Promise<void>): Promise<void> {
    this.cached = this.cachedWithoutAccess = null;
    try {
      await change();
    } finally {
      this.cached = this.cachedWithoutAccess = null;
    }
  }

  private async require(id: string): Promise<GrantRecord> {
    const grant = (await this.list()).find((candidate) => candidate.id === id);
    if (grant === undefined) throw new KeygateError('GRANT_MISSING', 'No grant with this id.');
    return grant;
  }

  private async changed(): Promise<void> {
    await this.deps.onChange(await this.list(), await this.withoutSiteAccess());
  }
}

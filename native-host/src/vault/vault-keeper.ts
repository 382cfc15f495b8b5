/**
 * The unlocked vault inside keygate-host: the data key in a buffer the host can zero, and the
 * credentials still sealed. A secret is opened only for the one call that needs it and zeroed right
 * after (DESIGN.md, "Key custody at runtime"). Locking zeroes the key and forgets the records.
 */
import { KeygateError } from '../../../shared/errors';
import type { CredentialCheck, VaultStatus } from '../../../shared/protocol';
import { DATA_KEY_BYTES, type DecodedCredential, decodeCredential, openDecodedCredential, wipe } from '../../../shared/vault/envelope';
import type { CredentialRecord } from '../../../shared/vault/format';
import { checkSealedRecord } from './credential-check';
import { IdleTimer, nodeTimers, type TimerFunctions } from './idle-timer';
import { VaultXChaCha } from './native-xchacha';

/** `disconnect`: the browser closed the port, so nobody is left to tell. */
export type VaultLockReason = 'idle' | 'request' | 'disconnect';

export interface VaultKeeperOptions {
  now?: () => number;
  timers?: TimerFunctions;
  /**
   * Where the key is kept. Buffer.alloc gives it its own zeroed memory, not a slice of Buffer's
   * shared pool that other code could still read after we zero our part.
   */
  allocateKeyBuffer?: () => Uint8Array;
}

interface Session {
  key: Uint8Array;
  records: Map<string, CredentialRecord>;
  /** Each record's sealed box as bytes, decoded once rather than for every request that opens it. */
  sealed: Map<string, DecodedCredential | null>;
  /** Opens the records with per-record subkeys derived once; wiped with the key. */
  cipher: VaultXChaCha;
  /** Bytes derived from a record's secret (its encoded spellings, for scrubbing); wiped with the record or the key. */
  derived: Map<string, DerivedFromSecret>;
  /** Records that failed their integrity check: reported and kept (they can still be deleted), never used. */
  unusable: Set<string>;
  /** Service → its usable credential ids in rotation order; rebuilt after any change to the records. */
  idsByService: Map<string, string[]> | null;
  unlockedAt: number;
  idleLockMs: number;
}

/** What `derivedFromSecret` keeps for one record: the bytes, and which derivation made them. */
interface DerivedFromSecret {
  derive: (secret: Uint8Array) => Uint8Array[];
  bytes: Uint8Array[];
}

export class VaultKeeper {
  private session: Session | null = null;
  private readonly listeners = new Set<(reason: VaultLockReason) => void>();
  private readonly recordListeners = new Set<(records: readonly CredentialRecord[]) => void>();
  private readonly now: () => number;
  private readonly idleTimer: IdleTimer;
  private readonly allocateKeyBuffer: () => Uint8Array;

  constructor(options: VaultKeeperOptions = {}) {
    this.now = options.now ?? Date.now;
    this.idleTimer = new IdleTimer(options.timers ?? nodeTimers, this.now, () => this.lock('idle'));
    this.allocateKeyBuffer = options.allocateKeyBuffer ?? (() => Buffer.alloc(DATA_KEY_BYTES));
  }

  get isUnlocked(): boolean {
    return this.session !== null;
  }

  /**
   * Copies `dataKey` in (the caller wipes its own copy) and test-opens every record, so a tampered
   * one is reported now while the rest stay usable. Replaces, and wipes, any earlier key.
   */
  unlock(dataKey: Uint8Array, records: readonly CredentialRecord[], idleLockMs: number): CredentialCheck[] {
    if (dataKey.length !== DATA_KEY_BYTES) throw new TypeError(`Data keys are ${DATA_KEY_BYTES} bytes.`);
    this.endSession();
    const key = this.allocateKeyBuffer();
    key.set(dataKey);
    this.session = {
      key,
      records: new Map(records.map((record) => [record.id, record])),
      sealed: new Map(records.map((record) => [record.id, decodeCredential(record.id, record.sealed)])),
      cipher: new VaultXChaCha(key),
      derived: new Map(),
      unusable: new Set(),
      idsByService: null,
      unlockedAt: this.now(),
      idleLockMs,
    };
    this.touch();
    const checks = records.map((record) => checkSealedRecord(key, record));
    for (const check of checks) if (!check.ok) this.session.unusable.add(check.id);
    this.announceRecords(records);
    return checks;
  }

  lock(reason: VaultLockReason): void {
    if (this.endSession()) for (const listener of this.listeners) listener(reason);
  }

  onLocked(listener: (reason: VaultLockReason) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Activity postpones the idle lock; a no-op while locked. */
  touch(): void {
    if (this.session !== null) this.idleTimer.restart(this.session.idleLockMs);
  }

  /** A new idle timeout (a reloaded policy), counted from now; a no-op while locked. */
  setIdleLock(idleLockMs: number): void {
    if (this.session === null) return;
    this.session.idleLockMs = idleLockMs;
    this.touch();
  }

  /** Adds or replaces a record; a tampered one is kept (as at unlock), reported, and left out of rotation. */
  putCredential(record: CredentialRecord): CredentialCheck {
    const session = this.requireSession();
    session.records.set(record.id, record);
    this.forgetSealed(session, record.id);
    session.sealed.set(record.id, decodeCredential(record.id, record.sealed));
    session.idsByService = null;
    this.touch();
    const check = checkSealedRecord(session.key, record);
    if (check.ok) session.unusable.delete(record.id);
    else session.unusable.add(record.id);
    this.announceRecords([record]);
    return check;
  }

  /** Whether a record opens with the key held now (a vault file re-read after its password changed); false while locked. */
  sealedWithHeldKey(record: CredentialRecord): boolean {
    return this.session !== null && checkSealedRecord(this.session.key, record).ok;
  }

  /** Credentials that arrived (at unlock or one by one), e.g. so Binance keys can be vetted. */
  onRecordsArrived(listener: (records: readonly CredentialRecord[]) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  private announceRecords(records: readonly CredentialRecord[]): void {
    for (const listener of this.recordListeners) listener(records);
  }

  deleteCredential(id: string): boolean {
    const session = this.requireSession();
    const deleted = session.records.delete(id);
    session.unusable.delete(id);
    this.forgetSealed(session, id);
    session.idsByService = null;
    this.touch();
    return deleted;
  }

  /**
   * The usable credentials stored for a service, oldest first (the order rotation walks them in).
   * One that failed its integrity check is left out, so the service's other keys keep working.
   */
  credentialIdsFor(service: string): readonly string[] {
    const session = this.requireSession();
    session.idsByService ??= idsByService(session.records, session.unusable);
    return session.idsByService.get(service) ?? [];
  }

  /** Why a service has no usable credential: none stored, or only ones that failed their integrity check. */
  noUsableCredential(service: string): KeygateError {
    const session = this.requireSession();
    const tampered = [...session.unusable].some((id) => session.records.get(id)?.service === service);
    return tampered
      ? new KeygateError('CREDENTIAL_TAMPERED', `Every credential for "${service}" failed its integrity check.`)
      : new KeygateError('CREDENTIAL_NOT_FOUND', `No credential for "${service}".`);
  }

  /**
   * Opens one secret for the duration of `use` only; its bytes are zeroed however `use` ends. Not an
   * `async` frame: a request opens one on its way out, and the zeroing rides on `use`'s own promise
   * (one reaction) instead of a promise and an await of its own.
   */
  withOpenCredential<T>(id: string, use: (secret: Uint8Array, record: CredentialRecord) => T | Promise<T>): Promise<T> {
    let opened: { secret: Uint8Array; record: CredentialRecord };
    try {
      opened = this.openCredential(id);
    } catch (error) {
      return Promise.reject(error);
    }
    const { secret, record } = opened;
    let used: T | Promise<T>;
    try {
      used = use(secret, record);
    } catch (error) {
      wipe(secret);
      return Promise.reject(error);
    }
    if (!(used instanceof Promise)) {
      wipe(secret);
      return Promise.resolve(used);
    }
    return used.then(
      (value) => {
        wipe(secret);
        return value;
      },
      (error: unknown) => {
        wipe(secret);
        throw error;
      },
    );
  }

  private openCredential(id: string): { secret: Uint8Array; record: CredentialRecord } {
    const session = this.requireSession();
    const record = session.records.get(id);
    if (record === undefined) throw new KeygateError('CREDENTIAL_NOT_FOUND', `Record ${JSON.stringify(id)}.`);
    this.touch();
    return { secret: openDecodedCredential(session.key, id, session.sealed.get(id) ?? null, session.cipher.decrypt), record };
  }

  /**
   * Bytes derived from an opened secret that every answer needs (its encoded spellings, which the
   * scrubber looks for): derived on the record's first use and kept, like the record's subkey, until
   * the record is replaced or deleted or the vault locks, when they are zeroed. Deriving them for every
   * answer cost more than the rest of the scrubbing. Call it inside `withOpenCredential(id, …)` with
   * the secret it opened; arrays `derive` returns must be the caller's own (not Buffer's shared pool).
   */
  derivedFromSecret(id: string, secret: Uint8Array, derive: (secret: Uint8Array) => Uint8Array[]): readonly Uint8Array[] {
    const session = this.requireSession();
    const kept = session.derived.get(id);
    if (kept !== undefined && kept.derive === derive) return kept.bytes;
    if (kept !== undefined) wipeAll(kept.bytes);
    const bytes = derive(secret);
    session.derived.set(id, { derive, bytes });
    return bytes;
  }

  snapshot(): VaultStatus {
    const session = this.session;
    if (session === null) return { state: 'locked', credentialCount: 0, unlockedAt: null };
    return { state: 'unlocked', credentialCount: session.records.size, unlockedAt: session.unlockedAt };
  }

  private requireSession(): Session {
    if (this.session === null) throw new KeygateError('VAULT_LOCKED');
    return this.session;
  }

  /** Drops a record's decoded box and wipes the subkey and the bytes derived for it. */
  private forgetSealed(session: Session, id: string): void {
    const decoded = session.sealed.get(id);
    if (decoded) session.cipher.forget(decoded.nonce);
    session.sealed.delete(id);
    const derived = session.derived.get(id);
    if (derived !== undefined) wipeAll(derived.bytes);
    session.derived.delete(id);
  }

  /** Zeroes the key and drops the records; false when there was nothing to end. */
  private endSession(): boolean {
    const session = this.session;
    if (session === null) return false;
    this.session = null;
    this.idleTimer.stop();
    wipe(session.key);
    session.records.clear();
    session.sealed.clear();
    session.unusable.clear();
    session.cipher.wipe();
    for (const derived of session.derived.values()) wipeAll(derived.bytes);
    session.derived.clear();
    session.idsByService = null;
    return true;
  }
}

function wipeAll(arrays: readonly Uint8Array[]): void {
  for (const bytes of arrays) wipe(bytes);
}

function idsByService(records: ReadonlyMap<string, CredentialRecord>, unusable: ReadonlySet<string>): Map<string, string[]> {
  const usable = [...records.values()].filter((record) => !unusable.has(record.id));
  const sorted = usable.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const byService = new Map<string, string[]>();
  for (const record of sorted) {
    const ids = byService.get(record.service);
    if (ids === undefined) byService.set(record.service, [record.id]);
    else ids.push(record.id);
  }
  return byService;
}

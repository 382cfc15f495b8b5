import 'fake-indexeddb/auto';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostLink, type NativePort } from '../../lib/host-link/host-link';
import type { HostState } from '../../lib/host-link/host-state';
import { type NewCredentialInput, VaultSession } from '../../lib/session/vault-session';
import type { VaultState } from '../../lib/session/vault-state';
import { openVaultDb, putCredential, listCredentials as storedCredentials, type VaultDb } from '../../lib/vault/vault-db';
import { addCredential, createVault, exportVault } from '../../lib/vault/vault-service';
import { FrameDecoder } from '../../native-host/src/native/frame-decoder';
import { lengthPrefixed } from '../../native-host/src/native/frame-encoder';
import { runNativeHost } from '../../native-host/src/native/run-native-host';
import { DEFAULT_EXTENSION_ID } from '../../shared/identity';
import { type Request, type RequestType, validateRequest } from '../../shared/protocol';
import { base64ToBytes, bytesToBase64 } from '../../shared/vault/base64';
import { openSealedSecret } from '../../shared/vault/envelope';
import type { CredentialRecord } from '../../shared/vault/format';
import { MIN_KDF_COST } from '../../shared/vault/kdf';

// Real Argon2id at the floor cost (~0.25 s per derivation), real IndexedDB (fake-indexeddb), and the
// real keygate-host request handling over in-memory pipes. Only the browser's port is stood in for.
const PASSWORD = 'correct horse battery staple';
const OTHER_PASSWORD = 'violet-anchor-meadow-42';
const IDLE_MINUTES = 5;
const MINUTE = 60_000;
const decoder = new TextDecoder();

const openaiKey: NewCredentialInput = { service: 'openai', name: 'Work OpenAI', kind: 'api_key', secret: 'sk-test-FAKE-openai-0001' };
const anthropicKey: NewCredentialInput = {
  service: 'anthropic',
  name: 'Claude',
  kind: 'api_key',
  secret: 'sk-test-FAKE-anthropic-0002',
};

type BrowserPort = NativePort & { lastError?: string };

/**
 * The browser's end of a native port with keygate-host running behind it, in this process: every
 * message goes through the host's real framing, validation and vault handlers. The test can hold a
 * request back (to see what the popup shows meanwhile) and make the host process exit.
 */
class KeygateHostPort implements BrowserPort {
  lastError: string | undefined;
  private readonly posted: Request[] = [];
  private readonly held = new Map<RequestType, (release: () => void) => void>();
  private readonly stdin = new PassThrough();
  private readonly stdout = new PassThrough();
  private readonly frames = new FrameDecoder();
  private readonly exitCode: Promise<number>;
  private readonly messageListeners: Array<(message: unknown) => void> = [];
  private readonly disconnectListeners: Array<() => void> = [];
  onMessage = { addListener: (listener: (message: unknown) => void) => void this.messageListeners.push(listener) };
  onDisconnect = { addListener: (listener: () => void) => void this.disconnectListeners.push(listener) };

  constructor() {
    this.stdout.on('data', (chunk: Buffer) => {
      for (const frame of this.frames.push(chunk)) {
        if (frame.kind !== 'frame') continue;
        const message: unknown = JSON.parse(frame.body.toString('utf8'));
        for (const listener of this.messageListeners) listener(message);
      }
    });
    this.exitCode = runNativeHost({
      browserArgs: [`chrome-extension://${DEFAULT_EXTENSION_ID}/`],
      env: {},
      input: this.stdin,
      output: this.stdout,
      log: () => {}, // its stderr; the tests judge the host by its replies
    });
  }

  postMessage(message: unknown): void {
    const send = () => void this.stdin.write(lengthPrefixed(Buffer.from(JSON.stringify(message), 'utf8')));
    const check = validateRequest(message);
    if (!check.ok) return send(); // the host answers a malformed request itself
    this.posted.push(check.request);
    const hold = this.held.get(check.request.type);
    if (hold === undefined) return send();
    this.held.delete(check.request.type);
    hold(send);
  }

  /** The browser closing its end closes the host's stdin. */
  disconnect(): void {
    this.stdin.end();
  }

  /** Every request of one type the extension sent this host, oldest first. */
  requests<T extends RequestType>(type: T): Array<Request<T>> {
    return this.posted.filter((request) => request.type === type) as Array<Request<T>>;
  }

  get requestTypes(): RequestType[] {
    return this.posted.map((request) => request.type);
  }

  /** Keeps the next request of this type from the host; resolves, once it is sent, to its release. */
  holdNext(type: RequestType): Promise<() => void> {
    return new Promise((resolve) => this.held.set(type, resolve));
  }

  /** The host process ends (a crash, an update); the browser then reports the port closed. */
  async exit(): Promise<void> {
    this.stdin.end();
    await this.exitCode;
    this.lastError = 'Native host has exited.';
    for (const listener of this.disconnectListeners) listener();
  }

  /** Test teardown: the host ends without the extension hearing of it. */
  async stop(): Promise<void> {
    this.stdin.end();
    await this.exitCode;
  }
}

/** What the browser gives the extension when keygate-host was never registered. */
class MissingHostPort implements BrowserPort {
  lastError = 'Specified native messaging host not found.';
  private readonly disconnectListeners: Array<() => void> = [];
  onMessage = { addListener: () => {} };
  onDisconnect = { addListener: (listener: () => void) => void this.disconnectListeners.push(listener) };

  constructor() {
    setImmediate(() => this.disconnectListeners.forEach((listener) => listener()));
  }

  postMessage(): void {}
  disconnect(): void {}
}

const cleanups: Array<() => Promise<unknown> | void> = [];

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves with the first state (the current one included) that matches. */
function reached<S>(
  source: { currentState: S; onStateChange(listener: (state: S) => void): () => void },
  matches: (state: S) => boolean,
): Promise<S> {
  return new Promise((resolve) => {
    if (matches(source.currentState)) return resolve(source.currentState);
    const stop = source.onStateChange((state) => {
      if (!matches(state)) return;
      stop();
      resolve(state);
    });
  });
}

const isProxyReady = (state: VaultState) => state.status === 'unlocked' && state.handoff.status === 'ready';
const isConnected = (state: HostState) => state.status === 'connected';

function browserWithHost(options: { installed?: boolean; reconnectInitialMs?: number } = {}) {
  const hosts: KeygateHostPort[] = [];
  let onHostStarted: (port: KeygateHostPort) => void = () => {};
  const browser = {
    installed: options.installed ?? true,
    hosts,
    /** The host the link talks to now. */
    get host(): KeygateHostPort {
      const host = hosts.at(-1);
      if (host === undefined) throw new Error('No host was started.');
      return host;
    },
    link: new HostLink({
      connect: () => {
        if (!browser.installed) return new MissingHostPort();
        const port = new KeygateHostPort();
        hosts.push(port);
        onHostStarted(port);
        return port;
      },
      disconnectMessage: (port) => (port as BrowserPort).lastError,
      extensionVersion: '0.1.0',
      requestTimeoutMs: 5_000,
      reconnectInitialMs: options.reconnectInitialMs ?? 20,
      reconnectMaxMs: 60_000,
      log: () => {},
    }),
    /** Resolves with the next host the link starts (after a reconnect). */
    nextHost(): Promise<KeygateHostPort> {
      return new Promise((resolve) => (onHostStarted = resolve));
    },
  };
  cleanups.push(() => Promise.all(hosts.map((host) => host.stop())));
  return browser;
}

async function connectedBrowser() {
  const browser = browserWithHost();
  browser.link.connect();
  await reached(browser.link, isConnected);
  return browser;
}

/** What keygate-host itself says about its vault. */
async function hostVault(browser: ReturnType<typeof browserWithHost>) {
  return (await browser.link.request('status', {})).vault;
}

let dbCount = 0;
async function freshDb(): Promise<VaultDb> {
  const db = await openVaultDb(`vault-session-${++dbCount}`);
  cleanups.push(() => db.close());
  return db;
}

async function sessionOver(db: VaultDb, browser: ReturnType<typeof browserWithHost>) {
  const settings = { idleLockMinutes: IDLE_MINUTES, lastKdfMs: 1_234 };
  const kdfDurations: number[] = [];
  const session = new VaultSession({
    db,
    host: browser.link,
    readSettings: async () => ({ ...settings }),
    rememberKdfDuration: async (ms) => void kdfDurations.push(ms),
    kdfCost: MIN_KDF_COST,
  });
  await session.initialize();
  /** Every state the popup is sent after startup. */
  const states: VaultState[] = [];
  session.onStateChange((state) => states.push(state));
  // Clears the idle timer and any key left in memory; runs before the hosts and the db go away.
  cleanups.push(() => session.lock('user'));
  return { session, settings, kdfDurations, states };
}

/**
 * A new vault, created through the session with the host connected. `sessionKey` is the session's
 * own data-key buffer: createVault fills it with crypto.getRandomValues, and it is the only 32-byte
 * array filled while a vault is created (salt 16, nonce 24), so watching that call finds it
 * without reaching into the session.
 */
async function unlockedSession() {
  const browser = await connectedBrowser();
  const db = await freshDb();
  const harness = await sessionOver(db, browser);
  const randomFills = vi.spyOn(globalThis.crypto, 'getRandomValues');
  await harness.session.create(PASSWORD);
  const filled = randomFills.mock.calls.map(([array]) => array);
  randomFills.mockRestore();
  const keys = filled.filter((array): array is Uint8Array => array instanceof Uint8Array && array.length === 32);
  expect(keys).toHaveLength(1);
  return { ...harness, browser, db, sessionKey: keys[0]! };
}

/** A vault made earlier (another browser session), with one credential in it. */
async function existingVault(db: VaultDb, password = PASSWORD, secret = openaiKey.secret) {
  const dataKey = await createVault(db, password, { kdfCost: MIN_KDF_COST });
  const record = await addCredential(db, dataKey, { ...openaiKey, secret: new TextEncoder().encode(secret) });
  return { dataKey, record };
}

function openWith(dataKeyBase64: string, record: CredentialRecord): string {
  return decoder.decode(openSealedSecret(base64ToBytes(dataKeyBase64), record.id, record.sealed));
}

function withFlippedCiphertextByte(record: CredentialRecord): CredentialRecord {
  const ciphertext = base64ToBytes(record.sealed.ciphertext);
  ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01;
  return { ...record, sealed: { ...record.sealed, ciphertext: bytesToBase64(ciphertext) } };
}

/**
 * Idle delays (the session's and the host's) move by hand from here on. Called once the key is
 * derived: Argon2id must not wait on a faked clock; IndexedDB and the pipes use setImmediate and
 * nextTick, which stay real.
 */
function fakeTheClockFromNowOn(): void {
  // shouldClearNativeTimers: idle timers armed during unlock are real ones; re-arming clears them.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'], shouldClearNativeTimers: true });
}

describe('starting the background worker', () => {
  it('reports no vault on a fresh profile, so the popup offers to create one', async () => {
    const { session } = await sessionOver(await freshDb(), await connectedBrowser());
    expect(session.currentState).toEqual({ status: 'absent' });
    await expect(session.unlock(PASSWORD)).rejects.toMatchObject({ code: 'VAULT_NOT_FOUND' });
  });

  it('starts locked when a vault exists, without giving the host anything', async () => {
    const db = await freshDb();
    await existingVault(db);
    const browser = await connectedBrowser();
    const { session } = await sessionOver(db, browser);
    expect(session.currentState).toEqual({ status: 'locked', reason: 'startup' });
    expect(browser.host.requestTypes).toEqual(['hello']);
    expect(await hostVault(browser)).toMatchObject({ state: 'locked' });
  });
});

describe('creating and unlocking', () => {
  it('a new vault is unlocked at once, and "proxy ready" waits for the host’s acknowledgement', async () => {
    const browser = await connectedBrowser();
    const { session } = await sessionOver(await freshDb(), browser);
    const heldHandoff = browser.host.holdNext('vault.unlock');

    const creating = session.create(PASSWORD);
    const release = await heldHandoff;
    expect(session.currentState).toMatchObject({ status: 'unlocked', handoff: { status: 'pending' } });
    release();
    await creating;

    expect(session.currentState).toMatchObject({ status: 'unlocked', idleLockMinutes: IDLE_MINUTES, handoff: { status: 'ready' } });
    const [handoff] = browser.host.requests('vault.unlock');
    expect(base64ToBytes(handoff!.dataKey)).toHaveLength(32);
    expect(handoff).toMatchObject({ formatVersion: 1, credentials: [], idleLockMinutes: IDLE_MINUTES });
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 0 });
    await expect(session.create(OTHER_PASSWORD)).rejects.toMatchObject({ code: 'VAULT_EXISTS' });
  });

  it('unlocking hands the host the vault’s data key with every sealed record', async () => {
    const db = await freshDb();
    const { dataKey, record } = await existingVault(db);
    const browser = await connectedBrowser();
    const { session, states, kdfDurations } = await sessionOver(db, browser);

    await session.unlock(PASSWORD);

    expect(states[0]).toMatchObject({ status: 'unlocking', expectedMs: 1_234 });
    expect(session.currentState).toMatchObject({ status: 'unlocked', handoff: { status: 'ready' } });
    const [handoff] = browser.host.requests('vault.unlock');
    expect(handoff).toMatchObject({ dataKey: bytesToBase64(dataKey), formatVersion: 1, credentials: [record], idleLockMinutes: IDLE_MINUTES });
    expect(openWith(handoff!.dataKey, handoff!.credentials[0]!)).toBe(openaiKey.secret);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
    // The next unlock's progress bar is drawn from how long this one took.
    expect(kdfDurations).toHaveLength(1);
    expect(kdfDurations[0]).toBeGreaterThan(0);
  });

  it('a wrong password leaves the vault locked and the host without a key', async () => {
    const db = await freshDb();
    await existingVault(db);
    const browser = await connectedBrowser();
    const { session, states, kdfDurations } = await sessionOver(db, browser);

    await expect(session.unlock('correct horse battery stapler')).rejects.toMatchObject({ code: 'VAULT_PASSWORD_WRONG' });

    expect(states.map((state) => state.status)).toEqual(['unlocking', 'locked']);
    expect(session.currentState.status).toBe('locked');
    expect(browser.host.requests('vault.unlock')).toEqual([]);
    expect(kdfDurations).toEqual([]);
  });

  it('refuses a second unlock while the first is still deriving the key', async () => {
    const db = await freshDb();
    await existingVault(db);
    const browser = await connectedBrowser();
    const { session } = await sessionOver(db, browser);

    const first = session.unlock(PASSWORD);
    await reached(session, (state) => state.status === 'unlocking');
    await expect(session.unlock(PASSWORD)).rejects.toMatchObject({ code: 'VAULT_BUSY' });
    await first;

    expect(session.currentState).toMatchObject({ status: 'unlocked', handoff: { status: 'ready' } });
    expect(browser.host.requests('vault.unlock')).toHaveLength(1);
  });
});

describe('handing the vault to keygate-host', () => {
  it('shows the host’s error while it is unreachable, then hands over by itself once it connects', async () => {
    // A long back-off, so the link does not retry during the test until the test says so.
    const browser = browserWithHost({ installed: false, reconnectInitialMs: 60_000 });
    browser.link.connect();
    await reached(browser.link, (state) => state.status === 'unavailable');
    const { session } = await sessionOver(await freshDb(), browser);

    await session.create(PASSWORD);
    expect(session.currentState).toMatchObject({
      status: 'unlocked',
      handoff: { status: 'failed', error: { code: 'HOST_NOT_INSTALLED', hint: expect.stringContaining('keygate-host install') } },
    });
    // Added while the host is away: it must arrive with the hand-off.
    const added = await session.addCredential(openaiKey);

    browser.installed = true;
    browser.link.connect(); // the link's next attempt (its back-off timer, or "Retry now")
    await reached(session, isProxyReady);

    const [handoff] = browser.host.requests('vault.unlock');
    expect(handoff!.credentials.map((record) => record.id)).toEqual([added.id]);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });

  it('hands the key over again when the host restarts', async () => {
    const { session, browser } = await unlockedSession();
    await session.addCredential(openaiKey);
    const firstHost = browser.host;

    await firstHost.exit();
    await vi.waitFor(() => expect(browser.hosts[1]?.requests('vault.unlock')).toHaveLength(1));
    await reached(session, isProxyReady);

    const [before] = firstHost.requests('vault.unlock');
    const [after] = browser.hosts[1]!.requests('vault.unlock');
    expect(after!.dataKey).toBe(before!.dataKey);
    expect(after!.credentials).toHaveLength(1);
    expect(openWith(after!.dataKey, after!.credentials[0]!)).toBe(openaiKey.secret);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });
});

describe('locking', () => {
  it('locks after the idle delay and has the host drop its key', async () => {
    const { session, browser } = await unlockedSession();
    fakeTheClockFromNowOn();
    await session.touch(); // the last thing the user did

    vi.advanceTimersByTime(IDLE_MINUTES * MINUTE - 1);
    expect(session.currentState.status).toBe('unlocked');
    vi.advanceTimersByTime(1);

    expect(session.currentState).toEqual({ status: 'locked', reason: 'idle' });
    expect(browser.host.requests('vault.lock')).toHaveLength(1);
    expect(await hostVault(browser)).toMatchObject({ state: 'locked' });
  });

  it('activity in an extension page postpones the idle lock', async () => {
    const { session } = await unlockedSession();
    fakeTheClockFromNowOn();
    await session.touch();

    vi.advanceTimersByTime(4 * MINUTE);
    await session.touch();
    vi.advanceTimersByTime(4 * MINUTE);
    expect(session.currentState.status).toBe('unlocked');

    vi.advanceTimersByTime(MINUTE);
    expect(session.currentState).toEqual({ status: 'locked', reason: 'idle' });
  });

  it('locks too when the host locked on its own after its idle time', async () => {
    // From before the unlock: the host arms its idle timer once and reads the clock when it comes due.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    const { session } = await unlockedSession();
    await session.addCredential(openaiKey); // restarts the host's idle clock
    vi.advanceTimersByTime(MINUTE);
    await session.touch(); // the user is still in the popup, so the extension's own clock is later

    const locked = reached(session, (state) => state.status === 'locked');
    vi.advanceTimersByTime((IDLE_MINUTES - 1) * MINUTE);

    expect(await locked).toEqual({ status: 'locked', reason: 'host-idle' });
    await expect(session.listCredentials()).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
  });

  it('zeroes its data key on lock and refuses every vault operation while locked', async () => {
    const { session, browser, sessionKey } = await unlockedSession();
    const added = await session.addCredential(openaiKey);
    const [handoff] = browser.host.requests('vault.unlock');
    expect(bytesToBase64(sessionKey)).toBe(handoff!.dataKey);

    await session.lock('user');

    expect(session.currentState).toEqual({ status: 'locked', reason: 'user' });
    expect(sessionKey.every((byte) => byte === 0)).toBe(true);
    expect(await hostVault(browser)).toMatchObject({ state: 'locked' });
    const sentBefore = browser.host.requestTypes.length;
    for (const operation of [
      () => session.listCredentials(),
      () => session.addCredential(anthropicKey),
      () => session.deleteCredential(added.id),
      () => session.exportVault(),
      () => session.changePassword(PASSWORD, OTHER_PASSWORD),
    ]) {
      await expect(operation()).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    }
    expect(browser.host.requestTypes.slice(sentBefore)).toEqual([]);
  });
});

describe('credentials', () => {
  it('a new credential reaches the host sealed, never as plaintext', async () => {
    const { session, browser, db } = await unlockedSession();

    const summary = await session.addCredential(openaiKey);

    expect(summary).toMatchObject({ service: 'openai', name: 'Work OpenAI', kind: 'api_key', lastUsedAt: null });
    expect(summary).not.toHaveProperty('sealed');
    const [put] = browser.host.requests('vault.credentials.put');
    expect(put!.record).toMatchObject({ ...summary, sealed: { nonce: expect.any(String), ciphertext: expect.any(String) } });
    expect(JSON.stringify(browser.host.requests('vault.credentials.put'))).not.toContain(openaiKey.secret);
    expect(JSON.stringify(await storedCredentials(db))).not.toContain(openaiKey.secret);
    // …yet the host, with the key it was handed, can open it for an agent's request.
    const [handoff] = browser.host.requests('vault.unlock');
    expect(openWith(handoff!.dataKey, put!.record)).toBe(openaiKey.secret);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });

  it('lists credentials without their sealed secrets and flags a tampered one, the others usable', async () => {
    const { session, db } = await unlockedSession();
    const openai = await session.addCredential(openaiKey);
    const anthropic = await session.addCredential(anthropicKey);
    const stored = (await storedCredentials(db)).find((record) => record.id === openai.id)!;
    await putCredential(db, withFlippedCiphertextByte(stored));

    const listed = await session.listCredentials();

    expect(listed.map((credential) => credential.service)).toEqual(['anthropic', 'openai']);
    for (const credential of listed) expect(credential).not.toHaveProperty('sealed');
    expect(listed.find((credential) => credential.id === openai.id)?.problem).toMatchObject({ code: 'CREDENTIAL_TAMPERED' });
    expect(listed.find((credential) => credential.id === anthropic.id)).not.toHaveProperty('problem');
    expect(JSON.stringify(listed)).not.toContain(stored.sealed.ciphertext);
  });

  it('a deleted credential is gone from the list and from the host', async () => {
    const { session, browser } = await unlockedSession();
    const openai = await session.addCredential(openaiKey);
    const anthropic = await session.addCredential(anthropicKey);

    await session.deleteCredential(openai.id);

    expect((await session.listCredentials()).map((credential) => credential.id)).toEqual([anthropic.id]);
    expect(browser.host.requests('vault.credentials.delete')).toMatchObject([{ credentialId: openai.id }]);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
    await expect(session.deleteCredential(openai.id)).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });
});

describe('importing an export file', () => {
  it('replaces the vault with the file’s and unlocks into it', async () => {
    const otherDb = await freshDb();
    const imported = await existingVault(otherDb, OTHER_PASSWORD, 'sk-test-FAKE-imported-0003');
    const file: unknown = JSON.parse(JSON.stringify(await exportVault(otherDb)));
    const { session, browser, states, sessionKey } = await unlockedSession();
    await session.addCredential(anthropicKey);

    await session.importVault(file, OTHER_PASSWORD);

    expect(session.currentState).toMatchObject({ status: 'unlocked', handoff: { status: 'ready' } });
    expect(states).toContainEqual({ status: 'locked', reason: 'imported' });
    expect(sessionKey.every((byte) => byte === 0)).toBe(true);
    expect((await session.listCredentials()).map((credential) => credential.id)).toEqual([imported.record.id]);
    const handoffs = browser.host.requests('vault.unlock');
    expect(handoffs).toHaveLength(2);
    expect(handoffs[1]).toMatchObject({ dataKey: bytesToBase64(imported.dataKey), credentials: [imported.record] });
    expect(browser.host.requestTypes.slice(-2)).toEqual(['vault.lock', 'vault.unlock']);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });
  it('two unlock requests in the same moment derive the key once', async () => {
    const db = await freshDb();
    await existingVault(db);
    const browser = await connectedBrowser();
    const { session, kdfDurations } = await sessionOver(db, browser);
    const results = await Promise.allSettled([session.unlock(PASSWORD), session.unlock(PASSWORD)]);
    expect(results.map((r) => (r.status === 'rejected' ? r.reason : 'unlocked'))).toEqual(['unlocked', expect.objectContaining({ code: 'VAULT_BUSY' })]);
    expect(kdfDurations).toHaveLength(1);
    expect(browser.host.requests('vault.unlock')).toHaveLength(1);
  });

  it('stops saying "proxy ready" as soon as the host that has the key exits', async () => {
    const { session, browser } = await unlockedSession();
    await browser.host.exit();
    expect(session.currentState).toMatchObject({ status: 'unlocked', handoff: { status: 'failed', error: { code: 'HOST_EXITED' } } });
    await vi.waitFor(() => expect(browser.hosts[1]?.requests('vault.unlock')).toHaveLength(1));
    await reached(session, isProxyReady);
  });

  it('a credential added while the key is being handed over still reaches the host', async () => {
    const { session, browser } = await unlockedSession();
    const nextHost = browser.nextHost();
    await browser.host.exit();
    const release = await (await nextHost).holdNext('vault.unlock');
    await session.addCredential(openaiKey);
    release();
    await reached(session, isProxyReady);
    expect(await hostVault(browser)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });
});

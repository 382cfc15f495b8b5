import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { putGrant } from '../../lib/grants/grant-store';
import type { EventFrame } from '../../shared/protocol';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { newRecordId, type CredentialRecord } from '../../shared/vault/format';
import type { HostState } from '../../lib/host-link/host-state';
import { readActivePolicy } from '../../lib/policy/policy-store';
import { HostSync } from '../../lib/session/host-sync';
import { getCredential, openVaultDb, putCredential } from '../../lib/vault/vault-db';

let dbCount = 0;

/** The host link's surface, driven by the test: the browser and the host process are outside this unit. */
type HostLinkSurface = ConstructorParameters<typeof HostSync>[1];

function scriptedHost(answers: Record<string, unknown> = {}) {
  const stateListeners: Array<(state: HostState) => void> = [];
  const eventListeners: Array<(event: EventFrame) => void> = [];
  const requests: Array<{ type: string; params: unknown }> = [];
  let state: HostState = { status: 'connecting', attempt: 1 };
  return {
    requests,
    get currentState() {
      return state;
    },
    onStateChange: (listener: (state: HostState) => void) => (stateListeners.push(listener), () => {}),
    onEvent: (listener: (event: EventFrame) => void) => (eventListeners.push(listener), () => {}),
    request: (async (type: string, params: unknown) => {
      requests.push({ type, params });
      return answers[type] ?? { count: 0 };
    }) as HostLinkSurface['request'],
    connect() {
      state = { status: 'connected', version: '0.1.0', pid: 1, capabilities: [], connectedAt: 0 };
      stateListeners.forEach((listener) => listener(state));
    },
    disconnect() {
      state = { status: 'connecting', attempt: 1 };
      stateListeners.forEach((listener) => listener(state));
    },
    emit: (event: EventFrame) => eventListeners.forEach((listener) => listener(event)),
  };
}

async function storedCredential(db: Awaited<ReturnType<typeof openVaultDb>>): Promise<CredentialRecord> {
  const id = newRecordId();
  const record: CredentialRecord = {
    id,
    service: 'openai',
    name: 'main',
    kind: 'api_key',
    createdAt: 1,
    lastUsedAt: null,
    sealed: sealSecret(generateDataKey(), id, new TextEncoder().encode('sk-test-FAKE-sync-0001')),
  };
  await putCredential(db, record);
  return record;
}

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('host sync (policy, agents and last-used between the extension and the host)', () => {
  it('records "last used" when the host reports a credential was used, never going backwards', async () => {
    const db = await openVaultDb(`keygate-sync-${++dbCount}`);
    const host = scriptedHost();
    new HostSync(db, host);
    const record = await storedCredential(db);
    host.emit({ type: 'event', event: 'credential.used', credentialId: record.id, at: 5_000 });
    await until(async () => (await getCredential(db, record.id))?.lastUsedAt === 5_000);
    expect((await getCredential(db, record.id))?.lastUsedAt).toBe(5_000);

    host.emit({ type: 'event', event: 'credential.used', credentialId: record.id, at: 4_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await getCredential(db, record.id)).toEqual({ ...record, lastUsedAt: 5_000 });
  });

  it('sends the stored policy, the agent keys and the grants each time the host connects', async () => {
    const db = await openVaultDb(`keygate-sync-${++dbCount}`);
    const host = scriptedHost({ 'policy.apply': { listening: true, port: 8472, error: null } });
    const sync = new HostSync(db, host, () => 10);
    await sync.applyPolicy('[proxy]\nport = 0\n');
    const grant: GrantRecord = { id: newRecordId(), kind: 'site', subject: 'http://localhost:3000', scopes: ['openai'], createdAt: 1, expiresAt: null, enabled: true, lastUsedAt: null };
    await putGrant(db, grant);
    host.connect();
    await until(async () => host.requests.some((request) => request.type === 'grants.sync'));
    expect(host.requests.map((request) => request.type)).toEqual(['policy.apply', 'agents.sync', 'grants.sync']);
    expect(host.requests[0]?.params).toEqual({ toml: '[proxy]\nport = 0\n' });
    expect(host.requests[2]?.params).toEqual({ grants: [grant] });
    expect(sync.proxyStatus).toEqual({ listening: true, port: 8472, error: null });
  });

  it('a host that refuses the grants still serves the HTTP proxy', async () => {
    const db = await openVaultDb(`keygate-sync-${++dbCount}`);
    const host = scriptedHost({ 'policy.apply': { listening: true, port: 8472, error: null } });
    const refusing = { ...host, request: (async (type: string, params: unknown) => {
      if (type === 'grants.sync') throw new KeygateError('MESSAGE_TYPE_UNKNOWN');
      return host.request(type as 'agents.sync', params as never);
    }) as HostLinkSurface['request'] };
    Object.defineProperty(refusing, 'currentState', { get: () => host.currentState });
    const sync = new HostSync(db, refusing);
    host.connect();
    await until(async () => host.requests.some((request) => request.type === 'agents.sync'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sync.proxyStatus).toEqual({ listening: true, port: 8472, error: null });
  });

  it('refuses an invalid policy with its line and keeps the stored one', async () => {
    const db = await openVaultDb(`keygate-sync-${++dbCount}`);
    const sync = new HostSync(db, scriptedHost(), () => 10);
    await sync.applyPolicy('[proxy]\nport = 9000\n');
    await expect(sync.applyPolicy('[proxy]\nport = "x"\n')).rejects.toMatchObject({ code: 'POLICY_INVALID', message: expect.stringContaining('line 2') });
    expect((await readActivePolicy(db)).toml).toBe('[proxy]\nport = 9000\n');
  });

  it('keeps what Binance said of each key for the popup', async () => {
    const db = await openVaultDb(`keygate-sync-${++dbCount}`);
    const host = scriptedHost();
    const sync = new HostSync(db, host);
    let changes = 0;
    sync.onChange(() => changes++);
    host.emit({ type: 'event', event: 'binance.restrictions', credentialId: 'AAAAAAAAAAAAAAAAAAAAAA', checkedAt: 1, canWithdraw: true, canTransfer: false, error: null });
    expect(sync.binanceKeyRestrictions).toEqual([{ credentialId: 'AAAAAAAAAAAAAAAAAAAAAA', checkedAt: 1, canWithdraw: true, canTransfer: false, error: null }]);
    expect(changes).toBe(1);
  });

  it('keeps each credential’s latest health from the host for the popup, and forgets it when the host goes', async () => {
    const db = await openVaultDb(`keygate-sync-${++dbCount}`);
    const host = scriptedHost();
    const sync = new HostSync(db, host);
    host.connect();
    const refused = { credentialId: 'AAAAAAAAAAAAAAAAAAAAAA', failures: 1, lastFailure: { at: 5, reason: 'HTTP 401' }, coolingUntil: 60_005 };
    host.emit({ type: 'event', event: 'credential.health', ...refused });
    host.emit({ type: 'event', event: 'credential.health', ...refused, failures: 2, coolingUntil: 120_005 });
    expect(sync.credentialHealth).toEqual([{ ...refused, failures: 2, coolingUntil: 120_005 }]);
    // A new host process starts with no history: what the old one said no longer describes it.
    host.disconnect();
    expect(sync.credentialHealth).toEqual([]);
  });
});

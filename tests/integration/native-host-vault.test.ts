import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EXTENSION_ID } from '../../shared/identity';
import { bytesToBase64 } from '../../shared/vault/base64';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { type CredentialRecord, newRecordId } from '../../shared/vault/format';
import { type HostProcess, requireHostBundle, startHost } from './host-process';

const ORIGIN = `chrome-extension://${DEFAULT_EXTENSION_ID}/`;
const FAKE_SECRETS = ['sk-test-FAKE-0001', 'sk-test-FAKE-0002', 'sk-test-FAKE-0003', 'sk-test-FAKE-0004'];
let bundle: string;
let host: HostProcess | undefined;

beforeAll(() => {
  bundle = requireHostBundle();
});

afterEach(() => {
  host?.child.kill('SIGKILL');
  host = undefined;
});

function sealedRecord(dataKey: Uint8Array, secret: string): CredentialRecord {
  const id = newRecordId();
  return {
    id,
    service: 'openai',
    name: 'Integration key',
    kind: 'api_key',
    createdAt: 1_700_000_000_000,
    lastUsedAt: null,
    sealed: sealSecret(dataKey, id, new TextEncoder().encode(secret)),
  };
}

/** Sends one request and waits for the reply with its id. */
async function call(running: HostProcess, id: number, type: string, fields: Record<string, unknown> = {}) {
  running.send({ id, type, ...fields });
  return running.nextFrame((frame) => frame.id === id);
}

describe('keygate-host keeps the unlocked vault', () => {
  it('unlocks, reports a tampered record, edits, locks, and never logs a secret', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    const dataKey = generateDataKey();
    const dataKeyText = bytesToBase64(dataKey);
    const [first, second, third, fourth] = FAKE_SECRETS.map((secret) => sealedRecord(dataKey, secret)) as [
      CredentialRecord,
      CredentialRecord,
      CredentialRecord,
      CredentialRecord,
    ];
    // The third record's secret sealed for another record: it must fail, not open in the wrong place.
    const tampered = { ...third, sealed: first.sealed };

    const unlocked = await call(host, 1, 'vault.unlock', {
      dataKey: dataKeyText,
      formatVersion: 1,
      credentials: [first, second, tampered],
      idleLockMinutes: 15,
    });
    expect(unlocked).toEqual({
      id: 1,
      ok: true,
      result: {
        credentials: [
          { id: first.id, ok: true },
          { id: second.id, ok: true },
          { id: third.id, ok: false, error: 'CREDENTIAL_TAMPERED' },
        ],
      },
    });
    expect(await call(host, 2, 'status')).toMatchObject({
      result: { vault: { state: 'unlocked', credentialCount: 3, unlockedAt: expect.any(Number) } },
    });

    expect(await call(host, 3, 'vault.credentials.put', { record: fourth })).toEqual({ id: 3, ok: true, result: { id: fourth.id, ok: true } });
    expect(await call(host, 4, 'vault.credentials.delete', { credentialId: second.id })).toEqual({ id: 4, ok: true, result: { deleted: true } });
    expect(await call(host, 5, 'status')).toMatchObject({ result: { vault: { state: 'unlocked', credentialCount: 3 } } });

    expect(await call(host, 6, 'vault.lock')).toEqual({ id: 6, ok: true, result: { locked: true } });
    expect(await call(host, 7, 'status')).toMatchObject({ result: { vault: { state: 'locked', credentialCount: 0, unlockedAt: null } } });
    expect(await call(host, 8, 'vault.credentials.put', { record: first })).toMatchObject({ id: 8, ok: false, error: { code: 'VAULT_LOCKED' } });

    host.child.stdin.end();
    expect(await host.exited).toBe(0);
    const stderr = host.stderr();
    expect(stderr).toContain('vault locked (request)');
    for (const secret of [...FAKE_SECRETS, dataKeyText]) expect(stderr).not.toContain(secret);
  });

  it('refuses an unlock whose key is not 32 bytes, and stays locked', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    const shortKey = bytesToBase64(generateDataKey().subarray(0, 31));
    const refused = await call(host, 1, 'vault.unlock', { dataKey: shortKey, formatVersion: 1, credentials: [], idleLockMinutes: 5 });
    expect(refused).toMatchObject({ id: 1, ok: false, error: { code: 'MESSAGE_INVALID' } });
    expect(await call(host, 2, 'status')).toMatchObject({ result: { vault: { state: 'locked' } } });
    expect(host.stderr()).not.toContain(shortKey);
  });

  it('wipes the vault when the browser disconnects, then exits 0', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    const dataKey = generateDataKey();
    const record = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    await call(host, 1, 'vault.unlock', { dataKey: bytesToBase64(dataKey), formatVersion: 1, credentials: [record], idleLockMinutes: 5 });
    host.child.stdin.end();
    expect(await host.exited).toBe(0);
    expect(host.stderr()).toContain('vault locked (disconnect)');
  });
});

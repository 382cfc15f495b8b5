import { describe, expect, it } from 'vitest';
import type { TimerFunctions } from '../../native-host/src/vault/idle-timer';
import { VaultKeeper, type VaultLockReason } from '../../native-host/src/vault/vault-keeper';
import { base64ToBytes, bytesToBase64 } from '../../shared/vault/base64';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { type CredentialRecord, newRecordId } from '../../shared/vault/format';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IDLE_MS = 5 * 60_000;

function sealedRecord(dataKey: Uint8Array, secret: string, id = newRecordId()): CredentialRecord {
  return {
    id,
    service: 'openai',
    name: `Test key ${secret.slice(-4)}`,
    kind: 'api_key',
    createdAt: 1_700_000_000_000,
    lastUsedAt: null,
    sealed: sealSecret(dataKey, id, encoder.encode(secret)),
  };
}

function withFlippedCiphertextByte(record: CredentialRecord): CredentialRecord {
  const ciphertext = base64ToBytes(record.sealed.ciphertext);
  ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01;
  return { ...record, sealed: { ...record.sealed, ciphertext: bytesToBase64(ciphertext) } };
}

/** A clock and timers the test moves by hand, so idle locking is checked without waiting. */
function manualClock() {
  let now = 1_000_000;
  const due = new Map<number, { at: number; fire: () => void }>();
  let nextHandle = 1;
  const timers: TimerFunctions = {
    set: (fire, ms) => {
      due.set(nextHandle, { at: now + ms, fire });
      return nextHandle++;
    },
    clear: (handle) => void due.delete(handle as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [handle, timer] of [...due]) {
      if (timer.at > now) continue;
      due.delete(handle);
      timer.fire();
    }
  };
  return { now: () => now, timers, advance };
}

/** A keeper whose key buffers the test can inspect after the keeper believes it has wiped them. */
function keeperWithVisibleKeys() {
  const clock = manualClock();
  const keyBuffers: Buffer[] = [];
  const locks: VaultLockReason[] = [];
  const keeper = new VaultKeeper({
    now: clock.now,
    timers: clock.timers,
    allocateKeyBuffer: () => {
      const buffer = Buffer.alloc(32);
      keyBuffers.push(buffer);
      return buffer;
    },
  });
  keeper.onLocked((reason) => locks.push(reason));
  return { keeper, clock, keyBuffers, locks };
}

const isAllZero = (bytes: Uint8Array) => bytes.every((byte) => byte === 0);

describe('VaultKeeper', () => {
  it('opens a credential on demand after unlock, and reports every record as usable', async () => {
    const { keeper, clock } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const first = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    const second = sealedRecord(dataKey, 'sk-test-FAKE-0002');

    expect(keeper.unlock(dataKey, [first, second], IDLE_MS)).toEqual([
      { id: first.id, ok: true },
      { id: second.id, ok: true },
    ]);
    expect(keeper.snapshot()).toEqual({ state: 'unlocked', credentialCount: 2, unlockedAt: clock.now() });
    await expect(keeper.withOpenCredential(second.id, (secret) => decoder.decode(secret))).resolves.toBe('sk-test-FAKE-0002');
  });

  it('zeroes the plaintext after the call, also when the call throws', async () => {
    const { keeper } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const record = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    keeper.unlock(dataKey, [record], IDLE_MS);

    let seen: Uint8Array | undefined;
    await keeper.withOpenCredential(record.id, async (secret) => {
      seen = secret;
      expect(decoder.decode(secret)).toBe('sk-test-FAKE-0001');
    });
    expect(seen !== undefined && seen.length > 0 && isAllZero(seen)).toBe(true);

    let seenOnFailure: Uint8Array | undefined;
    const failing = keeper.withOpenCredential(record.id, (secret) => {
      seenOnFailure = secret;
      throw new Error('upstream refused');
    });
    await expect(failing).rejects.toThrow('upstream refused');
    expect(seenOnFailure !== undefined && seenOnFailure.length > 0 && isAllZero(seenOnFailure)).toBe(true);
  });

  it('zeroes the key on lock, then refuses with VAULT_LOCKED', async () => {
    const { keeper, keyBuffers, locks } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const record = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    keeper.unlock(dataKey, [record], IDLE_MS);
    const [keyBuffer] = keyBuffers;
    expect(keyBuffer?.equals(dataKey)).toBe(true);

    keeper.lock('request');
    expect(keyBuffer !== undefined && isAllZero(keyBuffer)).toBe(true);
    expect(locks).toEqual(['request']);
    expect(keeper.snapshot()).toEqual({ state: 'locked', credentialCount: 0, unlockedAt: null });
    await expect(keeper.withOpenCredential(record.id, () => 'never')).rejects.toMatchObject({ code: 'VAULT_LOCKED' });

    keeper.lock('request');
    expect(locks).toEqual(['request']);
  });

  it('wipes the previous key when unlocked again with another', async () => {
    const { keeper, keyBuffers, locks } = keeperWithVisibleKeys();
    const oldKey = generateDataKey();
    const newKey = generateDataKey();
    keeper.unlock(oldKey, [sealedRecord(oldKey, 'sk-test-FAKE-0001')], IDLE_MS);
    const replacement = sealedRecord(newKey, 'sk-test-FAKE-0002');
    keeper.unlock(newKey, [replacement], IDLE_MS);

    expect(keyBuffers.map((buffer) => isAllZero(buffer))).toEqual([true, false]);
    expect(keeper.snapshot().credentialCount).toBe(1);
    expect(locks).toEqual([]);
    await expect(keeper.withOpenCredential(replacement.id, (secret) => decoder.decode(secret))).resolves.toBe('sk-test-FAKE-0002');
  });

  it('reports a tampered or swapped record and keeps the others usable', async () => {
    const { keeper } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const good = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    const edited = withFlippedCiphertextByte(sealedRecord(dataKey, 'sk-test-FAKE-0002'));
    const donor = sealedRecord(dataKey, 'sk-test-FAKE-0003');
    const swapped = { ...sealedRecord(dataKey, 'sk-test-FAKE-0004'), sealed: donor.sealed };

    expect(keeper.unlock(dataKey, [good, edited, swapped], IDLE_MS)).toEqual([
      { id: good.id, ok: true },
      { id: edited.id, ok: false, error: 'CREDENTIAL_TAMPERED' },
      { id: swapped.id, ok: false, error: 'CREDENTIAL_TAMPERED' },
    ]);
    await expect(keeper.withOpenCredential(edited.id, () => 'never')).rejects.toMatchObject({ code: 'CREDENTIAL_TAMPERED' });
    await expect(keeper.withOpenCredential(swapped.id, () => 'never')).rejects.toMatchObject({ code: 'CREDENTIAL_TAMPERED' });
    await expect(keeper.withOpenCredential(good.id, (secret) => decoder.decode(secret))).resolves.toBe('sk-test-FAKE-0001');
  });

  it('leaves a tampered record out of rotation, so the service\'s other keys keep working', () => {
    const { keeper } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    // The tampered record is the oldest: rotation would try it first.
    const tampered = { ...withFlippedCiphertextByte(sealedRecord(dataKey, 'sk-test-FAKE-0001')), createdAt: 1 };
    const good = sealedRecord(dataKey, 'sk-test-FAKE-0002');
    const onlyTampered = { ...withFlippedCiphertextByte(sealedRecord(dataKey, 'sk-test-FAKE-0003')), service: 'anthropic' };
    keeper.unlock(dataKey, [tampered, good, onlyTampered], IDLE_MS);

    expect(keeper.credentialIdsFor('openai')).toEqual([good.id]);
    expect(keeper.credentialIdsFor('anthropic')).toEqual([]);
    expect(keeper.noUsableCredential('anthropic')).toMatchObject({ code: 'CREDENTIAL_TAMPERED' });
    expect(keeper.noUsableCredential('github')).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });

    // Replaced by a sound record under the same id, it is back in rotation; deleted, it is forgotten.
    expect(keeper.putCredential({ ...sealedRecord(dataKey, 'sk-test-FAKE-0004', tampered.id), createdAt: 1 })).toMatchObject({ ok: true });
    expect(keeper.credentialIdsFor('openai')).toEqual([tampered.id, good.id]);
    expect(keeper.putCredential(withFlippedCiphertextByte(good))).toMatchObject({ ok: false });
    expect(keeper.credentialIdsFor('openai')).toEqual([tampered.id]);
    keeper.deleteCredential(onlyTampered.id);
    expect(keeper.noUsableCredential('anthropic')).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });

  it('takes a new idle time (a reloaded policy), counted from the change', () => {
    const { keeper, clock, locks } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    keeper.unlock(dataKey, [sealedRecord(dataKey, 'sk-test-FAKE-0001')], IDLE_MS);

    clock.advance(IDLE_MS - 1_000);
    keeper.setIdleLock(2 * IDLE_MS);
    clock.advance(2 * IDLE_MS - 1);
    expect(keeper.isUnlocked).toBe(true);
    clock.advance(1);
    expect(locks).toEqual(['idle']);
    keeper.setIdleLock(IDLE_MS);
    expect(keeper.isUnlocked).toBe(false);
  });

  it('locks itself after the idle time and tells its listeners why', async () => {
    const { keeper, clock, keyBuffers, locks } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    keeper.unlock(dataKey, [sealedRecord(dataKey, 'sk-test-FAKE-0001')], IDLE_MS);

    clock.advance(IDLE_MS - 1);
    expect(keeper.isUnlocked).toBe(true);
    clock.advance(1);
    expect(keeper.isUnlocked).toBe(false);
    expect(locks).toEqual(['idle']);
    expect(keyBuffers.every(isAllZero)).toBe(true);
  });

  it('postpones the idle lock on activity: touch() and opening a credential', async () => {
    const { keeper, clock, locks } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const record = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    keeper.unlock(dataKey, [record], IDLE_MS);

    clock.advance(IDLE_MS - 1_000);
    keeper.touch();
    clock.advance(IDLE_MS - 1_000);
    await keeper.withOpenCredential(record.id, () => undefined);
    clock.advance(IDLE_MS - 1_000);
    expect(keeper.isUnlocked).toBe(true);
    clock.advance(1_000);
    expect(locks).toEqual(['idle']);
  });

  it('adds, replaces and deletes credentials while unlocked', async () => {
    const { keeper } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const kept = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    keeper.unlock(dataKey, [kept], IDLE_MS);

    const added = sealedRecord(dataKey, 'sk-test-FAKE-0002');
    expect(keeper.putCredential(added)).toEqual({ id: added.id, ok: true });
    const rotated = sealedRecord(dataKey, 'sk-test-FAKE-0003', added.id);
    expect(keeper.putCredential(rotated)).toEqual({ id: added.id, ok: true });
    expect(keeper.snapshot().credentialCount).toBe(2);
    await expect(keeper.withOpenCredential(added.id, (secret) => decoder.decode(secret))).resolves.toBe('sk-test-FAKE-0003');

    const tampered = withFlippedCiphertextByte(sealedRecord(dataKey, 'sk-test-FAKE-0004'));
    expect(keeper.putCredential(tampered)).toEqual({ id: tampered.id, ok: false, error: 'CREDENTIAL_TAMPERED' });

    expect(keeper.deleteCredential(added.id)).toBe(true);
    expect(keeper.deleteCredential(added.id)).toBe(false);
    await expect(keeper.withOpenCredential(added.id, () => 'never')).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    await expect(keeper.withOpenCredential(kept.id, (secret) => decoder.decode(secret))).resolves.toBe('sk-test-FAKE-0001');
  });

  it('refuses edits while locked', () => {
    const { keeper } = keeperWithVisibleKeys();
    const record = sealedRecord(generateDataKey(), 'sk-test-FAKE-0001');
    expect(() => keeper.putCredential(record)).toThrow(expect.objectContaining({ code: 'VAULT_LOCKED' }));
    expect(() => keeper.deleteCredential(record.id)).toThrow(expect.objectContaining({ code: 'VAULT_LOCKED' }));
  });

  it('answers CREDENTIAL_NOT_FOUND for an id it does not hold', async () => {
    const { keeper } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    keeper.unlock(dataKey, [sealedRecord(dataKey, 'sk-test-FAKE-0001')], IDLE_MS);
    await expect(keeper.withOpenCredential(newRecordId(), () => 'never')).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });

  it('keeps bytes derived from a secret per credential, and zeroes them when the record changes or the vault locks', async () => {
    const { keeper } = keeperWithVisibleKeys();
    const dataKey = generateDataKey();
    const record = sealedRecord(dataKey, 'sk-test-FAKE-0001');
    keeper.unlock(dataKey, [record], IDLE_MS);
    let derivations = 0;
    const reversed = (secret: Uint8Array) => {
      derivations += 1;
      return [Uint8Array.from(secret).reverse()];
    };
    const derive = () => keeper.withOpenCredential(record.id, (secret) => keeper.derivedFromSecret(record.id, secret, reversed));

    const first = await derive();
    expect(decoder.decode(first[0])).toBe('1000-EKAF-tset-ks');
    expect(await derive()).toBe(first);
    expect(derivations).toBe(1);

    keeper.putCredential(sealedRecord(dataKey, 'sk-test-FAKE-0002', record.id));
    expect(isAllZero(first[0]!)).toBe(true);
    const afterChange = await derive();
    expect(decoder.decode(afterChange[0])).toBe('2000-EKAF-tset-ks');
    expect(derivations).toBe(2);

    keeper.lock('request');
    expect(isAllZero(afterChange[0]!)).toBe(true);
  });
});

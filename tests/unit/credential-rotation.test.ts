import { describe, expect, it } from 'vitest';
import { CredentialRotation, FIRST_COOLDOWN_MS, MAX_COOLDOWN_MS } from '../../native-host/src/proxy/credential-rotation';

const IDS = ['key-a', 'key-b', 'key-c'];

describe('CredentialRotation', () => {
  it('round_robin starts each request at the next key; on_first_failed stays until a failure moves it on', () => {
    const rotation = new CredentialRotation();
    expect([0, 1, 2, 3].map(() => rotation.order('openai', IDS, 'round_robin', 0)[0])).toEqual(['key-a', 'key-b', 'key-c', 'key-a']);
    expect(rotation.order('github', IDS, 'on_first_failed', 0)).toEqual(IDS);
    rotation.markFailed('github', IDS, 'key-a', 'on_first_failed', 'HTTP 401', 0);
    expect(rotation.order('github', IDS, 'on_first_failed', FIRST_COOLDOWN_MS + 1)).toEqual(['key-b', 'key-c', 'key-a']);
  });

  it('tries a refused key after the others while it cools down, then in its turn again', () => {
    const rotation = new CredentialRotation();
    const health = rotation.markFailed('openai', IDS, 'key-a', 'round_robin', 'HTTP 401', 1_000);
    expect(health).toEqual({ credentialId: 'key-a', failures: 1, lastFailure: { at: 1_000, reason: 'HTTP 401' }, coolingUntil: 1_000 + FIRST_COOLDOWN_MS });
    // Its turn comes first, yet it goes last: the other keys are tried before it.
    expect(rotation.order('openai', IDS, 'round_robin', 2_000)).toEqual(['key-b', 'key-c', 'key-a']);
    expect(rotation.order('openai', IDS, 'round_robin', 2_000)).toEqual(['key-b', 'key-c', 'key-a']);
    expect(rotation.order('openai', IDS, 'round_robin', 1_000 + FIRST_COOLDOWN_MS)).toEqual(['key-c', 'key-a', 'key-b']);
  });

  it('doubles the cool-down for each refusal in a row, up to an hour, and a success ends it', () => {
    const rotation = new CredentialRotation();
    const cooldowns = Array.from({ length: 9 }, () => rotation.markFailed('openai', IDS, 'key-a', 'round_robin', 'HTTP 403', 0).coolingUntil);
    expect(cooldowns).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60].map((minutes) => Math.min(minutes * FIRST_COOLDOWN_MS, MAX_COOLDOWN_MS)));
    expect(rotation.markWorked('key-a')).toEqual({ credentialId: 'key-a', failures: 0, lastFailure: { at: 0, reason: 'HTTP 403' }, coolingUntil: null });
    expect(rotation.order('openai', IDS, 'on_first_failed', 1)).toEqual(IDS);
    // Only news is reported: a key that never failed, or works again already, changes nothing.
    expect(rotation.markWorked('key-a')).toBeNull();
    expect(rotation.markWorked('key-b')).toBeNull();
  });

  it('still tries every key when all of them are cooling down', () => {
    const rotation = new CredentialRotation();
    for (const id of IDS) rotation.markFailed('openai', IDS, id, 'round_robin', 'HTTP 401', 0);
    expect(rotation.order('openai', IDS, 'round_robin', 10).sort()).toEqual([...IDS].sort());
  });
});

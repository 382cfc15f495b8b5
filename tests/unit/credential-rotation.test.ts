import { describe, expect, it } from 'vitest';
import { ANTHROPIC_DEAD_KEY, CredentialRotation, FIRST_COOLDOWN_MS, isDeadKeyAnswer, MAX_COOLDOWN_MS, OPENAI_DEAD_KEY } from '../../native-host/src/proxy/credential-rotation';

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

describe('isDeadKeyAnswer', () => {
  const json = (value: unknown) => JSON.stringify(value);

  it('OpenAI: a 401, or a dead-key code in error.code / error.type of a 4xx; never a 403', () => {
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 401, json({ error: { code: 'invalid_api_key', type: 'invalid_request_error' } }))).toBe(true);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 401, 'not json at all')).toBe(true);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 429, json({ error: { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }))).toBe(true);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 401, json({ error: { message: 'This key is associated with a deactivated account.', type: 'invalid_request_error', code: 'account_deactivated' } }))).toBe(true);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 403, json({ error: { message: 'Country, region, or territory not supported', code: 'unsupported_country_region_territory' } }))).toBe(false);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 429, json({ error: { code: 'rate_limit_exceeded', type: 'requests' } }))).toBe(false);
  });

  it('reads the field; a code quoted in a message or parameter, a 5xx or a non-JSON body is not a dead key', () => {
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 429, json({ error: { code: 'rate_limit_exceeded', param: 'insufficient_quota', message: '"invalid_api_key"' } }))).toBe(false);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 500, json({ error: { code: 'insufficient_quota' } }))).toBe(false);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 429, '{"error":{"code":"insufficient_quota"')).toBe(false);
    expect(isDeadKeyAnswer(OPENAI_DEAD_KEY, 429, json({ error: [{ code: 'insufficient_quota' }] }))).toBe(false);
  });

  it('Anthropic: authentication_error and billing_error in error.type; permission_error is about the request', () => {
    expect(isDeadKeyAnswer(ANTHROPIC_DEAD_KEY, 400, json({ type: 'error', error: { type: 'billing_error', message: 'Your credit balance is too low.' } }))).toBe(true);
    expect(isDeadKeyAnswer(ANTHROPIC_DEAD_KEY, 401, json({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }))).toBe(true);
    expect(isDeadKeyAnswer(ANTHROPIC_DEAD_KEY, 403, json({ type: 'error', error: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' } }))).toBe(false);
  });

  it('a custom rule: its own statuses, codes and fields, own properties only', () => {
    const rule = { statuses: [401], codes: ['invalid_token', 'constructor'], codeFields: ['error'] };
    expect(isDeadKeyAnswer(rule, 400, json({ error: 'invalid_token' }))).toBe(true);
    expect(isDeadKeyAnswer(rule, 400, json({ error: 'invalid_request', error_description: 'invalid_token' }))).toBe(false);
    expect(isDeadKeyAnswer(rule, 403, json({ error: 'invalid_token' }))).toBe(true);
    expect(isDeadKeyAnswer({ ...rule, codeFields: ['meta.constructor'] }, 400, json({ meta: {} }))).toBe(false);
  });
});

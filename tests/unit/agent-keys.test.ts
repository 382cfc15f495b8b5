import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentRegistry } from '../../native-host/src/proxy/agent-registry';
import {
  AGENT_KEY_PREFIX,
  AGENT_SCOPES,
  generateAgentKey,
  hashAgentKey,
  isValidScope,
  looksLikeAgentKey,
  scopeAllows,
} from '../../shared/agents/agent-keys';
import { ERRORS } from '../../shared/errors';
import type { AgentKeyRecord } from '../../shared/vault/format';

const comparisons = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return {
    ...original,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      comparisons.count++;
      return original.timingSafeEqual(a, b);
    },
  };
});

const T0 = 1_700_000_000_000;

async function agentRecord(overrides: Partial<AgentKeyRecord> = {}): Promise<{ key: string; record: AgentKeyRecord }> {
  const { key, keyHash } = await generateAgentKey();
  const record: AgentKeyRecord = {
    id: `agent-${keyHash.slice(0, 20)}`,
    name: 'Coding agent',
    keyHash,
    scopes: ['openai'],
    createdAt: T0,
    expiresAt: null,
    enabled: true,
    ...overrides,
  };
  return { key, record };
}

describe('agent keys', () => {
  it('are pk_ followed by 43 base64url characters and never repeat', async () => {
    const keys = await Promise.all(Array.from({ length: 200 }, () => generateAgentKey()));
    for (const { key } of keys) {
      expect(key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
      expect(key.startsWith(AGENT_KEY_PREFIX)).toBe(true);
      expect(looksLikeAgentKey(key)).toBe(true);
    }
    expect(new Set(keys.map(({ key }) => key)).size).toBe(keys.length);
  });

  it('are stored as the lower-case hex SHA-256 of the whole key', async () => {
    const { key, keyHash } = await generateAgentKey();
    expect(keyHash).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));
    expect(await hashAgentKey(key)).toBe(keyHash);
    // FIPS 180-2 known answer.
    expect(await hashAgentKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    ['', 'empty'],
    ['pk_', 'prefix only'],
    ['sk_' + 'A'.repeat(43), 'wrong prefix'],
    ['PK_' + 'A'.repeat(43), 'upper-case prefix'],
    ['pk_' + 'A'.repeat(42), 'one character short'],
    ['pk_' + 'A'.repeat(44), 'one character long'],
    ['pk_' + 'A'.repeat(42) + 'B', 'non-canonical last character (unused bits set)'],
    ['pk_' + 'A'.repeat(42) + '=', 'padding'],
    ['pk_' + 'A'.repeat(41) + '+A', 'standard base64 alphabet'],
    [' pk_' + 'A'.repeat(43), 'leading space'],
    ['pk_' + 'A'.repeat(43) + '\n', 'trailing newline'],
    ['Bearer pk_' + 'A'.repeat(43), 'whole header value'],
  ])('rejects %j as not an agent key (%s)', (value) => {
    expect(looksLikeAgentKey(value)).toBe(false);
  });

  it('runs in a browser-like sandbox with Web Crypto and no Node APIs', async () => {
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL('../../shared/agents/agent-keys.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'agentKeys',
      write: false,
      logLevel: 'silent',
    });
    const code = bundled.outputFiles[0]?.text ?? '';
    const sandbox = { crypto: globalThis.crypto, TextEncoder, btoa, Uint8Array, Array, Promise, result: undefined as unknown };
    runInNewContext(`${code}\nresult = agentKeys.generateAgentKey();`, sandbox);
    const generated = (await sandbox.result) as { key: string; keyHash: string };
    expect(looksLikeAgentKey(generated.key)).toBe(true);
    expect(generated.keyHash).toBe(createHash('sha256').update(generated.key).digest('hex'));
  });
});

describe('agent scopes', () => {
  it.each(['openai', 'anthropic', 'binance:read', 'binance:trade', 'custom:github', 'custom:a', `custom:${'a'.repeat(40)}`, 'custom:my-api-2'])(
    'accepts %j',
    (scope) => {
      expect(isValidScope(scope)).toBe(true);
    },
  );

  it.each([
    '',
    'binance',
    'binance:withdraw',
    'binance:*',
    'openai:chat',
    'anthropic:*',
    'OpenAI',
    'custom:',
    'custom:GitHub',
    'custom:git_hub',
    `custom:${'a'.repeat(41)}`,
    'custom:github ',
    'custom:github/x',
    '*',
    'custom:NAME',
    42,
    null,
  ])('refuses %j', (scope) => {
    expect(isValidScope(scope)).toBe(false);
  });

  it('describes every kind of scope it accepts', () => {
    expect(AGENT_SCOPES.map(({ scope }) => scope)).toEqual(['openai', 'anthropic', 'custom:NAME', 'binance:read', 'binance:trade']);
    for (const { scope, description } of AGENT_SCOPES) {
      expect(isValidScope(scope.replace('NAME', 'github'))).toBe(true);
      expect(description.length).toBeGreaterThan(10);
    }
  });

  it.each<[string[], string, 'read' | 'trade' | 'use', boolean]>([
    [['openai'], 'openai', 'use', true],
    [['openai'], 'anthropic', 'use', false],
    [['anthropic'], 'anthropic', 'use', true],
    [['openai'], 'openai', 'read', false],
    [['custom:github'], 'custom:github', 'use', true],
    [['custom:github'], 'custom:gitlab', 'use', false],
    // A custom service named like a built-in is a different service.
    [['openai'], 'custom:openai', 'use', false],
    [['custom:openai'], 'openai', 'use', false],
    [['binance:read'], 'binance', 'read', true],
    [['binance:read'], 'binance', 'trade', false],
    [['binance:trade'], 'binance', 'trade', true],
    [['binance:trade'], 'binance', 'read', true],
    [['binance:trade'], 'binance', 'use', false],
    [['binance:read', 'binance:trade'], 'binance:read', 'use', false],
    [['binance'], 'binance', 'read', false],
    [[], 'openai', 'use', false],
    [['github'], 'github', 'use', false],
    [['openai', 'custom:github', 'binance:read'], 'custom:github', 'use', true],
  ])('scopes %j on %s for %s → %s', (scopes, service, access, expected) => {
    expect(scopeAllows(scopes, service, access)).toBe(expected);
  });
});

describe('AgentRegistry', () => {
  beforeEach(() => {
    comparisons.count = 0;
  });

  it('recognises a key by its hash and returns its record', async () => {
    const first = await agentRecord();
    const second = await agentRecord({ scopes: ['binance:read'] });
    const registry = new AgentRegistry();
    registry.replace([first.record, second.record]);
    expect(registry.authenticate(second.key, T0)).toEqual({ ok: true, agent: second.record });
    expect(registry.authenticate(first.key, T0)).toEqual({ ok: true, agent: first.record });
  });

  it('refuses an unknown, a malformed, a disabled and an expired key with one code', async () => {
    const live = await agentRecord();
    const disabled = await agentRecord({ enabled: false });
    const expiring = await agentRecord({ expiresAt: T0 + 60_000 });
    const stranger = await generateAgentKey();
    const registry = new AgentRegistry();
    registry.replace([live.record, disabled.record, expiring.record]);
    expect(registry.authenticate(stranger.key, T0)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'unknown' });
    expect(registry.authenticate(`${live.key}x`, T0)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'malformed' });
    expect(registry.authenticate(`Bearer ${live.key}`, T0)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'malformed' });
    expect(registry.authenticate(disabled.key, T0)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'disabled' });
    expect(registry.authenticate(expiring.key, T0 + 59_999)).toMatchObject({ ok: true });
    expect(registry.authenticate(expiring.key, T0 + 60_000)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'expired' });
  });

  it('compares against every stored key, wherever the match is', async () => {
    const agents = await Promise.all(Array.from({ length: 5 }, () => agentRecord()));
    const registry = new AgentRegistry();
    registry.replace(agents.map(({ record }) => record));
    const first = agents[0];
    if (!first) throw new Error('no agents');
    registry.authenticate(first.key, T0);
    expect(comparisons.count).toBe(5);
    comparisons.count = 0;
    registry.authenticate((await generateAgentKey()).key, T0);
    expect(comparisons.count).toBe(5);
  });

  it('recognises the key a connection proved with one constant-time comparison, and searches again for another key, connection or agent list', async () => {
    const agents = await Promise.all(Array.from({ length: 5 }, () => agentRecord()));
    const [first, second] = agents;
    if (!first || !second) throw new Error('no agents');
    const registry = new AgentRegistry();
    registry.replace(agents.map(({ record }) => record));
    const connection = {};

    expect(registry.authenticate(first.key, T0, connection)).toEqual({ ok: true, agent: first.record });
    comparisons.count = 0;
    expect(registry.authenticate(first.key, T0, connection)).toEqual({ ok: true, agent: first.record });
    expect(comparisons.count).toBe(1);

    comparisons.count = 0;
    expect(registry.authenticate(second.key, T0, connection)).toEqual({ ok: true, agent: second.record });
    expect(registry.authenticate(first.key, T0, {})).toEqual({ ok: true, agent: first.record });
    // Another key on the connection: the kept one, then the full search; another connection: the full search.
    expect(comparisons.count).toBe(1 + 5 + 5);

    registry.replace([{ ...second.record, enabled: false }]);
    comparisons.count = 0;
    expect(registry.authenticate(second.key, T0, connection)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'disabled' });
    expect(registry.authenticate(first.key, T0, connection)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'unknown' });
    // The disabled agent's search (one stored key), then the other key: the kept one, and a search.
    expect(comparisons.count).toBe(1 + 1 + 1);
  });

  it('forgets keys that a replace no longer lists', async () => {
    const kept = await agentRecord();
    const revoked = await agentRecord();
    const registry = new AgentRegistry();
    registry.replace([kept.record, revoked.record]);
    registry.replace([kept.record]);
    expect(registry.authenticate(revoked.key, T0)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'unknown' });
    expect(registry.authenticate(kept.key, T0)).toMatchObject({ ok: true });
    registry.replace([]);
    expect(registry.authenticate(kept.key, T0)).toEqual({ ok: false, code: 'AGENT_KEY_INVALID', reason: 'unknown' });
  });

  it('refuses a record whose hash is not a SHA-256', async () => {
    const { record } = await agentRecord();
    expect(() => new AgentRegistry().replace([{ ...record, keyHash: 'abc' }])).toThrow(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
    expect(() => new AgentRegistry().replace([{ ...record, keyHash: record.keyHash.toUpperCase() }])).toThrow(
      expect.objectContaining({ code: 'VAULT_CORRUPT' }),
    );
  });

  it('answers a missing or bad key with 401 and a message that cannot echo it', () => {
    expect(ERRORS.AGENT_KEY_MISSING.status).toBe(401);
    expect(ERRORS.AGENT_KEY_INVALID.status).toBe(401);
    for (const entry of [ERRORS.AGENT_KEY_MISSING, ERRORS.AGENT_KEY_INVALID]) {
      expect(entry.message).not.toMatch(/pk_[A-Za-z0-9_-]/);
      expect(entry.hint).not.toMatch(/pk_[A-Za-z0-9_-]/);
    }
  });
});

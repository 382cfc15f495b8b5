import { describe, expect, it } from 'vitest';
import type { HostState } from '../../lib/host-link/host-state';
import { toolbarBadge } from '../../lib/session/toolbar-badge';
import { credentialUsers } from '../../lib/ui/components/credential-users';
import type { AgentKeyRecord } from '../../shared/vault/format';

const connected = { status: 'connected', version: '0.1.0', pid: 1 } as HostState;
const unavailable = { status: 'unavailable', error: { code: 'HOST_EXITED', message: 'gone' }, retryAt: 0, attempt: 1 } as HostState;
const unlocked = (handoff: 'ready' | 'pending') => ({ status: 'unlocked' as const, unlockedAt: 0, idleLockMinutes: 30, handoff: { status: handoff, at: 0 } as never });

describe('toolbar badge', () => {
  it('shows a lock while the vault is locked or unlocking, and nothing once the proxy has the vault', () => {
    expect(toolbarBadge({ status: 'locked' }, connected).text).toBe('🔒');
    expect(toolbarBadge({ status: 'unlocking', startedAt: 0, expectedMs: 1 }, connected).text).toBe('🔒');
    expect(toolbarBadge(unlocked('ready'), connected)).toMatchObject({ text: '', title: 'Keygate — unlocked, proxy ready' });
  });

  it('shows the lock after an idle lock too (a browser agent just got VAULT_LOCKED), nothing once it is open', () => {
    expect(toolbarBadge({ status: 'locked', reason: 'idle' }, connected).text).toBe('🔒');
    expect(toolbarBadge({ status: 'unlocked', unlockedAt: 0, handoff: { status: 'ready', at: 0 }, idleLockMinutes: 5 }, connected).text).toBe('');
  });

  it('warns when the vault is unlocked but the host does not have it', () => {
    expect(toolbarBadge(unlocked('ready'), unavailable).text).toBe('!');
    expect(toolbarBadge(unlocked('pending'), connected).text).toBe('…');
    expect(toolbarBadge({ status: 'absent' }, connected).text).toBe('new');
  });
});

const agent = (name: string, scopes: string[]): AgentKeyRecord => ({ id: name, name, keyHash: '0'.repeat(64), scopes, createdAt: 0, expiresAt: null, enabled: true });

describe('who uses a credential', () => {
  const agents = [agent('reader', ['binance:read']), agent('trader', ['binance:trade']), agent('coder', ['openai', 'custom:github'])];

  it('lists the agent keys whose scopes reach the credential’s service', () => {
    expect(credentialUsers('openai', agents, []).agents.map((a) => a.name)).toEqual(['coder']);
    expect(credentialUsers('binance', agents, []).agents.map((a) => a.name)).toEqual(['reader', 'trader']);
    expect(credentialUsers('github', agents, ['github'])).toMatchObject({ route: '/custom/github/*', routed: true });
    expect(credentialUsers('github', agents, ['github']).agents.map((a) => a.name)).toEqual(['coder']);
  });

  it('says when a custom service’s key has no route in the policy', () => {
    expect(credentialUsers('gitlab', agents, ['github'])).toMatchObject({ routed: false, agents: [] });
  });
});

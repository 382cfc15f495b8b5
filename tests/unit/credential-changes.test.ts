import { describe, expect, it } from 'vitest';
import { credentialChanges } from '../../native-host/src/headless/credential-changes';
import type { CredentialRecord } from '../../shared/vault/format';

function record(id: string, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id,
    service: 'openai',
    name: `key ${id}`,
    kind: 'api_key',
    createdAt: 1_700_000_000_000,
    lastUsedAt: null,
    sealed: { nonce: `nonce-${id}`, ciphertext: `ciphertext-${id}` },
    ...overrides,
  };
}

describe('credentialChanges (what a reloaded vault file changes for serve)', () => {
  it('sorts the reloaded records into added, replaced and removed', () => {
    const held = [record('a'), record('b'), record('c')];
    const reloaded = [record('a'), record('b', { sealed: { nonce: 'nonce-b2', ciphertext: 'ciphertext-b2' } }), record('d')];
    const changes = credentialChanges(held, reloaded);
    expect(changes.added.map((r) => r.id)).toEqual(['d']);
    expect(changes.replaced.map((r) => r.id)).toEqual(['b']);
    expect(changes.removed.map((r) => r.id)).toEqual(['c']);
  });

  it('takes a new last-use time (serve writes it itself) as no change, and a renamed or re-labelled record as one', () => {
    const held = [record('a'), record('b'), record('c')];
    const reloaded = [record('a', { lastUsedAt: 1_700_000_060_000 }), record('b', { name: 'renamed' }), record('c', { service: 'anthropic' })];
    const changes = credentialChanges(held, reloaded);
    expect(changes).toEqual({ added: [], replaced: [reloaded[1], reloaded[2]], removed: [] });
  });
});

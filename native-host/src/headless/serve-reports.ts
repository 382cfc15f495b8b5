/**
 * What `serve` says on stderr about credentials: it has no popup, so a key the upstream refuses (or
 * that works again) and a record that fails its integrity check are told to the operator here.
 * Records are named by id, service and name; never by anything secret.
 */
import type { CredentialCheck } from '../../../shared/protocol';
import type { CredentialHealth } from '../../../shared/proxy-messages';
import type { CredentialRecord } from '../../../shared/vault/format';

export const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function describeCredential(records: readonly CredentialRecord[], id: string): string {
  const record = records.find((credential) => credential.id === id);
  return `credential ${id}${record ? ` (${record.service} "${record.name}")` : ''}`;
}

export function reportHealth(say: (line: string) => void, records: readonly CredentialRecord[], health: CredentialHealth): void {
  const named = describeCredential(records, health.credentialId);
  if (health.failures === 0) return say(`keygate-host serve: ${named} works again.`);
  const until = health.coolingUntil === null ? '' : `; tried after the service's other keys until ${new Date(health.coolingUntil).toISOString()}`;
  say(`keygate-host serve: ${named} was refused by the upstream (${health.lastFailure?.reason ?? 'unknown'}, ${health.failures} in a row)${until}.`);
}

export function reportUnusableCredentials(say: (line: string) => void, records: readonly CredentialRecord[], checks: readonly CredentialCheck[]): void {
  for (const check of checks) {
    if (!check.ok) say(`keygate-host serve: ${describeCredential(records, check.id)} failed its integrity check (${check.error}) and will not be used.`);
  }
}

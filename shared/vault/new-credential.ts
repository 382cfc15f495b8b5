/**
 * Credential records built and changed: a new one (fields checked, secret sealed under the data key
 * with a fresh id), a renamed one, and one whose secret is replaced in place (same id, so agents and
 * policies that name it are untouched). Storage-free, so the extension's IndexedDB vault and the
 * headless host's vault file build records the same way.
 */
import { KeygateError } from '../errors';
import { credentialHint } from './credential-hint';
import { sealSecret } from './envelope';
import * as format from './format';

export interface NewCredential {
  service: string;
  name: string;
  kind: format.CredentialKind;
  secret: Uint8Array;
}

const MAX_SECRET_BYTES = 16 * 1024; // an RSA-4096 PEM key is ~3.3 KB

function secretProblem(secret: Uint8Array): string | null {
  return !(secret instanceof Uint8Array) || secret.length === 0 || secret.length > MAX_SECRET_BYTES ? 'secret (1 byte to 16 KiB)' : null;
}

function credentialProblem(input: NewCredential): string | null {
  if (!format.isServiceName(input.service)) return 'service (1-40 characters a-z, 0-9, "-")';
  if (!format.isDisplayName(input.name)) return 'name (1-80 characters)';
  if (!format.isCredentialKind(input.kind)) return `kind (one of ${format.CREDENTIAL_KINDS.join(', ')})`;
  return secretProblem(input.secret);
}

const invalid = (problem: string) => new KeygateError('CREDENTIAL_INVALID', `Check the ${problem}.`);

/** CREDENTIAL_INVALID names the first wrong field; the caller's secret bytes are left for the caller to wipe. */
export function sealNewCredential(dataKey: Uint8Array, input: NewCredential, now: number): format.CredentialRecord {
  const problem = credentialProblem(input);
  if (problem !== null) throw invalid(problem);
  const id = format.newRecordId();
  return {
    id,
    service: input.service,
    name: input.name,
    kind: input.kind,
    createdAt: now,
    lastUsedAt: null,
    hint: credentialHint(input.kind, input.secret),
    sealed: sealSecret(dataKey, id, input.secret),
  };
}

export function renamedCredential(record: format.CredentialRecord, name: string): format.CredentialRecord {
  if (!format.isDisplayName(name)) throw invalid('name (1-80 characters)');
  return { ...record, name };
}

/** The same record (id, service, name, kind) with a new secret sealed under its id and a new hint. */
export function resealedCredential(dataKey: Uint8Array, record: format.CredentialRecord, secret: Uint8Array): format.CredentialRecord {
  const problem = secretProblem(secret);
  if (problem !== null) throw invalid(problem);
  return { ...record, hint: credentialHint(record.kind, secret), sealed: sealSecret(dataKey, record.id, secret) };
}

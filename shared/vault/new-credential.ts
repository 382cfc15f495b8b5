/**
 * A new credential record: its fields checked, its secret sealed under the data key with a fresh
 * id. Storage-free, so the extension's IndexedDB vault and the headless host's vault file build
 * records the same way.
 */
import { KeygateError } from '../errors';
import { sealSecret } from './envelope';
import * as format from './format';

export interface NewCredential {
  service: string;
  name: string;
  kind: format.CredentialKind;
  secret: Uint8Array;
}

const MAX_SECRET_BYTES = 16 * 1024; // an RSA-4096 PEM key is ~3.3 KB

function credentialProblem(input: NewCredential): string | null {
  if (!format.isServiceName(input.service)) return 'service (1-40 characters a-z, 0-9, "-")';
  if (!format.isDisplayName(input.name)) return 'name (1-80 characters)';
  if (!format.isCredentialKind(input.kind)) return `kind (one of ${format.CREDENTIAL_KINDS.join(', ')})`;
  const { secret } = input;
  if (!(secret instanceof Uint8Array) || secret.length === 0 || secret.length > MAX_SECRET_BYTES) {
    return 'secret (1 byte to 16 KiB)';
  }
  return null;
}

/** CREDENTIAL_INVALID names the first wrong field; the caller's secret bytes are left for the caller to wipe. */
export function sealNewCredential(dataKey: Uint8Array, input: NewCredential, now: number): format.CredentialRecord {
  const problem = credentialProblem(input);
  if (problem !== null) throw new KeygateError('CREDENTIAL_INVALID', `Check the ${problem}.`);
  const id = format.newRecordId();
  return {
    id,
    service: input.service,
    name: input.name,
    kind: input.kind,
    createdAt: now,
    lastUsedAt: null,
    sealed: sealSecret(dataKey, id, input.secret),
  };
}

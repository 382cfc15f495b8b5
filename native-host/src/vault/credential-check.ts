import { KeygateError } from '../../../shared/errors';
import type { CredentialCheck } from '../../../shared/protocol';
import { openSealedSecret, wipe } from '../../../shared/vault/envelope';
import type { CredentialRecord } from '../../../shared/vault/format';

/**
 * Test-opens one sealed record and zeroes the plaintext at once, so the extension learns which
 * record was tampered with (or swapped) while the others stay usable.
 */
export function checkSealedRecord(dataKey: Uint8Array, record: CredentialRecord): CredentialCheck {
  try {
    wipe(openSealedSecret(dataKey, record.id, record.sealed));
    return { id: record.id, ok: true };
  } catch (error) {
    if (error instanceof KeygateError) return { id: record.id, ok: false, error: error.code };
    throw error;
  }
}

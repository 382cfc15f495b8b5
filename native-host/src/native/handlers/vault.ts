/**
 * The vault requests: the extension hands over the unlocked vault, keeps it in step with edits,
 * and locks it. The keeper does the custody; this module turns messages into its calls.
 */
import { KeygateError } from '../../../../shared/errors';
import { base64ToBytes } from '../../../../shared/vault/base64';
import { DATA_KEY_BYTES, wipe } from '../../../../shared/vault/envelope';
import type { VaultKeeper } from '../../vault/vault-keeper';
import type { HandlerTable } from './handler-table';

type VaultRequestType = 'vault.unlock' | 'vault.lock' | 'vault.credentials.put' | 'vault.credentials.delete';

const MS_PER_MINUTE = 60_000;

/** The caller owns the returned bytes and wipes them once the keeper has its copy. */
function decodeDataKey(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw new KeygateError('MESSAGE_INVALID', 'Field "dataKey" is not base64.');
  }
  if (bytes.length !== DATA_KEY_BYTES) {
    wipe(bytes);
    throw new KeygateError('MESSAGE_INVALID', `Field "dataKey" must decode to ${DATA_KEY_BYTES} bytes.`);
  }
  return bytes;
}

export function vaultHandlers(keeper: VaultKeeper): HandlerTable<VaultRequestType> {
  return {
    'vault.unlock': (request) => {
      const dataKey = decodeDataKey(request.dataKey);
      try {
        return { credentials: keeper.unlock(dataKey, request.credentials, request.idleLockMinutes * MS_PER_MINUTE) };
      } finally {
        wipe(dataKey);
      }
    },
    'vault.lock': () => {
      keeper.lock('request');
      return { locked: true };
    },
    'vault.credentials.put': (request) => keeper.putCredential(request.record),
    'vault.credentials.delete': (request) => ({ deleted: keeper.deleteCredential(request.credentialId) }),
  };
}

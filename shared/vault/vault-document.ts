/**
 * The vault as one document in the export file's shape, with no storage behind it: create one,
 * unlock it, change its password, add and remove sealed credentials and agent records, switch an
 * agent key off and on.
 * The headless host keeps its vault in such a file (`keygate-host vault …`, `agent …`, `serve`); the
 * extension's IndexedDB vault makes its records with the same helpers (master-password.ts,
 * new-credential.ts).
 *
 * Every edit returns a new document and leaves its input alone; `exportedAt` says when the document
 * last changed. Key ownership: a data key returned here belongs to the caller, who wipes it.
 */
import { KeygateError } from '../errors';
import { generateDataKey, wipe } from './envelope';
import { type AgentKeyRecord, type CredentialRecord, VAULT_EXPORT_FORMAT, VAULT_FORMAT_VERSION, type VaultExport } from './format';
import type { KdfCost, KekDerivation } from './kdf';
import { requireStrongPassword, unwrapWithPassword, wrapWithPassword } from './master-password';
import { type NewCredential, sealNewCredential } from './new-credential';

export interface DocumentOptions {
  now: number;
  /** Default: DEFAULT_KDF_PARAMS (256 MiB, t = 3); tests may pass MIN_KDF_COST. */
  kdfCost?: KdfCost;
}

/** A new, empty vault and its data key (the caller starts unlocked and wipes the key). */
export async function createVaultDocument(password: string, options: DocumentOptions): Promise<{ document: VaultExport; dataKey: Uint8Array }> {
  requireStrongPassword(password);
  const dataKey = generateDataKey();
  try {
    const wrapped = await wrapWithPassword(password, options.kdfCost, dataKey);
    const document: VaultExport = {
      format: VAULT_EXPORT_FORMAT,
      formatVersion: VAULT_FORMAT_VERSION,
      exportedAt: options.now,
      meta: { formatVersion: VAULT_FORMAT_VERSION, ...wrapped, createdAt: options.now },
      credentials: [],
      agents: [],
    };
    return { document, dataKey };
  } catch (error) {
    wipe(dataKey);
    throw error;
  }
}

/** Wrong password → VAULT_PASSWORD_WRONG; the caller owns the returned data key. */
export function unlockVaultDocument(document: VaultExport, password: string, derive?: KekDerivation): Promise<Uint8Array> {
  return unwrapWithPassword(password, document.meta.kdf, document.meta.wrappedDataKey, derive);
}

/** The document with its data key re-wrapped (rewrapWithPassword); the records stay as they are. */
export function withWrappedKey(document: VaultExport, wrapped: Pick<VaultExport['meta'], 'kdf' | 'wrappedDataKey'>, now: number): VaultExport {
  return { ...document, exportedAt: now, meta: { ...document.meta, ...wrapped } };
}

/**
 * True when both documents hold the same wrapped data key: a key unlocked from one may seal
 * records into the other. Lets a slow edit (password first) re-read the file just before writing.
 */
export function isSameVault(a: VaultExport, b: VaultExport): boolean {
  const [wrappedA, wrappedB] = [a.meta.wrappedDataKey, b.meta.wrappedDataKey];
  return wrappedA.nonce === wrappedB.nonce && wrappedA.ciphertext === wrappedB.ciphertext;
}

/** Seals `input.secret` (left for the caller to wipe) into a new record; CREDENTIAL_INVALID names a wrong field. */
export function addSealedCredential(
  document: VaultExport,
  dataKey: Uint8Array,
  input: NewCredential,
  now: number,
): { document: VaultExport; record: CredentialRecord } {
  const record = sealNewCredential(dataKey, input, now);
  return { document: { ...document, exportedAt: now, credentials: [...document.credentials, record] }, record };
}

export function removeCredential(document: VaultExport, id: string, now: number): VaultExport {
  if (!document.credentials.some((record) => record.id === id)) throw new KeygateError('CREDENTIAL_NOT_FOUND', `Record ${JSON.stringify(id)}.`);
  return { ...document, exportedAt: now, credentials: document.credentials.filter((record) => record.id !== id) };
}

/** The proxy used this credential at `at`; an unknown id (removed meanwhile) leaves the document as it was. */
export function markCredentialUsed(document: VaultExport, id: string, at: number): VaultExport {
  if (!document.credentials.some((record) => record.id === id)) return document;
  const credentials = document.credentials.map((record) => (record.id === id ? { ...record, lastUsedAt: at } : record));
  return { ...document, exportedAt: at, credentials };
}

export function addAgentRecord(document: VaultExport, record: AgentKeyRecord, now: number): VaultExport {
  // The file's validator refuses duplicate ids: one here would make the whole vault unreadable.
  if (document.agents.some((agent) => agent.id === record.id)) throw new KeygateError('MESSAGE_INVALID', 'An agent key with this id already exists.');
  return { ...document, exportedAt: now, agents: [...document.agents, record] };
}

/** MESSAGE_INVALID, as the options page says for an agent id it does not have (lib/agents/agent-service.ts). */
function requireAgentId(document: VaultExport, id: string): void {
  if (!document.agents.some((agent) => agent.id === id)) throw new KeygateError('MESSAGE_INVALID', `No agent key with id ${JSON.stringify(id)}.`);
}

export function removeAgentRecord(document: VaultExport, id: string, now: number): VaultExport {
  requireAgentId(document, id);
  return { ...document, exportedAt: now, agents: document.agents.filter((agent) => agent.id !== id) };
}

/** A disabled key is refused by the proxy but kept, so it can be enabled again without handing the agent a new one. */
export function setAgentEnabled(document: VaultExport, id: string, enabled: boolean, now: number): VaultExport {
  requireAgentId(document, id);
  return { ...document, exportedAt: now, agents: document.agents.map((agent) => (agent.id === id ? { ...agent, enabled } : agent)) };
}

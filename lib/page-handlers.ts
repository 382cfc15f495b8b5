import { KeygateError } from '../shared/errors';
import { type RequestMap, validateRequest } from '../shared/protocol';
import type { PageMessage, PageMessageType } from './extension-messages';
import { createAgentKey, deleteAgentKey, setAgentEnabled } from './agents/agent-service';
import { GRANT_HANDLERS } from './grants/grant-messages';
import { appState, type BackgroundServices } from './page-bridge';
import { readActivePolicy } from './policy/policy-store';
import { listAgents } from './vault/vault-db';
import type { NewCredentialInput } from './session/vault-session';

type Handler = (message: PageMessage, services: BackgroundServices) => Promise<unknown> | unknown;

const str = (message: PageMessage, field: string) => message[field] as string;

/** One handler per page message; the message was validated against its schema already. */
const HANDLERS: Record<PageMessageType, Handler> = {
  'state.get': (_message, services) => appState(services),
  'host.retry': (_message, { hostLink }) => hostLink.connect(),
  'host.request': (message, { hostLink }) => {
    const check = validateRequest({ ...(message.params as object), id: 0, type: message.request });
    if (!check.ok) throw new KeygateError(check.code, check.detail);
    return hostLink.request(message.request as 'status', message.params as RequestMap['status']['params']);
  },
  'vault.create': (message, { session }) => session.create(str(message, 'password')),
  'vault.unlock': (message, { session }) => session.unlock(str(message, 'password')),
  'vault.lock': (_message, { session }) => session.lock('user'),
  'vault.changePassword': (message, { session }) => session.changePassword(str(message, 'oldPassword'), str(message, 'newPassword')),
  'vault.credentials.list': (_message, { session }) => session.listCredentials(),
  'vault.credentials.add': (message, { session }) => session.addCredential(message as unknown as NewCredentialInput),
  'vault.credentials.delete': (message, { session }) => session.deleteCredential(str(message, 'id')),
  'vault.export': (_message, { session }) => session.exportVault(),
  'vault.import': (message, { session }) => session.importVault(message.file, str(message, 'password')),
  'policy.get': async (_message, { db, hostSync }) => ({ ...(await readActivePolicy(db)), proxy: hostSync.proxyStatus }),
  // Loosening the policy or minting agent keys needs the vault unlocked, as a reveal would.
  'policy.apply': (message, { session, hostSync }) => (session.requireUnlocked(), hostSync.applyPolicy(str(message, 'toml'))),
  'agents.list': (_message, { db }) => listAgents(db),
  'agents.create': async (message, { db, session, hostSync }) => {
    session.requireUnlocked();
    const created = await createAgentKey(db, { name: str(message, 'name'), scopes: message.scopes as string[], expiresAt: message.expiresAt as number | null }, Date.now());
    await hostSync.syncAgents();
    return created;
  },
  'agents.setEnabled': async (message, { db, session, hostSync }) => {
    if (message.enabled === true) session.requireUnlocked();
    const record = await setAgentEnabled(db, str(message, 'agentId'), message.enabled === true);
    await hostSync.syncAgents();
    return record;
  },
  'agents.delete': async (message, { db, hostSync }) => {
    await deleteAgentKey(db, str(message, 'agentId'));
    await hostSync.syncAgents();
  },
  ...GRANT_HANDLERS,
};

export async function answerPageMessage(message: PageMessage, services: BackgroundServices): Promise<unknown> {
  // Any request from an open page counts as the user being present.
  await services.session.touch();
  return HANDLERS[message.type](message, services);
}

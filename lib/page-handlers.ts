/**
 * What the background does for each page message: one handler per type of the page request map,
 * each receiving its message already validated and typed (extension-messages.ts).
 */
import { KeygateError } from '../shared/errors';
import { validateRequest } from '../shared/protocol';
import type { PageForwardableRequest, PageMessage, PageMessageType, PageRequestMap } from './extension-messages';
import { createAgentKey, deleteAgentKey, regenerateAgentKey, setAgentEnabled, updateAgentKey } from './agents/agent-service';
import type { HostLink } from './host-link/host-link';
import { appState, type BackgroundServices } from './page-bridge';
import { readActivePolicy } from './policy/policy-store';
import { clearAgents, listAgents } from './vault/vault-db';

type PageHandlerTable = {
  [T in PageMessageType]: (message: PageMessage<T>, services: BackgroundServices) => PageRequestMap[T]['result'] | Promise<PageRequestMap[T]['result']>;
};

/** The page names a read-only host request; the host's own validator checks its fields here first. */
function forwardToHost(hostLink: HostLink, request: PageForwardableRequest, params: Record<string, unknown>) {
  const check = validateRequest({ ...params, id: 0, type: request });
  if (!check.ok) throw new KeygateError(check.code, check.detail);
  const { request: checked } = check;
  switch (checked.type) {
    case 'status':
      return hostLink.request('status', {});
    case 'ping':
      return hostLink.request('ping', { sentAt: checked.sentAt });
    case 'diagnostics.payload':
      return hostLink.request('diagnostics.payload', { bytes: checked.bytes });
    case 'audit.query': {
      const { id: _id, type: _type, ...query } = checked;
      return hostLink.request('audit.query', query);
    }
    case 'audit.stats':
      return hostLink.request('audit.stats', { since: checked.since, until: checked.until, bucket: checked.bucket });
    default:
      throw new KeygateError('MESSAGE_INVALID', 'Pages may not send this host request.');
  }
}

const HANDLERS: PageHandlerTable = {
  'state.get': (_message, services) => appState(services),
  'host.retry': (_message, { hostLink }) => (hostLink.connect(), null),
  'host.request': ({ request, params }, { hostLink }) => forwardToHost(hostLink, request, params),
  'vault.create': async ({ password }, { session }) => (await session.create(password), null),
  'vault.unlock': async ({ password }, { session }) => (await session.unlock(password), null),
  'vault.lock': async (_message, { session }) => (await session.lock('user'), null),
  'vault.changePassword': async ({ oldPassword, newPassword }, { session }) => (await session.changePassword(oldPassword, newPassword), null),
  'vault.credentials.list': (_message, { session }) => session.listCredentials(),
  'vault.credentials.add': ({ service, name, kind, secret }, { session }) => session.addCredential({ service, name, kind, secret }),
  'vault.credentials.rename': ({ id, name }, { session }) => session.renameCredential(id, name),
  'vault.credentials.replaceSecret': ({ id, secret }, { session }) => session.replaceCredentialSecret(id, secret),
  'vault.credentials.delete': async ({ id }, { session }) => (await session.deleteCredential(id), null),
  'vault.export': (_message, { session }) => session.exportVault(),
  'vault.import': async ({ file, password }, { session }) => (await session.importVault(file, password), null),
  'policy.get': async (_message, { db, hostSync }) => ({ ...(await readActivePolicy(db)), proxy: hostSync.proxyStatus }),
  // Loosening the policy or minting agent keys needs the vault unlocked, as a reveal would.
  'policy.apply': ({ toml }, { session, hostSync }) => (session.requireUnlocked(), hostSync.applyPolicy(toml)),
  'agents.list': (_message, { db }) => listAgents(db),
  'agents.create': async ({ name, scopes, expiresAt }, { db, session, hostSync }) => {
    session.requireUnlocked();
    const created = await createAgentKey(db, { name, scopes, expiresAt }, Date.now());
    await hostSync.syncAgents();
    return created;
  },
  // Widening what a key may call is as sensitive as minting one.
  'agents.update': async ({ agentId, name, scopes, expiresAt }, { db, session, hostSync }) => {
    session.requireUnlocked();
    const record = await updateAgentKey(db, agentId, { name, scopes, expiresAt }, Date.now());
    await hostSync.syncAgents();
    return record;
  },
  'agents.regenerate': async ({ agentId }, { db, session, hostSync }) => {
    session.requireUnlocked();
    const issued = await regenerateAgentKey(db, agentId);
    await hostSync.syncAgents();
    return issued;
  },
  'agents.setEnabled': async ({ agentId, enabled }, { db, session, hostSync }) => {
    if (enabled) session.requireUnlocked();
    const record = await setAgentEnabled(db, agentId, enabled);
    await hostSync.syncAgents();
    return record;
  },
  'agents.delete': async ({ agentId }, { db, hostSync }) => {
    await deleteAgentKey(db, agentId);
    await hostSync.syncAgents();
    return null;
  },
  'grants.list': async (_message, { grants, extensionAsks }) => ({ grants: await grants.list(), asks: extensionAsks.list(), withoutSiteAccess: [...(await grants.withoutSiteAccess())] }),
  'grants.create': async ({ kind, subject, scopes, expiresAt }, { grants, extensionAsks }) => {
    const created = await grants.create({ kind, subject, scopes, expiresAt });
    if (created.kind === 'extension') extensionAsks.forget(created.subject);
    return created;
  },
  'grants.update': ({ grantId, scopes, expiresAt, enabled }, { grants }) => grants.update(grantId, { scopes, expiresAt, enabled }),
  'grants.revoke': async ({ grantId }, { grants }) => (await grants.revoke(grantId), null),
  'grants.recheckSiteAccess': async (_message, { grants }) => (await grants.refresh(), null),
  // Cutting access off never needs the password: a locked vault must not stand in the way of a panic.
  // The grant service also gives each site's permission back, unregisters the page scripts and syncs the host.
  'access.revokeAll': async (_message, { db, grants, hostSync }) => {
    const agentKeys = await clearAgents(db);
    const revokedGrants = await grants.revokeAll();
    await hostSync.syncAgents();
    return { agentKeys, grants: revokedGrants };
  },
};

/**
 * Reads an open page repeats on its own timer (the live Activity, the Overview's refresh): an
 * options page left open must not keep the vault unlocked forever by polling.
 */
export function isTimedRead(message: PageMessage): boolean {
  return message.type === 'host.request' && (message.request === 'audit.query' || message.request === 'audit.stats');
}

export async function answerPageMessage(message: PageMessage, services: BackgroundServices): Promise<unknown> {
  // Any other request from an open page counts as the user being present.
  if (!isTimedRead(message)) await services.session.touch();
  // The one place the union meets the table: each handler is typed for its own message.
  const handler = HANDLERS[message.type] as (message: PageMessage, services: BackgroundServices) => unknown;
  return handler(message, services);
}

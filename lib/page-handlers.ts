import { KeygateError } from '../shared/errors';
import { type RequestMap, validateRequest } from '../shared/protocol';
import type { PageMessage, PageMessageType } from './extension-messages';
import type { BackgroundServices } from './page-bridge';
import type { NewCredentialInput } from './session/vault-session';

type Handler = (message: PageMessage, services: BackgroundServices) => Promise<unknown> | unknown;

const str = (message: PageMessage, field: string) => message[field] as string;

/** One handler per page message; the message was validated against its schema already. */
const HANDLERS: Record<PageMessageType, Handler> = {
  'state.get': (_message, { hostLink, session }) => ({ host: hostLink.currentState, vault: session.currentState }),
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
};

export async function answerPageMessage(message: PageMessage, services: BackgroundServices): Promise<unknown> {
  // Any request from an open page counts as the user being present.
  await services.session.touch();
  return HANDLERS[message.type](message, services);
}

/**
 * The messages Keygate's own pages send about grants (options "Sites & extensions", popup "Allow
 * this site"), their schemas and their handlers. lib/extension-messages.ts and lib/page-handlers.ts
 * include these, so the page bridge checks and answers them like every other page message.
 */
import type { GrantRecord } from '../../shared/grants/grant-record';
import type { Schema } from '../../shared/validate';
import type { PageMessage } from '../extension-messages';
import type { BackgroundServices } from '../page-bridge';
import type { ExtensionAsk } from './extension-asks';
import type { GrantChange, NewGrantInput } from './grant-service';

const scopes = { check: (value: unknown) => Array.isArray(value) && value.every((scope) => typeof scope === 'string'), expected: 'a list of scopes' } as const;
const expiresAt = { check: (value: unknown) => value === null || Number.isSafeInteger(value), expected: 'a time in ms, or null' } as const;

export const GRANT_MESSAGE_SCHEMAS = {
  'grants.list': {},
  'grants.create': { kind: { oneOf: ['site', 'extension'] }, subject: 'string', scopes, expiresAt },
  'grants.update': { grantId: 'string', scopes: { optional: scopes }, expiresAt: { optional: expiresAt }, enabled: { optional: 'boolean' } },
  'grants.revoke': { grantId: 'string' },
} as const satisfies Record<string, Schema>;

export type GrantMessageType = keyof typeof GRANT_MESSAGE_SCHEMAS;

export interface GrantListing {
  grants: GrantRecord[];
  /** Extensions that called without a grant lately (newest first). */
  asks: ExtensionAsk[];
}

type Handler = (message: PageMessage, services: BackgroundServices) => Promise<unknown>;

export const GRANT_HANDLERS: Record<GrantMessageType, Handler> = {
  'grants.list': async (_message, { grants, extensionAsks }) => ({ grants: await grants.list(), asks: extensionAsks.list() }) satisfies GrantListing,
  'grants.create': async (message, { grants, extensionAsks }) => {
    const created = await grants.create(message as unknown as NewGrantInput);
    if (created.kind === 'extension') extensionAsks.forget(created.subject);
    return created;
  },
  'grants.update': (message, { grants }) => {
    const { grantId, scopes: newScopes, expiresAt: newExpiry, enabled } = message as unknown as GrantChange & { grantId: string };
    return grants.update(grantId, { scopes: newScopes, expiresAt: newExpiry, enabled });
  },
  'grants.revoke': (message, { grants }) => grants.revoke(message.grantId as string),
};

/**
 * The native-messaging protocol between the extension and keygate-host: the single source of
 * message types and their validators (docs/protocol.md describes the same in prose).
 *
 * Frames are a uint32 little-endian length plus UTF-8 JSON. Requests are `{id, type, ...}`;
 * replies `{id, ok: true, result}` or `{id, ok: false, error}`; events `{type: "event", event, ...}`
 * carry no id. A host→browser frame above CHUNK_THRESHOLD_BYTES is sent as `chunk` frames whose
 * `data` pieces join into the original frame's JSON text.
 */
import { type ErrorBody, type ErrorCode, isErrorBody } from './errors';
import { isPlainObject, type Schema, schemaViolations } from './validate';
import { PROXY_EVENT_SCHEMAS, PROXY_REQUEST_SCHEMAS, type ProxyEventMap, type ProxyRequestMap, type ProxyStatus } from './proxy-messages';
import { AUDIT_REQUEST_SCHEMAS, type AuditRequestMap } from './audit-messages';
import { VAULT_EVENT_SCHEMAS, VAULT_REQUEST_SCHEMAS, type VaultEventMap, type VaultRequestMap, type VaultStatus } from './vault-messages';

export type { CredentialCheck, VaultStatus } from './vault-messages';
export type { ProxyStatus } from './proxy-messages';

/** Chromium drops the port when a host→browser message exceeds 1 MB; stay well below. */
export const CHUNK_THRESHOLD_BYTES = 1_000_000;
/** Size of each chunk's `data` slice, in UTF-16 code units (≤ 3 UTF-8 bytes each, ≤ 6 once escaped). */
export const CHUNK_DATA_UNITS = 150_000;
/** Default cap on browser→host frames. */
export const DEFAULT_MAX_INBOUND_FRAME_BYTES = 8 * 1024 * 1024;
/** Largest diagnostics payload the host will produce (for the round-trip benchmark). */
export const MAX_DIAGNOSTIC_PAYLOAD_BYTES = 64 * 1024 * 1024;

export type MessageId = number | string;

export const REQUEST_SCHEMAS = {
  hello: { extensionVersion: 'string' },
  status: {},
  ping: { sentAt: { optional: 'number' } },
  'diagnostics.payload': { bytes: { integer: true, min: 0, max: MAX_DIAGNOSTIC_PAYLOAD_BYTES } },
  ...VAULT_REQUEST_SCHEMAS,
  ...PROXY_REQUEST_SCHEMAS,
  ...AUDIT_REQUEST_SCHEMAS,
} as const satisfies Record<string, Schema>;

export type RequestType = keyof typeof REQUEST_SCHEMAS;

export interface HelloResult {
  version: string;
  capabilities: string[];
  pid: number;
}

export interface StatusResult {
  version: string;
  pid: number;
  uptimeMs: number;
  caller: string;
  vault: VaultStatus;
  proxy: ProxyStatus;
}

export interface RequestMap extends VaultRequestMap, ProxyRequestMap, AuditRequestMap {
  hello: { params: { extensionVersion: string }; result: HelloResult };
  status: { params: Record<string, never>; result: StatusResult };
  ping: { params: { sentAt?: number }; result: { receivedAt: number } };
  'diagnostics.payload': { params: { bytes: number }; result: { data: string } };
}

/** A request of one type, or (distributed over the union) any request, so `switch (type)` narrows. */
export type Request<T extends RequestType = RequestType> = T extends RequestType
  ? { id: MessageId; type: T } & RequestMap[T]['params']
  : never;

export type Reply<R = unknown> =
  | { id: MessageId | null; ok: true; result: R }
  | { id: MessageId | null; ok: false; error: ErrorBody };

export const EVENT_SCHEMAS = {
  fatal: { error: { check: isErrorBody, expected: 'an error body' } },
  ...VAULT_EVENT_SCHEMAS,
  ...PROXY_EVENT_SCHEMAS,
} as const satisfies Record<string, Schema>;

export type EventName = keyof typeof EVENT_SCHEMAS;

export interface EventMap extends VaultEventMap, ProxyEventMap {
  /** The host refuses to serve (e.g. CALLER_NOT_ALLOWED) and exits. */
  fatal: { error: ErrorBody };
}

/** A host→browser event of one name, or (distributed over the union) any event. */
export type EventFrame<E extends EventName = EventName> = E extends EventName
  ? { type: 'event'; event: E } & EventMap[E]
  : never;

export interface ChunkFrame {
  type: 'chunk';
  stream: number;
  index: number;
  count: number;
  data: string;
}

export type HostFrame = Reply | EventFrame | ChunkFrame;

export function isMessageId(value: unknown): value is MessageId {
  return (typeof value === 'string' && value.length > 0 && value.length <= 128) || Number.isSafeInteger(value);
}

export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && Object.hasOwn(REQUEST_SCHEMAS, value);
}

export type RequestCheck =
  | { ok: true; request: Request }
  | { ok: false; id: MessageId | null; code: ErrorCode; detail: string };

/** Validates a parsed browser→host message. */
export function validateRequest(value: unknown): RequestCheck {
  if (!isPlainObject(value)) return { ok: false, id: null, code: 'FRAME_MALFORMED', detail: 'Expected a JSON object.' };
  const id = isMessageId(value.id) ? value.id : null;
  if (id === null) return { ok: false, id, code: 'MESSAGE_INVALID', detail: 'Field "id" is missing or not a string or integer.' };
  if (typeof value.type !== 'string') return { ok: false, id, code: 'MESSAGE_INVALID', detail: 'Field "type" is missing.' };
  if (!isRequestType(value.type)) {
    return { ok: false, id, code: 'MESSAGE_TYPE_UNKNOWN', detail: `Unknown type "${value.type.slice(0, 64)}".` };
  }
  const wrong = schemaViolations(value, REQUEST_SCHEMAS[value.type]);
  if (wrong.length > 0) return { ok: false, id, code: 'MESSAGE_INVALID', detail: `Bad field(s): ${wrong.join(', ')}.` };
  return { ok: true, request: value as Request };
}

const REPLY_OK_SCHEMA = { ok: 'boolean', result: 'unknown' } as const satisfies Schema;
const CHUNK_SCHEMA = {
  stream: { integer: true, min: 0 },
  index: { integer: true, min: 0 },
  count: { integer: true, min: 1 },
  data: 'string',
} as const satisfies Schema;

/** Validates a parsed host→browser frame; returns null when it is not a valid frame. */
export function validateHostFrame(value: unknown): HostFrame | null {
  if (!isPlainObject(value)) return null;
  if (value.type === 'event') {
    // An event the extension does not know, or one with wrong fields, is dropped rather than half-trusted.
    if (typeof value.event !== 'string' || !Object.hasOwn(EVENT_SCHEMAS, value.event)) return null;
    return schemaViolations(value, EVENT_SCHEMAS[value.event as EventName]).length === 0 ? (value as EventFrame) : null;
  }
  if (value.type === 'chunk') {
    const chunk = value as unknown as ChunkFrame;
    return schemaViolations(value, CHUNK_SCHEMA).length === 0 && chunk.index < chunk.count ? chunk : null;
  }
  if (value.id !== null && !isMessageId(value.id)) return null;
  if (value.ok === true) return schemaViolations(value, REPLY_OK_SCHEMA).length === 0 ? (value as Reply) : null;
  if (value.ok === false && isErrorBody(value.error)) return value as Reply;
  return null;
}

/** JSON.parse that refuses keys which could pollute prototypes when the object is later merged. */
export function parseJsonSafely(text: string): unknown {
  return JSON.parse(text, (key, val: unknown) => {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new SyntaxError(`Forbidden key "${key}"`);
    }
    return val;
  });
}

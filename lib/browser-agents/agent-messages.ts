/**
 * The small protocol a browser agent speaks with Keygate's background: another extension opens one
 * `runtime.connect` port per request (port name `keygate`, client/keygate-client.ts); a page's
 * content script carries all the page's requests on one port, each message wrapped with its
 * request number (page-line.ts). Bodies travel as base64 chunks of
 * at most BRIDGE_CHUNK_BYTES, the same frames the background forwards to the host.
 *
 * agent → background               background → agent
 *   request {method, path,           head {status, headers}
 *            headers, hasBody}       chunk {data}   (send one credit per chunk consumed)
 *   body {data, end}  (one at a      end
 *        time, after each body-ack)  error {error}  (after the head: the body stream fails)
 *   credit {chunks}                  body-ack
 *   cancel                           answer {status, headers, data}  (head, whole body, end)
 * A chunk's or answer's `coding: "deflate-raw"` (from the host) says the base64 holds deflated bytes.
 * `answer` is a whole small answer in one message (the host's `proxy.answer`); it needs no credit.
 * A refusal (no grant, vault locked, host away, …) is a head with the catalogue status, the JSON
 * error as the body, then end (or one `answer`) — the same answer the HTTP proxy gives.
 */
import { type BridgeChunkCoding, type HeaderList, isBase64Chunk, isBridgeChunkCoding, isHeaderList } from '../../shared/bridge-messages';
import type { ErrorBody } from '../../shared/errors';
import { isPlainObject, type Schema, schemaViolations } from '../../shared/validate';

export const AGENT_PORT_NAME = 'keygate';
/** The relay's one-off question at page start (`runtime.sendMessage`): does this tab's origin hold a usable grant? */
export const SITE_GRANT_QUERY = 'keygate.siteGranted';

const AGENT_MESSAGE_SCHEMAS = {
  request: {
    method: { check: (value: unknown) => typeof value === 'string' && /^[A-Z]{1,16}$/.test(value), expected: 'an upper-case HTTP method' },
    path: { check: (value: unknown) => typeof value === 'string' && value.startsWith('/') && value.length <= 8192, expected: 'a path starting with /' },
    headers: { check: isHeaderList, expected: 'a list of [name, value] string pairs' },
    hasBody: 'boolean',
  },
  body: { data: { check: isBase64Chunk, expected: 'a base64 chunk' }, end: 'boolean' },
  credit: { chunks: { integer: true, min: 1, max: 64 } },
  cancel: {},
} as const satisfies Record<string, Schema>;

export type AgentMessage =
  | { type: 'request'; method: string; path: string; headers: HeaderList; hasBody: boolean }
  | { type: 'body'; data: string; end: boolean }
  | { type: 'credit'; chunks: number }
  | { type: 'cancel' };

export type GatewayMessage =
  | { type: 'head'; status: number; headers: HeaderList }
  | { type: 'chunk'; data: string; coding?: BridgeChunkCoding }
  | { type: 'end' }
  | { type: 'error'; error: ErrorBody }
  | { type: 'body-ack' }
  | { type: 'answer'; status: number; headers: HeaderList; data: string; coding?: BridgeChunkCoding };

/** Checks what a page or another extension sent; anything else ends its request. */
export function isAgentMessage(value: unknown): value is AgentMessage {
  if (!isPlainObject(value) || typeof value.type !== 'string' || !Object.hasOwn(AGENT_MESSAGE_SCHEMAS, value.type)) return false;
  return schemaViolations(value, AGENT_MESSAGE_SCHEMAS[value.type as keyof typeof AGENT_MESSAGE_SCHEMAS]).length === 0;
}

/** An error's shape only: the page-side scripts stay small without the whole catalogue, and the background is trusted. */
function isErrorShape(value: unknown): value is ErrorBody {
  return isPlainObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

/** Checks what came back from the background (a page's script takes nothing on trust from its window). */
export function isGatewayMessage(value: unknown): value is GatewayMessage {
  if (!isPlainObject(value)) return false;
  switch (value.type) {
    case 'head':
      return Number.isSafeInteger(value.status) && isHeaderList(value.headers);
    case 'chunk':
      return isBase64Chunk(value.data) && (value.coding === undefined || isBridgeChunkCoding(value.coding));
    case 'answer':
      return Number.isSafeInteger(value.status) && isHeaderList(value.headers) && isBase64Chunk(value.data) && (value.coding === undefined || isBridgeChunkCoding(value.coding));
    case 'error':
      return isErrorShape(value.error);
    case 'end':
    case 'body-ack':
      return true;
    default:
      return false;
  }
}

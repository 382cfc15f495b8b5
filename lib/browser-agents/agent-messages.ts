/**
 * The small protocol a browser agent speaks with Keygate's background: another extension opens one
 * `runtime.connect` port per request (port name `keygate`, client/keygate-client.ts); a page carries
 * all its requests on one line, each message wrapped with its request number (page-line.ts).
 * Bodies travel in chunks of at most BRIDGE_CHUNK_BYTES: base64 on runtime ports (JSON) and towards
 * the host; the bytes themselves, as transferred ArrayBuffers, where the line is a MessagePort (the
 * page's main world ↔ background, port-frame.ts; main world ↔ content script where it relays).
 *
 * agent → background               background → agent
 *   request {method, path,           head {status, headers}
 *            headers, hasBody}       chunk {data}   (send one credit per chunk consumed)
 *   body {data, end}  (at most        end
 *     BRIDGE_BODY_WINDOW unacked)    error {error}  (after the head: the body stream fails)
 *   credit {chunks}                  body-ack
 *   cancel                           answer {status, headers, data}  (head, whole body, end)
 * A chunk's or answer's `coding: "deflate-raw"` (from the host) says its bytes are deflated.
 * `answer` is a whole small answer in one message (the host's `proxy.answer`); it needs no credit.
 * A refusal (no grant, vault locked, host away, …) is a head with the catalogue status, the JSON
 * error as the body, then end (or one `answer`) — the same answer the HTTP proxy gives.
 */
import { AGENT_METHOD_RULE, AGENT_PATH_RULE, BRIDGE_CHUNK_BYTES, type BridgeChunkCoding, type HeaderList, isBase64Chunk, isBridgeChunkCoding, isHeaderList } from '../../shared/bridge-messages';
import type { ErrorBody } from '../../shared/errors';
import { isPlainObject, type Schema, schemaViolations } from '../../shared/validate';

export const AGENT_PORT_NAME = 'keygate';
/** The relay's one-off question at page start (`runtime.sendMessage`): does this tab's origin hold a usable grant? */
export const SITE_GRANT_QUERY = 'keygate.siteGranted';

/** Body bytes on a line: base64 text over JSON (runtime ports), an ArrayBuffer over a MessagePort. */
export type WireBytes = string | ArrayBuffer;

/** A body piece as a MessagePort carries it (the same bound as a base64 chunk's bytes). */
export function isBytesChunk(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer && value.byteLength <= BRIDGE_CHUNK_BYTES;
}

const agentMessageSchemas = (bytes: (value: unknown) => boolean) => ({
  request: {
    method: AGENT_METHOD_RULE,
    path: AGENT_PATH_RULE,
    headers: { check: isHeaderList, expected: 'a list of [name, value] string pairs' },
    hasBody: 'boolean',
  },
  body: { data: { check: bytes, expected: 'a body chunk' }, end: 'boolean' },
  credit: { chunks: { integer: true, min: 1, max: 64 } },
  cancel: {},
}) satisfies Record<string, Schema>;
const JSON_AGENT_SCHEMAS = agentMessageSchemas(isBase64Chunk);
const PORT_AGENT_SCHEMAS = agentMessageSchemas(isBytesChunk);

type AgentMessageOf<Bytes> =
  | { type: 'request'; method: string; path: string; headers: HeaderList; hasBody: boolean }
  | { type: 'body'; data: Bytes; end: boolean }
  | { type: 'credit'; chunks: number }
  | { type: 'cancel' };

/** As runtime ports carry it, and as the background's relay reads it: bodies in base64. */
export type AgentMessage = AgentMessageOf<string>;
/** As a MessagePort carries it: bodies as ArrayBuffers. */
export type PortAgentMessage = AgentMessageOf<ArrayBuffer>;
/** What keygate.fetch hands its channel: bodies as bytes, put on the wire by the channel. */
export type OutgoingAgentMessage = AgentMessageOf<Uint8Array>;

type GatewayMessageOf<Bytes> =
  | { type: 'head'; status: number; headers: HeaderList }
  | { type: 'chunk'; data: Bytes; coding?: BridgeChunkCoding }
  | { type: 'end' }
  | { type: 'error'; error: ErrorBody }
  | { type: 'body-ack' }
  | { type: 'answer'; status: number; headers: HeaderList; data: Bytes; coding?: BridgeChunkCoding };

/** As the background's relay writes it and runtime ports carry it: bodies in base64. */
export type GatewayMessage = GatewayMessageOf<string>;
/** As a MessagePort carries it: bodies as ArrayBuffers. */
export type PortGatewayMessage = GatewayMessageOf<ArrayBuffer>;
/** What keygate.fetch takes from either kind of line. */
export type IncomingGatewayMessage = GatewayMessageOf<WireBytes>;

function matchesSchemas(value: unknown, schemas: Record<string, Schema>): boolean {
  if (!isPlainObject(value) || typeof value.type !== 'string' || !Object.hasOwn(schemas, value.type)) return false;
  return schemaViolations(value, schemas[value.type]!).length === 0;
}

/** Checks what a page or another extension sent over a runtime port; anything else ends its request. */
export function isAgentMessage(value: unknown): value is AgentMessage {
  return matchesSchemas(value, JSON_AGENT_SCHEMAS);
}

/** The same check for what came over a MessagePort (bodies as ArrayBuffers). */
export function isPortAgentMessage(value: unknown): value is PortAgentMessage {
  return matchesSchemas(value, PORT_AGENT_SCHEMAS);
}

/** An error's shape only: the page-side scripts stay small without the whole catalogue, and the background is trusted. */
function isErrorShape(value: unknown): value is ErrorBody {
  return isPlainObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

/**
 * Checks what came back from the background (a page's script takes nothing on trust from its
 * window): bodies in base64 from a runtime port, as ArrayBuffers from a MessagePort.
 */
export function isGatewayMessage(value: unknown): value is IncomingGatewayMessage {
  if (!isPlainObject(value)) return false;
  const bytes = (data: unknown) => isBase64Chunk(data) || isBytesChunk(data);
  switch (value.type) {
    case 'head':
      return Number.isSafeInteger(value.status) && isHeaderList(value.headers);
    case 'chunk':
      return bytes(value.data) && (value.coding === undefined || isBridgeChunkCoding(value.coding));
    case 'answer':
      return Number.isSafeInteger(value.status) && isHeaderList(value.headers) && bytes(value.data) && (value.coding === undefined || isBridgeChunkCoding(value.coding));
    case 'error':
      return isErrorShape(value.error);
    case 'end':
    case 'body-ack':
      return true;
    default:
      return false;
  }
}

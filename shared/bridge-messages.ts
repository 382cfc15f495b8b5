/**
 * The browser-agent bridge part of the native protocol (shared/protocol.ts composes it). A web page
 * or another extension holding a grant calls Keygate through the background worker, which forwards
 * the request to the host; the host runs it through the same pipeline as the HTTP proxy and streams
 * the answer back. The background never interprets bodies; it only moves them.
 *
 * browser → host                                   host → browser (events, keyed by requestId)
 *   grants.sync    {grants}                → {count}
 *   proxy.request  {requestId, grantId, method,     proxy.head  {requestId, status, headers}
 *                   path, headers, hasBody}  → ✗    proxy.chunk {requestId, data}  (≤ credits unacked)
 *   proxy.body     {requestId, data, end}   → {}    proxy.end   {requestId}
 *   proxy.credit   {requestId, chunks}      → ✗     proxy.error {requestId, error} (after the head only)
 *   proxy.cancel   {requestId}              → {cancelled}
 *   proxy.refused  {agent, method, path,     → ✗
 *                   code}  (a call the background refused itself: its audit line)
 *                                                   proxy.answer {requestId, status, headers, data}
 *                                                   proxy.bulk  {requestId, url}  (the rest of the body: fetch it)
 *
 * ✗: replied to only when refused (BRIDGE_REPLY_ON_FAILURE_ONLY); the events are the success.
 * A chunk's (or answer's) `coding: "deflate-raw"` says its bytes were deflated before base64 (only
 * chunks of 4 KiB or more that shrink by a fifth; see native-host/src/bridge/chunk-coding.ts).
 * `proxy.answer` is a whole answer in one frame (head, the body as one chunk, end), sent instead of
 * head/chunk/end when the body was complete by the time the head could go out: small API answers
 * and refusals. It needs no credit.
 * A refusal before the head (no grant, scope, vault locked, …) is answered like over HTTP: a head
 * with the catalogue status, the JSON error as the body, then `proxy.end`. `proxy.error` means the
 * exchange broke after the head (upstream cut, cancel): the page's body stream errors.
 * Request bodies: the background sends `proxy.body` frames, at most BRIDGE_BODY_WINDOW of them
 * unanswered (each reply says the pipeline took that piece, so the host's reading pace is the
 * back-pressure), the last one with `end: true`.
 * Response bodies: the host sends at most BRIDGE_CREDIT_WINDOW chunks ahead of the `proxy.credit`
 * acknowledgements, so a slow page never makes the host buffer without bound.
 * The bulk lane: a `proxy.request` with `bulk: true` says the background can fetch a loopback URL.
 * Once such an answer is large (BULK_SWITCH_BYTES: announced by its content-length, or sent over the
 * native port already), the host sends `proxy.bulk` after the chunks it sent, and the rest of the body
 * goes as the plain bytes of one HTTP answer at `url` (single-use token, valid BULK_TICKET_MS); the
 * background relays them to the agent after those chunks, with the agent's credits as its own pace.
 * `proxy.end` or `proxy.error` still ends the request on the native port (see
 * native-host/src/bridge/bulk-lane.ts and docs/browser-agents.md, "The bulk lane").
 */
import { type ErrorBody, type ErrorCode, isErrorBody } from './errors';
import { type GrantRecord, isGrantRecordList } from './grants/grant-record';
import type { Schema } from './validate';

/** Raw bytes per body chunk; base64 makes a frame of ≈ 350 KB, well under Chromium's 1 MB. */
export const BRIDGE_CHUNK_BYTES = 256 * 1024;
/** Response chunks the host may have in flight per request before the browser acknowledges some. */
export const BRIDGE_CREDIT_WINDOW = 8;
/**
 * Request body pieces an agent may have sent and not had acknowledged (a `body-ack` once the host's
 * pipeline took one), per request. One at a time, every piece waited for a whole round trip through
 * the browser and the host, so an upload moved at half the page's own `fetch`; a few in flight let
 * the page, the background and the host work at once, and hold at most 1 MiB per request.
 */
export const BRIDGE_BODY_WINDOW = 4;
/**
 * Frames the host answers only when they fail: a `proxy.request` that was taken is answered by the
 * request's own events, and a credit by the chunks it lets through. Skipping the empty `{}` reply
 * spares the browser one native message per call and per credit, and each costs it more than
 * the few bytes suggest (a read on Chromium's thread pool, then a dispatch to the service worker).
 */
export const BRIDGE_REPLY_ON_FAILURE_ONLY: ReadonlySet<string> = new Set<keyof BridgeRequestMap>(['proxy.request', 'proxy.credit', 'proxy.refused']);
/** Requests one port may have open at once; past it `proxy.request` is refused (BRIDGE_BUSY-like). */
export const BRIDGE_MAX_OPEN_REQUESTS = 64;
/**
 * Requests one grant (one site or extension) may have open at once; past it `proxy.request` is
 * refused with GRANT_OPEN_REQUESTS_EXCEEDED. Half the port's cap, so a page stuck in a loop leaves
 * the other half to every other grant; each open request may hold an upstream connection and up to
 * BRIDGE_CREDIT_WINDOW × BRIDGE_CHUNK_BYTES (2 MiB) in flight, so a grant holds at most 64 MiB; and
 * far more than a real page needs (a browser opens 6 connections per server; an agent UI streams a
 * few answers and runs a handful of tool calls at once).
 */
export const BRIDGE_MAX_OPEN_PER_GRANT = 32;
/**
 * An answer moves to the bulk lane once more than this is known to be coming: Chromium reads a native
 * host 4 KiB at a time, so the native port carries ~12 MB/s of raw bytes, while the background's own
 * loopback fetch carries 60–110 MB/s. Below it, the native port's lower latency per message wins.
 */
export const BULK_SWITCH_BYTES = 256 * 1024;
/** How long a bulk URL waits to be fetched; past it the answer fails (BULK_LANE_BROKEN) and the upstream call is aborted. */
export const BULK_TICKET_MS = 5000;
/** The only URLs `proxy.bulk` may name: the host's loopback listener, a 256-bit token in base64url. */
const BULK_URL = /^http:\/\/127\.0\.0\.1:[1-9][0-9]{0,4}\/bulk\/[A-Za-z0-9_-]{43}$/;

export function isBulkUrl(value: unknown): value is string {
  return typeof value === 'string' && BULK_URL.test(value);
}

export type HeaderList = [name: string, value: string][];

/** How a chunk's bytes were packed before base64: absent for as they are, `deflate-raw` (RFC 1951) when that saved enough. */
export type BridgeChunkCoding = 'deflate-raw';

export function isBridgeChunkCoding(value: unknown): value is BridgeChunkCoding {
  return value === 'deflate-raw';
}

const MAX_BASE64_CHUNK_CHARS = Math.ceil(BRIDGE_CHUNK_BYTES / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isBridgeRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(value);
}

export function isHeaderList(value: unknown): value is HeaderList {
  return (
    Array.isArray(value) &&
    value.length <= 200 &&
    value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string' && pair[0].length <= 256 && pair[1].length <= 16_384)
  );
}

export function isBase64Chunk(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_BASE64_CHUNK_CHARS && value.length % 4 === 0 && BASE64.test(value);
}

/**
 * What the background refuses a browser agent's call with before it reaches the host (its grant, the
 * vault); reported with `proxy.refused` so the call still leaves its audit line. HOST_NOT_CONNECTED
 * is not among them: with no host there is nobody to report to.
 */
export const BROWSER_REFUSAL_CODES = ['GRANT_MISSING', 'GRANT_DISABLED', 'GRANT_EXPIRED', 'GRANT_PERMISSION_DENIED', 'VAULT_LOCKED'] as const satisfies readonly ErrorCode[];
export type BrowserRefusalCode = (typeof BROWSER_REFUSAL_CODES)[number];

/** `site:ORIGIN` or `extension:ID`, as the browser vouched for the caller (grantIdentity's form). */
function isBrowserAgentName(value: unknown): value is string {
  return typeof value === 'string' && /^(site|extension):\S{1,512}$/.test(value);
}

/** The longest path (and query) a browser agent may send; the HTTP proxy's 16 KiB header limit bounds its request line alike. */
export const BRIDGE_MAX_PATH_CHARS = 8192;

/** A browser agent's method and path, as the agent protocol and `proxy.refused` both take them. */
export const AGENT_METHOD_RULE = { check: (value: unknown) => typeof value === 'string' && /^[A-Z]{1,16}$/.test(value), expected: 'an upper-case HTTP method' } as const;
export const AGENT_PATH_RULE = { check: (value: unknown) => typeof value === 'string' && value.startsWith('/') && value.length <= BRIDGE_MAX_PATH_CHARS, expected: 'a path starting with /' } as const;

const requestId = { check: isBridgeRequestId, expected: 'a request id of 8–64 characters [A-Za-z0-9_-]' } as const;
const headers = { check: isHeaderList, expected: 'a list of [name, value] string pairs' } as const;
const chunk = { check: isBase64Chunk, expected: `base64 of at most ${BRIDGE_CHUNK_BYTES} bytes` } as const;
const coding = { optional: { check: isBridgeChunkCoding, expected: '"deflate-raw"' } } as const;

export const BRIDGE_REQUEST_SCHEMAS = {
  'grants.sync': { grants: { check: isGrantRecordList, expected: 'grant records with unique ids' } },
  'proxy.request': {
    requestId,
    grantId: 'string',
    method: 'string',
    /** Path and query exactly as the page's URL has them (`/openai/v1/chat/completions`); the origin is dropped. */
    path: 'string',
    headers,
    hasBody: 'boolean',
    /** The background can fetch the rest of a large answer from the host's loopback bulk lane. */
    bulk: { optional: 'boolean' },
  },
  'proxy.body': { requestId, data: chunk, end: 'boolean' },
  'proxy.credit': { requestId, chunks: { integer: true, min: 1, max: 64 } },
  'proxy.cancel': { requestId },
  'proxy.refused': {
    agent: { check: isBrowserAgentName, expected: '"site:ORIGIN" or "extension:ID"' },
    method: AGENT_METHOD_RULE,
    path: AGENT_PATH_RULE,
    code: { oneOf: BROWSER_REFUSAL_CODES },
  },
} as const satisfies Record<string, Schema>;

export interface BridgeRequestMap {
  'grants.sync': { params: { grants: GrantRecord[] }; result: { count: number } };
  'proxy.request': { params: { requestId: string; grantId: string; method: string; path: string; headers: HeaderList; hasBody: boolean; bulk?: boolean }; result: Record<string, never> };
  'proxy.body': { params: { requestId: string; data: string; end: boolean }; result: Record<string, never> };
  'proxy.credit': { params: { requestId: string; chunks: number }; result: Record<string, never> };
  'proxy.cancel': { params: { requestId: string }; result: { cancelled: boolean } };
  'proxy.refused': { params: { agent: string; method: string; path: string; code: BrowserRefusalCode }; result: Record<string, never> };
}

/** Bridge frames sent without waiting for a reply (BRIDGE_REPLY_ON_FAILURE_ONLY). */
export type BridgePostType = 'proxy.request' | 'proxy.credit';

export const BRIDGE_EVENT_SCHEMAS = {
  'proxy.head': { requestId, status: { integer: true, min: 100, max: 599 }, headers },
  'proxy.chunk': { requestId, data: chunk, coding },
  'proxy.end': { requestId },
  'proxy.error': { requestId, error: { check: isErrorBody, expected: 'an error body' } },
  'proxy.answer': { requestId, status: { integer: true, min: 100, max: 599 }, headers, data: chunk, coding },
  'proxy.bulk': { requestId, url: { check: isBulkUrl, expected: 'http://127.0.0.1:PORT/bulk/TOKEN' } },
} as const satisfies Record<string, Schema>;

export interface BridgeEventMap {
  'proxy.head': { requestId: string; status: number; headers: HeaderList };
  'proxy.chunk': { requestId: string; data: string; coding?: BridgeChunkCoding };
  'proxy.end': { requestId: string };
  'proxy.error': { requestId: string; error: ErrorBody };
  'proxy.answer': { requestId: string; status: number; headers: HeaderList; data: string; coding?: BridgeChunkCoding };
  'proxy.bulk': { requestId: string; url: string };
}

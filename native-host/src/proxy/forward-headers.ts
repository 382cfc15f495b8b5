/**
 * Which headers cross the proxy. Upstream, the agent's own credentials (its `pk_` key arrives in
 * `authorization` or `x-api-key`) never leave the machine, and only the credential Keygate injects
 * authenticates the request. Downstream, nothing lets an upstream set state in the agent (cookies)
 * or widen who may read the response (CORS).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies still meet. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const CLIENT_CREDENTIALS = new Set(['authorization', 'x-api-key', 'x-mbx-apikey', 'cookie', 'proxy-authorization']);

/**
 * `host` and `content-length` are set by the forwarder for the bytes it sends; `expect` was answered
 * here (Node sends the agent its `100 Continue`), and undici refuses to send it, which failed every
 * curl upload with 502; `origin`, `referer` and the forwarding headers would tell the upstream about
 * the agent's machine and pages.
 */
const SET_BY_FORWARDER_OR_PRIVATE = new Set(['host', 'content-length', 'expect', 'origin', 'referer', 'forwarded']);

/**
 * Some servers let these headers replace the request's method; endpoint rules judge the method
 * Keygate sees, so an agent could otherwise send "POST" past a rule that blocks "DELETE".
 */
const METHOD_OVERRIDES = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

type HeaderValue = string | string[] | undefined;

const NOTHING_LISTED: ReadonlySet<string> = new Set();

/** The Connection field(s), whatever the case of the name; cheap, as this runs twice per request. */
function connectionValues(headers: Record<string, HeaderValue>): string[] {
  const values: string[] = [];
  for (const name in headers) {
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    const value = headers[name];
    if (value !== undefined) values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values;
}

/** Header names listed in `Connection:` are hop-by-hop for this message too (RFC 9110 §7.6.1). */
function connectionListed(headers: Record<string, HeaderValue>): ReadonlySet<string> {
  const values = connectionValues(headers);
  if (values.length === 0) return NOTHING_LISTED;
  return new Set(
    values
      .flatMap((value) => value.split(','))
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== ''),
  );
}

export function buildUpstreamHeaders(incoming: IncomingHttpHeaders, injected: { name: string; value: string }): Record<string, string> {
  const listed = connectionListed(incoming);
  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(incoming)) {
    const name = rawName.toLowerCase();
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || listed.has(name) || CLIENT_CREDENTIALS.has(name)) continue;
    if (SET_BY_FORWARDER_OR_PRIVATE.has(name) || METHOD_OVERRIDES.has(name) || name.startsWith('x-forwarded-')) continue;
    // Repeated request fields are one comma-separated list (RFC 9110 §5.3); Node hands some as arrays.
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // The scrubber matches secrets byte for byte; in a gzip or brotli body an echoed key is invisible to it.
  headers['accept-encoding'] = 'identity';
  headers[injected.name.toLowerCase()] = injected.value;
  return headers;
}

/** `content-length` is dropped because scrubbing may change the body's length. */
export function buildClientResponseHeaders(upstream: Record<string, HeaderValue>): Record<string, string | string[]> {
  const listed = connectionListed(upstream);
  const headers: Record<string, string | string[]> = {};
  for (const [rawName, value] of Object.entries(upstream)) {
    const name = rawName.toLowerCase();
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (name === 'set-cookie' || name === 'content-length' || name.startsWith('access-control-')) continue;
    headers[name] = Array.isArray(value) ? [...value] : value;
  }
  return headers;
}

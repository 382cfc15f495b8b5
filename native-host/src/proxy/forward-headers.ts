/**
 * Which headers cross the proxy. Upstream, the agent's own credentials (its `pk_` key arrives in
 * `authorization` or `x-api-key`, but an SDK may put it in any header it uses for keys) never leave
 * the machine, only the credential Keygate injects authenticates the request, and nothing may make
 * the upstream route the request elsewhere than the path the endpoint rules judged. Downstream,
 * nothing lets an upstream set state in the agent (cookies) or widen who may read the response (CORS).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { containsAgentKey } from '../../../shared/agents/agent-keys';
import { METHOD_OVERRIDE_HEADERS } from './method-override';

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
 * Headers that replace the request's method or path in some servers (IIS URL Rewrite, Symfony and
 * Zend before their fixes, ASP.NET method override): endpoint rules judge the method and path Keygate
 * sees. A method override is refused before forwarding (method-override.ts); dropping it here too
 * keeps every forwarding path safe on its own.
 */
const ROUTE_OVERRIDES = new Set(['x-original-url', 'x-rewrite-url', 'x-override-url', ...METHOD_OVERRIDE_HEADERS]);

type HeaderValue = string | string[] | undefined;

/** Everything never copied to the upstream, in one set: this runs for every header of every request. */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...CLIENT_CREDENTIALS, ...SET_BY_FORWARDER_OR_PRIVATE, ...ROUTE_OVERRIDES]);

/**
 * The names a `Connection` field lists: hop-by-hop for this message too (RFC 9110 §7.6.1). Names
 * that are hop-by-hop anyway are left out, so the usual `keep-alive` or `close` lists nothing.
 */
function connectionTokens(value: string | string[]): string[] {
  const listed: string[] = [];
  if (value === 'keep-alive' || value === 'close') return listed;
  for (const field of Array.isArray(value) ? value : [value]) {
    for (const token of field.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '' && name !== 'close' && !HOP_BY_HOP.has(name)) listed.push(name);
    }
  }
  return listed;
}

function withConnectionTokens(listed: string[] | null, value: string | string[]): string[] | null {
  const tokens = connectionTokens(value);
  return tokens.length === 0 ? listed : [...(listed ?? []), ...tokens];
}

/** Removes what the message's Connection field(s) listed; run before anything is added on purpose. */
function dropListed(headers: Record<string, unknown>, listed: readonly string[] | null): void {
  if (listed !== null) for (const name of listed) if (Object.hasOwn(headers, name)) delete headers[name];
}

/**
 * The fields of one message that may cross, under lower-cased names (whatever the source did), in one
 * pass (this runs twice per request): `excluded` names are dropped, and so are the ones its
 * Connection field lists.
 */
function crossingFields<T>(source: Record<string, HeaderValue>, excluded: (name: string) => boolean, convert: (value: string | string[]) => T): Record<string, T> {
  const headers: Record<string, T> = {};
  let listed: string[] | null = null;
  for (const rawName in source) {
    const value = source[rawName];
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name === 'connection') listed = withConnectionTokens(listed, value);
    if (!excluded(name)) headers[name] = convert(value);
  }
  dropListed(headers, listed);
  return headers;
}

const notForwarded = (name: string) => NOT_FORWARDED.has(name) || name.startsWith('x-forwarded-');
// Repeated request fields are one comma-separated list (RFC 9110 §5.3); Node hands some as arrays.
const asOneField = (value: string | string[]) => (Array.isArray(value) ? value.join(', ') : value);

export function buildUpstreamHeaders(incoming: IncomingHttpHeaders, injected: { name: string; value: string }): Record<string, string> {
  const headers = crossingFields(incoming, notForwarded, asOneField);
  // Any header: `api-key`, `x-goog-api-key` or a custom service's own name may carry the agent's key.
  for (const name in headers) if (containsAgentKey(headers[name]!)) delete headers[name];
  // The scrubber matches secrets byte for byte; in a gzip or brotli body an echoed key is invisible to it.
  headers['accept-encoding'] = 'identity';
  headers[injected.name.toLowerCase()] = injected.value;
  return headers;
}

/** `content-length` is dropped because scrubbing may change the body's length. */
const notForTheAgent = (name: string) => HOP_BY_HOP.has(name) || name === 'set-cookie' || name === 'content-length' || name.startsWith('access-control-');
const copied = (value: string | string[]) => (Array.isArray(value) ? [...value] : value);

export function buildClientResponseHeaders(upstream: Record<string, HeaderValue>): Record<string, string | string[]> {
  return crossingFields(upstream, notForTheAgent, copied);
}

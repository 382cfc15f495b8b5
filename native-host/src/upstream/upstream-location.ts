/**
 * Where an upstream call goes. The base URL comes from policy (or a built-in default), never from
 * the request: an agent chooses a service, not a host.
 */
/** Parsed base URLs: the same few are split for every request. Cleared if a policy history grows it. */
const parsedBases = new Map<string, { origin: string; prefix: string }>();
const MAX_PARSED_BASES = 64;

/**
 * Where to send a call: the base URL's origin, and its path prefix (if any) followed by `path` and
 * the query. The base URL comes from policy (or a built-in default), never from the request.
 */
export function locateUpstream(baseUrl: string, path: string, query = ''): { origin: string; path: string } {
  let base = parsedBases.get(baseUrl);
  if (base === undefined) {
    const url = new URL(baseUrl);
    base = { origin: url.origin, prefix: url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname };
    if (parsedBases.size >= MAX_PARSED_BASES) parsedBases.clear();
    parsedBases.set(baseUrl, base);
  }
  return { origin: base.origin, path: `${base.prefix}${path}${query ? `?${query}` : ''}` };
}

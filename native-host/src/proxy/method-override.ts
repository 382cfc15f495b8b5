/**
 * Endpoint rules judge the request's own method, but many frameworks let a request name another one:
 * a `_method` parameter (Laravel, Symfony, Express's method-override, Rails' Rack middleware) or an
 * `X-HTTP-Method-Override` header (Express, ASP.NET, Google's front ends). A `POST /repos/x` that the
 * upstream runs as DELETE would pass a rule that blocks `DELETE /repos/*`, so such requests are
 * refused. Refused rather than stripped: without the override the upstream would run the POST, which
 * is not what the agent asked for either.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Header spellings that some framework honours as "use this method instead". */
export const METHOD_OVERRIDE_HEADERS: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/**
 * `_method`, as a server may read the name: percent- and form-decoded, any case, PHP's mangling of a
 * leading `.`, ` ` or `[` into `_`, and array forms such as `_method[]`. A bare `method` stays allowed
 * (Flickr and Last.fm name their calls with it).
 */
const OVERRIDE_PARAMETER = /^\s*[_. []method(?:\[.*)?$/i;

function decodedName(encoded: string): string {
  const spaced = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Some servers (Python before 3.9.2, old Java containers) split a query on `;` as well as `&`. */
function queryNames(query: string): string[] {
  return query.split(/[&;]/).map((pair) => decodedName(pair.split('=', 1)[0] ?? ''));
}

/** Why the request would make the upstream run another method, or null. `query` is raw, without `?`. */
export function methodOverrideProblem(headers: IncomingHttpHeaders, query: string): string | null {
  for (const header of METHOD_OVERRIDE_HEADERS) {
    if (headers[header] !== undefined) return `The ${header} header would change the method the upstream runs.`;
  }
  if (query !== '' && queryNames(query).some((name) => OVERRIDE_PARAMETER.test(name))) {
    return 'A _method query parameter would change the method the upstream runs.';
  }
  return null;
}

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
 * leading `.`, ` ` or `[` into `_`, array forms such as `_method[]`, and a name cut at a NUL byte
 * (`_method%00x`: PHP registers variables by their C-string name). A bare `method` stays allowed
 * (Flickr and Last.fm name their calls with it).
 */
const OVERRIDE_PARAMETER = /^\s*[_. []method(?:[[\0].*)?$/is;

/** Whether a server could read this parameter name (already decoded) as `_method`. */
export function isOverrideParameterName(name: string): boolean {
  return OVERRIDE_PARAMETER.test(name);
}

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * A form-encoded name as PHP and Rack decode it: `+` is a space, then each `%XX` one byte, whether or
 * not the bytes make UTF-8 (`%5Fmethod%00%FF` is still `_method` cut at a NUL); a malformed `%` stays.
 */
export function decodedName(encoded: string): string {
  return encoded.replace(/\+/g, ' ').replace(ESCAPE_RUN, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1'));
}

/**
 * The names in a query or an urlencoded body. Some servers (Python before 3.9.2, old Java containers,
 * Rack before 3) split on `;` as well as `&`.
 */
export function formNames(query: string): string[] {
  return query.split(/[&;]/).map((pair) => decodedName(pair.split('=', 1)[0] ?? ''));
}

/** Why the request would make the upstream run another method, or null. `query` is raw, without `?`. */
export function methodOverrideProblem(headers: IncomingHttpHeaders, query: string): string | null {
  for (const header of METHOD_OVERRIDE_HEADERS) {
    if (headers[header] !== undefined) return `The ${header} header would change the method the upstream runs.`;
  }
  if (query !== '' && formNames(query).some(isOverrideParameterName)) {
    return 'A _method query parameter would change the method the upstream runs.';
  }
  return null;
}

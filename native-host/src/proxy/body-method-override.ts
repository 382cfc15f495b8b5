/**
 * A `_method` field in a POST body makes the common frameworks run another method, exactly as the
 * query parameter does (method-override.ts), so a `POST /repos/x` with `_method=DELETE` would pass a
 * rule that blocks `DELETE /repos/*`. Which bodies they read, from their sources:
 * - PHP fills `$_POST` (what Symfony's and Laravel's `_method` reads) for a POST typed
 *   `application/x-www-form-urlencoded` or `multipart/form-data`, the type lower-cased and cut at the
 *   first `;`, `,` or space. Laravel also takes a JSON body's top-level fields as the form
 *   (`Request::createFromBase`, when the Content-Type contains `/json` or `+json`).
 * - Rack::MethodOverride (Rails, Sinatra) reads the form fields of a POST typed urlencoded or
 *   `multipart/form-data|mixed|related`, and of a POST with no Content-Type at all.
 * - Express's method-override reads what the app's body parser made of the body (its documented
 *   getter reads `req.body._method`); body-parser inflates gzip and deflate bodies and decodes JSON in
 *   any `utf-*` charset.
 * All of them override POST only (Rack's ALLOWED_METHODS, Symfony's getMethod, method-override's
 * default `methods`). A body of another type (`text/plain`, `application/octet-stream`) is read by
 * none of them, whatever it looks like, and passes unread; so do GETs and every other method.
 */
import { isContentCoded } from '../upstream/content-coding';
import type { AgentHeaders } from './agent-exchange';
import { decodedName, formNames, isOverrideParameterName } from './method-override';
import { multipartFieldNames } from './multipart-field-names';

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';
const CHARSET_PARAMETER = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** How an upstream framework may parse the body, from the Content-Type (a repeated field counts every value). */
interface BodyReadings {
  form: boolean;
  multipart: boolean;
  json: boolean;
}

function contentTypes(headers: AgentHeaders): string[] {
  const value = headers['content-type'];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function readingsOf(types: readonly string[]): BodyReadings {
  const mediaTypes = types.map((type) => type.trim().toLowerCase().split(/[;,\s]/, 1)[0] ?? '');
  return {
    // Rack reads a POST without a Content-Type as a form.
    form: mediaTypes.length === 0 || mediaTypes.some((type) => type === '' || type === FORM_MEDIA_TYPE),
    multipart: mediaTypes.some((type) => type.startsWith('multipart/')),
    json: types.some((type) => /[/+]json/i.test(type)),
  };
}

/** Whether an upstream could read a method override from this request's body (the body is not read). */
export function bodyMayOverrideMethod(method: string, headers: AgentHeaders): boolean {
  if (method.toUpperCase() !== 'POST') return false;
  const readings = readingsOf(contentTypes(headers));
  return readings.form || readings.multipart || readings.json;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The body as text: its bytes one character each (PHP and Rack ignore the charset, so `_method` in
 * plain ASCII counts whatever the label says; Latin-1 keeps every ASCII byte and decodes a 10 MiB
 * upload in milliseconds, where UTF-8 took hundreds), without a UTF-8 byte-order mark (body-parser
 * drops it), and also as the declared charset when that is not UTF-8. `null` for a charset Keygate
 * cannot decode (`utf-7`, `utf-32`, which body-parser decodes for JSON).
 */
function bodyTexts(body: Buffer, types: readonly string[]): string[] | null {
  const texts = [body.toString('latin1', body.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0)];
  for (const type of types) {
    const label = CHARSET_PARAMETER.exec(type)?.[1];
    if (label === undefined) continue;
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(label);
    } catch {
      return null;
    }
    if (decoder.encoding !== 'utf-8') texts.push(decoder.decode(body));
  }
  return texts;
}

function jsonFieldNames(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
}

const namesOverride = (names: readonly string[]) => names.some((name) => isOverrideParameterName(name) || isOverrideParameterName(decodedName(name)));

/** Why this POST body (read whole, as received) would make the upstream run another method, or null. */
export function bodyMethodOverrideProblem(headers: AgentHeaders, body: Buffer): string | null {
  const types = contentTypes(headers);
  const readings = readingsOf(types);
  if (isContentCoded(headers)) return 'A content-coded form body cannot be checked for a _method field; send it uncoded.';
  const texts = bodyTexts(body, types);
  if (texts === null) return 'The body\'s charset cannot be checked for a _method field; send it as UTF-8.';
  for (const text of texts) {
    if (readings.form && formNames(text).some(isOverrideParameterName)) return 'A _method field in the form body would change the method the upstream runs.';
    if (readings.multipart && namesOverride(multipartFieldNames(text))) return 'A multipart part named _method would change the method the upstream runs.';
    if (readings.json && namesOverride(jsonFieldNames(text))) return 'A top-level _method field in the JSON body would change the method the upstream runs.';
  }
  return null;
}

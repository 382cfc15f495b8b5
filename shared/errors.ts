/**
 * The one catalogue of Keygate error codes. Every error an agent, the popup or the native port can
 * see comes from here: a stable code, the HTTP status the proxy answers with, a message and a hint
 * the reader can act on. Messages never carry a secret.
 */
import { isPlainObject } from './validate';

export const ERRORS = {
  FRAME_TOO_LARGE: {
    status: 413,
    message: 'The native message is larger than the host accepts.',
    hint: 'Send smaller messages; the host caps inbound frames (default 8 MiB).',
  },
  FRAME_MALFORMED: {
    status: 400,
    message: 'The native message is not a JSON object.',
    hint: 'Each frame must be a uint32 little-endian length followed by one UTF-8 JSON object.',
  },
  MESSAGE_INVALID: {
    status: 400,
    message: 'The message is missing fields or has fields of the wrong type.',
    hint: 'Check the message against shared/protocol.ts.',
  },
  MESSAGE_TYPE_UNKNOWN: {
    status: 400,
    message: 'The host does not know this message type.',
    hint: 'Update the extension and the host to the same version.',
  },
  CALLER_NOT_ALLOWED: {
    status: 403,
    message: 'The host was started by a browser extension it does not trust.',
    hint: 'Re-run `keygate-host install --extension-id ID` with the id shown on the extensions page.',
  },
  HOST_NOT_INSTALLED: {
    status: 503,
    message: 'The Keygate native host is not registered with this browser.',
    hint: 'Run `keygate-host install --browser chromium` (or your browser; see the README), then try again.',
  },
  HOST_FORBIDDEN: {
    status: 503,
    message: 'The native host manifest does not allow this extension.',
    hint: 'Run `keygate-host install --extension-id ID` with this extension\'s id.',
  },
  HOST_EXITED: {
    status: 503,
    message: 'The native host stopped.',
    hint: 'Keygate restarts it automatically; run `keygate-host doctor` if it keeps stopping.',
  },
  HOST_TIMEOUT: {
    status: 504,
    message: 'The native host did not answer in time.',
    hint: 'Run `keygate-host doctor` to check the host.',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Keygate hit an unexpected error.',
    hint: 'The host log on stderr has details; please report it.',
  },
  VAULT_LOCKED: {
    status: 423,
    message: 'The vault is locked.',
    hint: 'Ask the user to unlock Keygate (the browser toolbar popup), then retry.',
  },
  VAULT_PASSWORD_WRONG: {
    status: 401,
    message: 'The master password does not open this vault.',
    hint: 'Check the password (and keyboard layout) and try again; an altered vault file fails the same way.',
  },
  VAULT_CORRUPT: {
    status: 422,
    message: 'The vault data is damaged or not in a format Keygate understands.',
    hint: 'Restore the vault from an export file, or update Keygate if the vault came from a newer version.',
  },
  VAULT_KDF_TOO_WEAK: {
    status: 422,
    message: 'The vault asks for key-derivation settings weaker than Keygate allows.',
    hint: 'Keygate needs Argon2id with at least 64 MiB memory and 2 passes; this vault may have been tampered with.',
  },
  VAULT_EXISTS: {
    status: 409,
    message: 'A vault already exists in this browser profile.',
    hint: 'Unlock the existing vault, or import an export file to replace it.',
  },
  VAULT_NOT_FOUND: {
    status: 404,
    message: 'No vault has been created in this browser profile yet.',
    hint: 'Ask the user to create a Keygate vault (or import an export file), then retry.',
  },
  CREDENTIAL_TAMPERED: {
    status: 422,
    message: 'A stored credential failed its integrity check and was not used.',
    hint: 'Delete the credential and add the key again; the other credentials stay usable.',
  },
  CREDENTIAL_NOT_FOUND: {
    status: 404,
    message: 'The vault has no credential for this service (or with this id).',
    hint: 'Add an API key for the service in the Keygate popup, then retry.',
  },
  CREDENTIAL_INVALID: {
    status: 422,
    message: 'The credential details are not valid.',
    hint: 'Use a service of 1-40 characters a-z, 0-9 or "-", a name of 1-80 characters and a known key kind.',
  },
  IMPORT_INVALID: {
    status: 422,
    message: 'The file is not a valid Keygate vault export.',
    hint: 'Choose a file made by "Export vault" in Keygate, unedited; the detail names the first wrong field.',
  },
  PASSWORD_TOO_WEAK: {
    status: 422,
    message: 'The master password is too easy to guess.',
    hint: 'Use a longer passphrase (four or more unrelated words, or 14+ mixed characters) that you use nowhere else.',
  },
  VAULT_BUSY: {
    status: 409,
    message: 'The vault is busy unlocking.',
    hint: 'Wait for the unlock in progress to finish, then try again.',
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    message: 'The Host header does not name Keygate on this machine.',
    hint: 'Call http://127.0.0.1:PORT, http://localhost:PORT or http://[::1]:PORT directly; other names are refused to stop DNS rebinding.',
  },
  HOST_HEADER_INVALID: {
    status: 400,
    message: 'The request has no Host header or more than one.',
    hint: 'Send exactly one Host header.',
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    message: 'Requests from this web origin are not allowed.',
    hint: 'Add the origin to [proxy] allowed_origins in the policy if this page should reach Keygate.',
  },
  NON_CANONICAL_PATH: {
    status: 400,
    message: 'The request path is not in canonical form.',
    hint: 'Send the path without dot segments, doubled or encoded slashes, backslashes, ";" or encoded letters.',
  },
  SERVICE_UNKNOWN: {
    status: 404,
    message: 'No Keygate service is served at this path.',
    hint: 'Use /openai/…, /anthropic/…, /binance/… or /custom/NAME/… (GET /_keygate/status lists what you may use).',
  },
  WEBSOCKET_NOT_SUPPORTED: {
    status: 501,
    message: 'Keygate does not proxy WebSocket connections (such as a realtime API); nothing was sent upstream.',
    hint: 'Use the service\'s HTTP endpoints; streamed answers (server-sent events) pass through Keygate.',
  },
  CONNECT_NOT_SUPPORTED: {
    status: 501,
    message: 'Keygate is not a forward proxy: it opens no CONNECT tunnels; nothing was sent anywhere.',
    hint: 'Point the client\'s base URL at Keygate (http://127.0.0.1:PORT/openai, /anthropic, /binance or /custom/NAME) instead of setting Keygate as HTTP_PROXY or HTTPS_PROXY.',
  },
  EXPECTATION_UNSUPPORTED: {
    status: 417,
    message: 'Keygate supports no Expect header but "100-continue"; nothing was sent upstream.',
    hint: 'Send the request without the Expect header (or with Expect: 100-continue).',
  },
  SCOPE_DENIED: {
    status: 403,
    message: 'This agent key may not use this service.',
    hint: 'Ask the user to add the scope to the agent key in Keygate\'s options page (GET /_keygate/status shows your scopes).',
  },
  ENDPOINT_BLOCKED: {
    status: 403,
    message: 'The policy blocks this endpoint.',
    hint: 'This call is not allowed through Keygate; the detail names the rule. Ask the user if it should be.',
  },
  METHOD_OVERRIDE_REFUSED: {
    status: 400,
    message: 'The request asks the upstream to run another HTTP method.',
    hint: 'Send the request with the method you mean (DELETE, PUT, …), with no _method field (query, form, multipart or top-level JSON) and no X-HTTP-Method-Override header: endpoint rules judge the method itself. A form or JSON body Keygate cannot read (content-coded, or JSON in a charset other than UTF-8/UTF-16) is refused too: send it plain.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'The rate limit for this service is used up.',
    hint: 'Wait for the number of seconds in the Retry-After header, then retry.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request (headers and body) did not arrive in time.',
    hint: 'Send the whole request at once; Keygate closes connections that trickle past [proxy] request_timeout_seconds.',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than the policy allows.',
    hint: 'Send a smaller body, or raise [proxy] max_request_body_bytes in the policy.',
  },
  REQUEST_HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request headers are larger than Keygate accepts (16 KiB in all, as on the HTTP proxy).',
    hint: 'Send fewer or shorter headers.',
  },
  UPSTREAM_UNREACHABLE: {
    status: 502,
    message: 'Keygate could not reach the upstream API.',
    hint: 'Check the network and the service base_url in the policy, then retry.',
  },
  UPSTREAM_CERTIFICATE_INVALID: {
    status: 502,
    message: 'The TLS certificate of the upstream API (or of the egress proxy) could not be verified, so nothing was sent.',
    hint: 'Check the service base_url and upstream_proxy in the policy. If your network inspects TLS with its own CA, give Node that CA with NODE_EXTRA_CA_CERTS.',
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    message: 'The upstream API did not answer in time.',
    hint: 'Retry later, or raise [proxy] upstream_timeout_seconds in the policy.',
  },
  UPSTREAM_ENCODING_REFUSED: {
    status: 502,
    message: 'The upstream API answered with a compressed body although Keygate asked for an uncompressed one; Keygate cannot check it for echoed keys, so it was not relayed.',
    hint: 'Retry without relying on compression (Keygate always asks for identity). If the upstream always compresses, it cannot be used through Keygate.',
  },
  UPSTREAM_RANGE_REFUSED: {
    status: 502,
    message: 'The upstream API answered with part of a body (206), which this service\'s policy does not allow.',
    hint: 'Request the whole resource. For a custom service that serves files, the user can set allow_ranges = true in its policy.',
  },
  PROXY_PORT_IN_USE: {
    status: 503,
    message: 'Keygate could not listen on the configured port.',
    hint: 'Another program (or another Keygate) uses the port; stop it or set [proxy] port in the policy.',
  },
  ALL_CREDENTIALS_FAILED: {
    status: 502,
    message: 'Every credential for this service was refused by the upstream API.',
    hint: 'The detail lists each credential and why it failed; the user must replace the dead keys in the Keygate popup.',
  },
  AGENT_KEY_MISSING: {
    status: 401,
    message: 'The request carries no Keygate agent key.',
    hint: 'Send your pk_ key as "Authorization: Bearer pk_…" or "x-api-key: pk_…"; SDKs do this when you pass it as their API key.',
  },
  AGENT_KEY_IN_QUERY: {
    status: 400,
    message: 'The URL\'s query string holds a Keygate agent key (pk_…), which would have gone to the upstream with it; nothing was sent.',
    hint: 'Send the key in the Authorization header (Bearer pk_…) or in x-api-key, never in the URL: URLs end up in logs.',
  },
  AGENT_KEY_INVALID: {
    status: 401,
    message: 'The agent key is not accepted: it is unknown, disabled, expired or malformed.',
    hint: 'Use the pk_ key exactly as shown when it was created, or ask the user to create or re-enable one in Keygate\'s options page.',
  },
  GRANT_MISSING: {
    status: 403,
    message: 'This site or extension has no Keygate grant.',
    hint: 'Ask the user to allow it in Keygate (options page, "Sites & extensions", or the popup\'s "Allow this site").',
  },
  GRANT_DISABLED: {
    status: 403,
    message: 'This site\'s or extension\'s Keygate grant is disabled.',
    hint: 'Ask the user to re-enable the grant in Keygate\'s options page ("Sites & extensions").',
  },
  GRANT_EXPIRED: {
    status: 403,
    message: 'This site\'s or extension\'s Keygate grant has expired.',
    hint: 'Ask the user to renew the grant in Keygate\'s options page ("Sites & extensions").',
  },
  POLICY_INVALID: {
    status: 422,
    message: 'The policy is not valid, so it was not applied; the running policy stays in force.',
    hint: 'Fix each field listed (with its line in the policy) and load the policy again.',
  },
  BINANCE_PARAMETER_DUPLICATE: {
    status: 400,
    message: 'A Binance request parameter was sent more than once.',
    hint: 'Send each parameter once, in one spelling of case, in the query string or the form body but not both (the detail names it); Keygate adds timestamp, recvWindow and signature itself.',
  },
  BINANCE_REQUEST_INVALID: {
    status: 400,
    message: 'Keygate could not read the parameters of this Binance request.',
    hint: 'Send parameters as a percent-encoded UTF-8 query string or an application/x-www-form-urlencoded body; the detail says what is wrong.',
  },
  CREDENTIAL_FORMAT_INVALID: {
    status: 422,
    message: 'A stored credential is not in the format its key kind needs, so it was not used.',
    hint: 'Replace it in the Keygate popup: a Binance HMAC key is a 64-character API key and secret key; an Ed25519 or RSA key is the API key and an unencrypted PEM private key of that type.',
  },
  ORDER_VALUE_UNKNOWN: {
    status: 422,
    message: 'Keygate could not work out what this Binance order is worth in US dollars, so it was not sent.',
    hint: 'Send plain decimal quantities and prices (digits and one ".", no exponent or sign); for a market order give quoteOrderQty or retry when prices are available; orders quoted in an asset without a USDT market are refused (the detail says which field).',
  },
  ORDER_VALUE_EXCEEDED: {
    status: 403,
    message: 'The order is worth more than the policy allows for a single Binance order.',
    hint: 'Split it into smaller orders, or ask the user to raise max_order_value_usd in the [services.binance] policy.',
  },
  DAILY_VOLUME_EXCEEDED: {
    status: 403,
    message: 'This order would take today\'s Binance volume past the daily cap.',
    hint: 'The cap resets at 00:00 UTC; send a smaller order, wait, or ask the user to raise daily_volume_usd in the [services.binance] policy. Orders Binance rejects do not count.',
  },
  LEDGER_CORRUPT: {
    status: 503,
    message: 'The Binance daily-volume ledger cannot be read, so trading is paused.',
    hint: 'The detail names the file; restore it from a backup or, if you accept losing today\'s count, move it aside.',
  },
  LEDGER_IN_USE: {
    status: 503,
    message: 'Another Keygate process is trading with this data directory, so this one does not.',
    hint: 'Its daily-volume ledger holds the cap, and only one process may keep it: ask the user to stop the other Keygate (the detail names its process id), then try again.',
  },
  CLIENT_DISCONNECTED: {
    status: 499,
    message: 'The agent closed the connection before the response was complete.',
    hint: 'Nothing to fix on Keygate\'s side; the upstream request was closed too.',
  },
  HTTP_REQUEST_MALFORMED: {
    status: 400,
    message: 'The request is not valid HTTP/1.1 (for example a lower-case method or a broken header).',
    hint: 'Send a standard HTTP request; SDKs and curl do.',
  },
  GRANT_INVALID: {
    status: 422,
    message: 'The grant details are not valid.',
    hint: 'Name one origin (https://app.example, http://localhost:3000) or one extension id, and at least one scope.',
  },
  GRANT_PERMISSION_DENIED: {
    status: 403,
    message: 'The browser did not give Keygate access to this site.',
    hint: 'Ask the user to give Keygate access to this site: accept the browser\'s prompt when granting, or, if access was removed in the browser\'s settings, click "Ask the browser again" in Keygate\'s options ("Sites & extensions").',
  },
  GRANT_OPEN_REQUESTS_EXCEEDED: {
    status: 429,
    message: 'This site or extension already has as many Keygate requests open at once as one grant may.',
    hint: 'Wait for open calls to finish (read their answers to the end, or abort those you no longer need), then retry; send fewer requests at once.',
  },
  HOST_NOT_CONNECTED: {
    status: 503,
    message: 'Keygate\'s native host is not connected.',
    hint: 'Open the Keygate popup: it shows why the host is away and how to fix it; then retry.',
  },
  ANSWER_TOO_LARGE: {
    status: 413,
    message: 'The answer is larger than Keygate returns in one runtime.sendMessage reply (8 MiB), so it was dropped; the upstream API did receive the request.',
    hint: 'Make calls with large answers over a port (keygate-client\'s fetch, or runtime.connect), which streams answers of any size. Check whether this call took effect before repeating it.',
  },
  BULK_FETCH_REFUSED: {
    status: 403,
    message: 'This loopback address carries answers to Keygate\'s own extension only.',
    hint: 'Nothing here is for other programs or pages; agents call Keygate through its proxy port or window.keygate.',
  },
  BULK_LANE_BROKEN: {
    status: 499,
    message: 'The extension did not fetch the rest of a large answer in time, or its connection closed before the answer\'s end.',
    hint: 'The upstream call was closed; retry. If it keeps happening, reload the Keygate extension.',
  },
} as const satisfies Record<string, { status: number; message: string; hint: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** An error body as it arrives over the native port: a known code, a message, maybe a hint. */
export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    isPlainObject(value) &&
    isErrorCode(value.code) &&
    typeof value.message === 'string' &&
    (value.hint === undefined || typeof value.hint === 'string')
  );
}

/** An error that carries a catalogue code; `detail` is appended to the catalogue message. */
export class KeygateError extends Error {
  readonly code: ErrorCode;
  /** What this occurrence adds to the catalogue message (never a secret). */
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${ERRORS[code].message} ${detail}` : ERRORS[code].message);
    this.name = 'KeygateError';
    this.code = code;
    this.detail = detail;
  }

  /** Rebuilds an error received from the other side of the native port, keeping its message. */
  static fromBody(body: ErrorBody): KeygateError {
    const error = new KeygateError(body.code);
    error.message = body.message;
    return error;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, hint: ERRORS[this.code].hint };
  }
}

export function errorBody(code: ErrorCode, detail?: string): ErrorBody {
  return new KeygateError(code, detail).toBody();
}

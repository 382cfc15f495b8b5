/**
 * The catalogue's second voice: what a PERSON should do about an error, per mode. The catalogue's
 * own `hint` (shared/errors.ts) speaks to the agent and travels in HTTP and bridge bodies; these
 * are shown by the popup and the options page (browser mode) or said on serve's stderr (headless).
 * Each mode names only controls it has: the browser has the popup and the options page, headless
 * has `keygate-host` commands, the vault file and the policy file. A unit test holds both to that.
 */
import { type ErrorCode, ERRORS } from './errors';

export type HintMode = 'browser' | 'headless';

type PersonHints = Readonly<Record<HintMode, string>>;

const RESTART_HOST: PersonHints = {
  browser: 'Reopen the popup; if it persists, run `keygate-host doctor` in a terminal and reinstall the host if it says so.',
  headless: 'Update Keygate so the host and the files it reads are the same version.',
};

/** Grants and the native bridge serve browser agents only; a headless proxy never answers these codes. */
const BROWSER_AGENTS_ONLY = 'Browser agents (sites and extensions) use the browser’s Keygate; with a headless proxy, agents call it over HTTP with a pk_ key.';

export const PERSON_HINTS: Readonly<Record<ErrorCode, PersonHints>> = {
  FRAME_TOO_LARGE: RESTART_HOST,
  FRAME_MALFORMED: RESTART_HOST,
  MESSAGE_INVALID: RESTART_HOST,
  MESSAGE_TYPE_UNKNOWN: {
    browser: 'The extension and the native host are different versions: run `keygate-host install` from the same Keygate version as the extension.',
    headless: 'Update keygate-host; this command comes from another version.',
  },
  CALLER_NOT_ALLOWED: {
    browser: 'Run `keygate-host install --extension-id ID` in a terminal with the id shown on the browser’s extensions page.',
    headless: 'The native host is for browsers; for a server use `keygate-host serve`.',
  },
  HOST_NOT_INSTALLED: {
    browser: 'Run `keygate-host install` in a terminal (see the README), then reopen this popup.',
    headless: 'Nothing to do for serve: it needs no browser registration.',
  },
  HOST_FORBIDDEN: {
    browser: 'Run `keygate-host install --extension-id ID` in a terminal with this extension’s id, then reopen this popup.',
    headless: 'Nothing to do for serve: it needs no browser registration.',
  },
  HOST_EXITED: {
    browser: 'Keygate restarts the host by itself; if it keeps stopping, run `keygate-host doctor` in a terminal.',
    headless: 'serve stopped: read its last lines on stderr, then start it again.',
  },
  HOST_TIMEOUT: {
    browser: 'Reopen the popup; if it persists, run `keygate-host doctor` in a terminal.',
    headless: 'Start serve again; if it persists, check the machine’s load.',
  },
  INTERNAL_ERROR: {
    browser: 'Try again; if it persists, please report it (the browser’s extension page shows the background log).',
    headless: 'serve’s stderr has the details; please report it.',
  },
  VAULT_LOCKED: {
    browser: 'Unlock Keygate in the toolbar popup (or on any options page) with your master password.',
    headless: 'serve locks after idle_lock_minutes without requests: restart `keygate-host serve` with the password, or raise idle_lock_minutes in the policy file.',
  },
  VAULT_PASSWORD_WRONG: {
    browser: 'Check the password and the keyboard layout, and try again.',
    headless: 'Check KEYGATE_PASSWORD (or what you typed) and the keyboard layout; an altered vault file fails the same way.',
  },
  VAULT_CORRUPT: {
    browser: 'Restore the vault from an export file (Options → Backup & security), or update Keygate if the vault came from a newer version.',
    headless: 'Restore the vault file from a backup copy, or update keygate-host if the file came from a newer version.',
  },
  VAULT_KDF_TOO_WEAK: {
    browser: 'Do not use this vault: its key settings are weaker than Keygate allows and it may have been tampered with. Restore an export you trust.',
    headless: 'Do not use this vault file: its key settings are weaker than Keygate allows and it may have been tampered with. Restore a copy you trust.',
  },
  VAULT_EXISTS: {
    browser: 'Unlock the existing vault, or replace it by importing an export file (Options → Backup & security).',
    headless: 'The file exists; choose another --file, or move the old one aside yourself.',
  },
  VAULT_NOT_FOUND: {
    browser: 'Create a vault in the toolbar popup, or import an export file (Options → Backup & security).',
    headless: 'Create one with `keygate-host vault init --file FILE`, or use the extension’s export file.',
  },
  CREDENTIAL_TAMPERED: {
    browser: 'Delete this credential and add the key again (Options → Credentials); the other credentials keep working.',
    headless: 'Remove it with `keygate-host vault remove` and add the key again with `keygate-host vault add`; the other credentials keep working.',
  },
  CREDENTIAL_NOT_FOUND: {
    browser: 'Add an API key for this service in the popup or Options → Credentials.',
    headless: 'Add one with `keygate-host vault add --service NAME`, then reload serve (SIGHUP).',
  },
  CREDENTIAL_INVALID: {
    browser: 'Pick a service, give the key a name of 1–80 characters, and paste the key.',
    headless: 'Use --service of 1–40 characters a–z, 0–9 or "-", a --name of 1–80 characters and a known --kind.',
  },
  IMPORT_INVALID: {
    browser: 'Choose a file made by Export in Keygate, unedited; the message names the first wrong field.',
    headless: 'Use a file made by the extension’s Export or by `keygate-host vault init`, unedited.',
  },
  PASSWORD_TOO_WEAK: {
    browser: 'Use a longer passphrase (four or more unrelated words, or 14+ mixed characters) that you use nowhere else.',
    headless: 'Use a longer passphrase (four or more unrelated words, or 14+ mixed characters) that you use nowhere else.',
  },
  VAULT_BUSY: {
    browser: 'An unlock is still running; wait for it to finish.',
    headless: 'Another command is changing the vault file; try again in a moment.',
  },
  HOST_NOT_ALLOWED: {
    browser: 'An agent called Keygate under a name other than 127.0.0.1 or localhost; point it at http://127.0.0.1:PORT.',
    headless: 'An agent called Keygate under a name other than 127.0.0.1 or localhost; point it at http://127.0.0.1:PORT.',
  },
  HOST_HEADER_INVALID: {
    browser: 'An agent sent a broken request; update the agent or its HTTP library.',
    headless: 'An agent sent a broken request; update the agent or its HTTP library.',
  },
  ORIGIN_NOT_ALLOWED: {
    browser: 'A web page tried to call the proxy. To let a site use Keygate, grant it in Options → Sites & extensions instead.',
    headless: 'A web page tried to call the proxy; add its origin to [proxy] allowed_origins in the policy file only if you trust it.',
  },
  NON_CANONICAL_PATH: {
    browser: 'An agent sent an unusual path spelling, which Keygate refuses; fix the agent’s URL.',
    headless: 'An agent sent an unusual path spelling, which Keygate refuses; fix the agent’s URL.',
  },
  SERVICE_UNKNOWN: {
    browser: 'The agent asked for a service Keygate does not know; add it as a custom API in Options → Services, or fix the agent’s base URL.',
    headless: 'The agent asked for a service Keygate does not serve; add a [custom.NAME] section to the policy file, or fix the agent’s base URL.',
  },
  WEBSOCKET_NOT_SUPPORTED: {
    browser: 'Keygate does not proxy WebSocket (realtime) APIs; the agent must use the HTTP endpoints.',
    headless: 'Keygate does not proxy WebSocket (realtime) APIs; the agent must use the HTTP endpoints.',
  },
  CONNECT_NOT_SUPPORTED: {
    browser: 'The agent used Keygate as its HTTP(S) proxy; set Keygate as its API base URL instead (http://127.0.0.1:PORT/SERVICE, the port the popup shows).',
    headless: 'The agent used Keygate as its HTTP(S) proxy; set Keygate as its API base URL instead (http://127.0.0.1:PORT/SERVICE).',
  },
  EXPECTATION_UNSUPPORTED: {
    browser: 'The agent’s HTTP client sent an Expect header Keygate does not support; it must send the request without it.',
    headless: 'The agent’s HTTP client sent an Expect header Keygate does not support; it must send the request without it.',
  },
  SCOPE_DENIED: {
    browser: 'If this agent should use the service, add the scope to its key in Options → Agents.',
    headless: 'If this agent should use the service, create a key with that scope (`keygate-host agent create --scopes …`) and remove the old one.',
  },
  ENDPOINT_BLOCKED: {
    browser: 'Your policy blocks this call. If it should be allowed, change the service’s endpoint rules in Options → Services (fund-moving Binance endpoints stay blocked).',
    headless: 'Your policy blocks this call. If it should be allowed, change the service’s endpoint rules in the policy file and reload serve (fund-moving Binance endpoints stay blocked).',
  },
  RATE_LIMITED: {
    browser: 'The service’s rate limit is used up; raise it in Options → Services if it is too low.',
    headless: 'The service’s rate limit is used up; raise rate_limit in the policy file and reload serve if it is too low.',
  },
  REQUEST_TOO_LARGE: {
    browser: 'Raise the request size limit (max_request_body_bytes) in Options → Services → policy, if the agent needs it.',
    headless: 'Raise [proxy] max_request_body_bytes in the policy file and reload serve, if the agent needs it.',
  },
  REQUEST_HEADERS_TOO_LARGE: {
    browser: 'A site or extension sent oversized request headers; nothing to change in Keygate unless it keeps happening with a trusted one.',
    headless: 'An agent sent oversized request headers; nothing to change in Keygate.',
  },
  UPSTREAM_UNREACHABLE: {
    browser: 'Check the network, and the service’s base URL and egress proxy in Options → Services.',
    headless: 'Check the network, and the service’s base_url and upstream_proxy in the policy file.',
  },
  UPSTREAM_CERTIFICATE_INVALID: {
    browser: 'Check the base URL in Options → Services. If your network inspects TLS, reinstall the host with `keygate-host install --extra-ca-certs FILE.pem`.',
    headless: 'Check base_url and upstream_proxy in the policy file. If your network inspects TLS, start serve with NODE_EXTRA_CA_CERTS=FILE.pem.',
  },
  UPSTREAM_TIMEOUT: {
    browser: 'The API was slow; if it happens often, raise upstream_timeout_seconds in Options → Services → policy.',
    headless: 'The API was slow; if it happens often, raise [proxy] upstream_timeout_seconds in the policy file.',
  },
  UPSTREAM_ENCODING_REFUSED: {
    browser: 'The API answered compressed although Keygate asked it not to, so the answer was refused (a compressed echo of the key could not be scrubbed). Check the service’s base URL in Options → Services.',
    headless: 'The API answered compressed although Keygate asked it not to, so the answer was refused (a compressed echo of the key could not be scrubbed). Check base_url in the policy file.',
  },
  UPSTREAM_RANGE_REFUSED: {
    browser: 'The API answered with part of a document although ranges are off for it. If this custom API serves files, allow ranges for it in the policy (allow_ranges).',
    headless: 'The API answered with part of a document although ranges are off for it. If this custom API serves files, set allow_ranges = true for it in the policy file.',
  },
  PROXY_PORT_IN_USE: {
    browser: 'Another program uses the proxy port: stop it, or choose another port in the policy ([proxy] port, Options → Services).',
    headless: 'Another program uses the port (serve names it when it can): stop it, or start serve with --port N.',
  },
  ALL_CREDENTIALS_FAILED: {
    browser: 'Every key for this service was refused: replace the dead keys in Options → Credentials (the message says why each failed).',
    headless: 'Every key for this service was refused: add a working key with `keygate-host vault add`, remove the dead ones, and reload serve.',
  },
  AGENT_KEY_MISSING: {
    browser: 'The agent sent no pk_ key: give it one from Options → Agents as its API key.',
    headless: 'The agent sent no pk_ key: give it one from `keygate-host agent create` as its API key.',
  },
  AGENT_KEY_IN_QUERY: {
    browser: 'The agent put its pk_ key in a URL; it must send it in the Authorization or x-api-key header instead.',
    headless: 'The agent put its pk_ key in a URL; it must send it in the Authorization or x-api-key header instead.',
  },
  AGENT_KEY_INVALID: {
    browser: 'The agent’s pk_ key is unknown, disabled or expired: re-enable it or create a new one in Options → Agents.',
    headless: 'The agent’s pk_ key is unknown, disabled or expired: `keygate-host agent enable`, or create a new one with `keygate-host agent create`, then reload serve.',
  },
  POLICY_INVALID: {
    browser: 'Fix each field listed (with its line) and apply again; the running policy stays until then.',
    headless: 'Fix each field listed (with its line) in the policy file; the running policy stays until then.',
  },
  REQUEST_TIMEOUT: {
    browser: 'An agent sent its request too slowly and was cut off; if a real agent needs longer, raise request_timeout_seconds in the policy (Options → Services).',
    headless: 'An agent sent its request too slowly and was cut off; if a real agent needs longer, raise [proxy] request_timeout_seconds in the policy file.',
  },
  METHOD_OVERRIDE_REFUSED: {
    browser: 'The agent tried to change the HTTP method with an override (_method in the query or body, X-HTTP-Method-Override), or sent a form body Keygate could not check for one; Keygate refuses that. Fix the agent.',
    headless: 'The agent tried to change the HTTP method with an override (_method in the query or body, X-HTTP-Method-Override), or sent a form body Keygate could not check for one; Keygate refuses that. Fix the agent.',
  },
  BINANCE_PARAMETER_DUPLICATE: {
    browser: 'The agent sent a Binance parameter twice; fix the agent.',
    headless: 'The agent sent a Binance parameter twice; fix the agent.',
  },
  BINANCE_REQUEST_INVALID: {
    browser: 'The agent sent Binance parameters Keygate cannot read; fix the agent.',
    headless: 'The agent sent Binance parameters Keygate cannot read; fix the agent.',
  },
  CREDENTIAL_FORMAT_INVALID: {
    browser: 'Replace the key in Options → Credentials: a Binance HMAC key is a 64-character API key and secret; Ed25519 and RSA keys need the API key and an unencrypted PEM private key.',
    headless: 'Add the key again with `keygate-host vault add --service binance` (JSON with api_key and secret_key or private_key_pem) and remove the old one.',
  },
  ORDER_VALUE_UNKNOWN: {
    browser: 'Keygate could not price this order, so it was not sent; the agent should give plain decimal quantities and prices.',
    headless: 'Keygate could not price this order, so it was not sent; the agent should give plain decimal quantities and prices.',
  },
  ORDER_VALUE_EXCEEDED: {
    browser: 'The order is above your per-order cap; raise max order value in Options → Services → Binance if you want to allow it.',
    headless: 'The order is above your per-order cap; raise max_order_value_usd in the policy file and reload serve if you want to allow it.',
  },
  DAILY_VOLUME_EXCEEDED: {
    browser: 'Today’s Binance volume cap is reached (it resets at 00:00 UTC); raise it in Options → Services → Binance if you want to.',
    headless: 'Today’s Binance volume cap is reached (it resets at 00:00 UTC); raise daily_volume_usd in the policy file and reload serve if you want to.',
  },
  LEDGER_CORRUPT: {
    browser: 'Trading is paused: the daily-volume ledger in the host’s data folder cannot be read; restore it or move it aside (you lose today’s count).',
    headless: 'Trading is paused: the daily-volume ledger in serve’s --data-dir cannot be read; restore it or move it aside (you lose today’s count).',
  },
  LEDGER_IN_USE: {
    browser: 'Another Keygate process trades with the same data folder (the message names its process id); stop it to trade from the browser.',
    headless: 'Another Keygate (the browser’s host or another serve) trades with this --data-dir; stop it, or give serve its own --data-dir.',
  },
  CLIENT_DISCONNECTED: {
    browser: 'The agent hung up before the answer was complete; nothing to fix in Keygate.',
    headless: 'The agent hung up before the answer was complete; nothing to fix in Keygate.',
  },
  HTTP_REQUEST_MALFORMED: {
    browser: 'Something on this machine sent Keygate a broken request; if it was your agent, update its HTTP library.',
    headless: 'Something on this machine sent Keygate a broken request; if it was your agent, update its HTTP library.',
  },
  GRANT_MISSING: {
    browser: 'A site or extension tried to use Keygate without a grant; allow it in Options → Sites & extensions (or the popup’s “Allow this site”) if you trust it.',
    headless: BROWSER_AGENTS_ONLY,
  },
  GRANT_DISABLED: {
    browser: 'The grant is turned off; enable it in Options → Sites & extensions if the site or extension should use Keygate again.',
    headless: BROWSER_AGENTS_ONLY,
  },
  GRANT_EXPIRED: {
    browser: 'The grant’s “valid through” date has passed; grant it again in Options → Sites & extensions if you still want it.',
    headless: BROWSER_AGENTS_ONLY,
  },
  GRANT_INVALID: {
    browser: 'Name one origin (https://app.example, http://localhost:3000, no path) or one extension id, and tick at least one scope.',
    headless: BROWSER_AGENTS_ONLY,
  },
  GRANT_PERMISSION_DENIED: {
    browser: 'Keygate needs the browser’s access to the site to offer window.keygate there: accept its prompt when you grant, or, if access was removed in the browser’s extension settings, click “Ask the browser again” in Options → Sites & extensions.',
    headless: BROWSER_AGENTS_ONLY,
  },
  GRANT_OPEN_REQUESTS_EXCEEDED: {
    browser: 'A site or extension had as many Keygate calls open at once as one grant may, and its further calls were refused until some finished; if it keeps happening, it starts calls it never finishes.',
    headless: BROWSER_AGENTS_ONLY,
  },
  HOST_NOT_CONNECTED: {
    browser: 'The native host is not running; the popup shows why and how to fix it (often `keygate-host install`, then reopen the popup).',
    headless: BROWSER_AGENTS_ONLY,
  },
  ANSWER_TOO_LARGE: {
    browser: 'An extension asked Keygate for an answer too large for one message; nothing to change in Keygate (the extension should use the client module’s streaming fetch).',
    headless: BROWSER_AGENTS_ONLY,
  },
  BULK_FETCH_REFUSED: {
    browser: 'A program on this computer called the address Keygate\'s extension fetches large answers from; it was refused and nothing leaked. Nothing to fix in Keygate.',
    headless: BROWSER_AGENTS_ONLY,
  },
  BULK_LANE_BROKEN: {
    browser: 'A large answer to a site or extension broke off between Keygate\'s host and the extension; retry. If it repeats, reload Keygate on the browser\'s extensions page.',
    headless: BROWSER_AGENTS_ONLY,
  },
};

/**
 * Where the catalogue's agent hint names a control of one mode only, the headless proxy says this
 * instead (the browser's host keeps the catalogue's text, which is written for the browser).
 */
export const HEADLESS_AGENT_HINTS: Partial<Readonly<Record<ErrorCode, string>>> = {
  VAULT_LOCKED: 'Ask the operator to restart `keygate-host serve` with the master password (it locks after idle_lock_minutes without requests), then retry.',
  CREDENTIAL_NOT_FOUND: 'Ask the operator to add an API key for the service (`keygate-host vault add`) and reload serve, then retry.',
  SCOPE_DENIED: 'Ask the operator for an agent key with this scope (`keygate-host agent create --scopes …`); GET /_keygate/status shows your scopes.',
  ALL_CREDENTIALS_FAILED: 'The detail lists each credential and why it failed; the operator must replace the dead keys (`keygate-host vault add`) and reload serve.',
  AGENT_KEY_INVALID: 'Use the pk_ key exactly as printed by `keygate-host agent create`, or ask the operator to create or re-enable one.',
  CREDENTIAL_FORMAT_INVALID: 'Ask the operator to add the Binance key again with `keygate-host vault add --service binance` (api_key with secret_key, or private_key_pem).',
  GRANT_MISSING: BROWSER_AGENTS_ONLY,
  GRANT_DISABLED: BROWSER_AGENTS_ONLY,
  GRANT_EXPIRED: BROWSER_AGENTS_ONLY,
  GRANT_PERMISSION_DENIED: BROWSER_AGENTS_ONLY,
  HOST_NOT_CONNECTED: BROWSER_AGENTS_ONLY,
};

export function personHint(code: ErrorCode, mode: HintMode): string {
  return PERSON_HINTS[code][mode];
}

/** The hint an agent's error body carries, from a proxy running in `mode`. */
export function agentHint(code: ErrorCode, mode: HintMode): string {
  return (mode === 'headless' ? HEADLESS_AGENT_HINTS[code] : undefined) ?? ERRORS[code].hint;
}

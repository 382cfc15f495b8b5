/**
 * URL-valued policy settings: upstream base URLs, egress proxies and allowed browser origins. Each is
 * accepted only in canonical form, so what the options page shows is exactly what the proxy uses.
 * Messages never echo a URL that carried credentials.
 */
import { type Check, Invalid, stringWith } from './policy-checks';

/** Plain http is safe only when the bytes never leave the machine (the tests' mock upstreams). */
function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function parseAbsoluteUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** A path prefix such as `/v1` or `/openai/deployments/gpt-4o`: plain segments only. */
const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)*$/;

/** `https://host[:port][/prefix]`; returned without a trailing slash. */
export function parseBaseUrl(text: string): string | Invalid {
  const url = parseAbsoluteUrl(text);
  if (!url) return new Invalid('must be an absolute URL such as "https://api.example.com"');
  if (url.username || url.password) return new Invalid('must not carry credentials (user:password@); keys belong in the vault');
  if (text.includes('?') || text.includes('#')) return new Invalid('must not have a query string or fragment');
  if (url.protocol === 'http:') {
    if (!isLoopbackHostname(url.hostname)) {
      return new Invalid('plain http:// is allowed only for loopback hosts (127.0.0.0/8, localhost, [::1]); use https://');
    }
  } else if (url.protocol !== 'https:') {
    return new Invalid('must start with https:// (or http:// for a loopback host)');
  }
  const path = url.pathname.replace(/\/$/, '');
  if (!BASE_PATH.test(path)) {
    return new Invalid('the path prefix may only hold segments of letters, digits, ".", "_", "~" and "-"');
  }
  const canonical = url.origin + path;
  if (text.replace(/\/$/, '') !== canonical) return new Invalid(`must be written in canonical form: "${canonical}"`);
  return canonical;
}

const PROXY_SCHEMES = ['http:', 'https:', 'socks5:'];

/**
 * `http://`, `https://` or `socks5://` host and port. Credentials are refused: the policy file is
 * exported, synced and shown on the options page, so it is no place for a proxy password.
 */
export function parseUpstreamProxyUrl(text: string): string | Invalid {
  const url = parseAbsoluteUrl(text);
  if (!url || !PROXY_SCHEMES.includes(url.protocol)) {
    return new Invalid('must be an http://, https:// or socks5:// URL such as "http://127.0.0.1:3128"');
  }
  if (url.username || url.password) {
    return new Invalid('must not carry credentials (user:password@): the policy file is not a secret store');
  }
  if (!url.hostname) return new Invalid('must name a host');
  if (url.protocol === 'socks5:' && !url.port) return new Invalid('a socks5:// proxy needs a port, e.g. "socks5://127.0.0.1:1080"');
  const canonical = `${url.protocol}//${url.host}`;
  if (text.replace(/\/$/, '') !== canonical) {
    return new Invalid(`must be only a scheme, host and port (no path, query or fragment), e.g. "${canonical}"`);
  }
  return canonical;
}

/** Other extensions call the proxy with their own origin; their ids are fixed shapes. */
const EXTENSION_ORIGIN = /^(chrome-extension:\/\/[a-p]{32}|moz-extension:\/\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/;

/** An exact origin as browsers send it in `Origin`: no wildcard, no path, no trailing slash. */
export function parseAllowedOrigin(text: string): string | Invalid {
  if (text === '*' || text === 'null') return new Invalid(`${JSON.stringify(text)} is never allowed: list exact origins`);
  if (EXTENSION_ORIGIN.test(text)) return text;
  const url = parseAbsoluteUrl(text);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return new Invalid('must be an exact origin such as "https://app.example.com"');
  }
  if (url.origin !== text) {
    return new Invalid(`must be an exact origin (scheme, host, port; no path or trailing slash): "${url.origin}"`);
  }
  return text;
}

export const baseUrl: Check<string> = stringWith('a URL string', parseBaseUrl);
export const upstreamProxyUrl: Check<string> = stringWith('a URL string', parseUpstreamProxyUrl);
export const allowedOrigin: Check<string> = stringWith('an origin string', parseAllowedOrigin);

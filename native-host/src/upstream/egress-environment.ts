/**
 * The egress proxy the environment asks for, when the policy names none: `HTTPS_PROXY` for https
 * upstreams (`HTTP_PROXY` when it is unset), `HTTP_PROXY` for http ones (lower-case spellings win, as
 * in curl), and `NO_PROXY` for the hosts that go direct. Only http:// and https:// proxies are understood here (socks5:// belongs
 * in the policy's `upstream_proxy`). A variable that is set but unusable is a problem to report, not
 * something to skip: quietly going direct would bypass the egress the user set up.
 */
/** '' where a variable is unset (undici would otherwise fall back to this process's own env). */
export interface EgressEnvironment {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export type EgressFromEnvironment = { kind: 'none' } | { kind: 'proxies'; settings: EgressEnvironment } | { kind: 'unusable'; problem: string };

function variable(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | null {
  for (const spelling of [name.toLowerCase(), name]) {
    const value = env[spelling]?.trim();
    if (value) return { name: spelling, value };
  }
  return null;
}

/** Why a proxy URL cannot be used; the URL itself is never repeated (it may carry a password). */
function proxyUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `uses ${url.protocol}// (only http:// and https:// proxies are read from the environment; put a socks5:// proxy in the policy's upstream_proxy)`;
  return null;
}

export function egressFromEnvironment(env: NodeJS.ProcessEnv): EgressFromEnvironment {
  const http = variable(env, 'HTTP_PROXY');
  const https = variable(env, 'HTTPS_PROXY');
  if (http === null && https === null) return { kind: 'none' };
  for (const proxy of [http, https]) {
    const problem = proxy === null ? null : proxyUrlProblem(proxy.value);
    if (proxy !== null && problem !== null) return { kind: 'unusable', problem: `${proxy.name} ${problem}.` };
  }
  const noProxy = variable(env, 'NO_PROXY');
  return { kind: 'proxies', settings: { httpProxy: http?.value ?? '', httpsProxy: https?.value ?? '', noProxy: noProxy?.value ?? '' } };
}

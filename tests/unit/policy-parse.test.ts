import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../shared/errors';
import {
  DEFAULT_PROXY_PORT,
  defaultPolicy,
  formatPolicyProblem,
  parsePolicy,
  policyInvalidError,
  type PolicyProblem,
} from '../../shared/policy/parse-policy';
import type { Policy } from '../../shared/policy/policy-types';
import { customServiceNameProblem } from '../../shared/policy/service-sections';

/** DESIGN.md's example policy, verbatim. */
const DESIGN_EXAMPLE = `[proxy]
port = 8472
idle_lock_minutes = 30

[services.openai]
base_url = "https://api.openai.com"
rotation = "round_robin"

[services.binance]
environment = "mainnet"        # mainnet | testnet | demo | custom (then base_url)
max_order_value_usd = 500
daily_volume_usd = 5000
allow_cancel_all = false

[custom.github]
base_url = "https://api.github.com"
auth_header = "Authorization"
auth_value_prefix = "Bearer "
blocked_endpoints = ["DELETE /repos/*", "PUT /repos/*/admin/*", "DELETE /orgs/*"]
rate_limit = 100
rate_limit_window_seconds = 3600
`;

function accepted(toml: string): Policy {
  const result = parsePolicy(toml);
  if (!result.ok) throw new Error(`refused: ${result.errors.map(formatPolicyProblem).join('; ')}`);
  return result.policy;
}

function refused(toml: string): PolicyProblem[] {
  const result = parsePolicy(toml);
  if (result.ok) throw new Error('the policy was accepted');
  return result.errors;
}

function onlyProblem(toml: string): PolicyProblem {
  const problems = refused(toml);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('parsePolicy: valid files', () => {
  it('reads the DESIGN.md example into the full policy', () => {
    const policy = accepted(DESIGN_EXAMPLE);
    expect(policy).toEqual({
      proxy: {
        port: 8472,
        idleLockMinutes: 30,
        allowedOrigins: [],
        maxRequestBodyBytes: 10 * 1024 * 1024,
        upstreamTimeoutSeconds: 120,
        upstreamProxy: null,
        requestTimeoutSeconds: 60,
        maxConnections: 512,
        retryBufferBytes: 64 * 1024 * 1024,
      },
      services: {
        openai: {
          baseUrl: 'https://api.openai.com',
          rotation: 'round_robin',
          upstreamProxy: null,
          blockedEndpoints: [],
          allowedEndpoints: null,
          rateLimit: null,
        },
        anthropic: {
          baseUrl: 'https://api.anthropic.com',
          rotation: 'on_first_failed',
          upstreamProxy: null,
          blockedEndpoints: [],
          allowedEndpoints: null,
          rateLimit: null,
        },
        binance: {
          environment: 'mainnet',
          baseUrl: 'https://api.binance.com',
          maxOrderValueUsd: 500,
          dailyVolumeUsd: 5000,
          allowCancelAll: false,
          recvWindowMs: 5000,
          extraReadEndpoints: [],
          rotation: 'on_first_failed',
          upstreamProxy: null,
          blockedEndpoints: [],
          allowedEndpoints: null,
          rateLimit: null,
        },
      },
      custom: {
        github: {
          name: 'github',
          baseUrl: 'https://api.github.com',
          authHeader: 'Authorization',
          authValuePrefix: 'Bearer ',
          allowRanges: false,
          rotation: 'on_first_failed',
          upstreamProxy: null,
          blockedEndpoints: [
            { method: 'DELETE', path: '/repos/*', source: 'DELETE /repos/*' },
            { method: 'PUT', path: '/repos/*/admin/*', source: 'PUT /repos/*/admin/*' },
            { method: 'DELETE', path: '/orgs/*', source: 'DELETE /orgs/*' },
          ],
          allowedEndpoints: null,
          rateLimit: { limit: 100, windowSeconds: 3600 },
          deadKey: { statuses: [401], codes: [], codeFields: ['error.code', 'error.type'] },
        },
      },
    });
  });

  it('treats an empty file, or one of comments only, as the default policy', () => {
    expect(accepted('')).toEqual(defaultPolicy());
    expect(accepted('# nothing set yet\n\n   # still nothing\n')).toEqual(defaultPolicy());
    expect(accepted('[proxy]\n[services.openai]\n')).toEqual(defaultPolicy());
  });

  it('defaults to port 8472, a 30-minute idle lock, 10 MiB bodies and a 120 s upstream timeout', () => {
    const policy = defaultPolicy();
    expect(DEFAULT_PROXY_PORT).toBe(8472);
    expect(policy.proxy).toEqual({
      port: 8472,
      idleLockMinutes: 30,
      allowedOrigins: [],
      maxRequestBodyBytes: 10_485_760,
      upstreamTimeoutSeconds: 120,
      upstreamProxy: null,
      requestTimeoutSeconds: 60,
      maxConnections: 512,
      retryBufferBytes: 67_108_864,
    });
    expect(policy.services.binance).toMatchObject({ environment: 'mainnet', baseUrl: 'https://api.binance.com', recvWindowMs: 5000, allowCancelAll: false });
    expect(Object.keys(policy.custom)).toEqual([]);
  });

  it('hands out a fresh default policy each time, so one caller cannot change another\'s', () => {
    const first = defaultPolicy();
    first.proxy.allowedOrigins.push('https://evil.example');
    first.services.openai.blockedEndpoints.push({ method: '*', path: '/*', source: '* /*' });
    expect(defaultPolicy().proxy.allowedOrigins).toEqual([]);
    expect(defaultPolicy().services.openai.blockedEndpoints).toEqual([]);
  });

  it('keeps custom services in a null-prototype record, so /custom/constructor finds nothing', () => {
    const policy = accepted('[custom.api]\nbase_url = "https://api.example.com"\nauth_header = "X-Key"\n');
    expect(Object.getPrototypeOf(policy.custom)).toBeNull();
    expect(policy.custom['toString']).toBeUndefined();
    expect(policy.custom['api']).toMatchObject({ name: 'api', authHeader: 'X-Key', authValuePrefix: '', rotation: 'on_first_failed' });
  });

  it('lets a custom service that serves files allow ranges, off unless set', () => {
    const base = '[custom.files]\nbase_url = "https://files.example.com"\nauth_header = "X-Key"\n';
    expect(accepted(base).custom['files']?.allowRanges).toBe(false);
    expect(accepted(`${base}allow_ranges = true\n`).custom['files']?.allowRanges).toBe(true);
    expect(onlyProblem(`${base}allow_ranges = "yes"\n`)).toMatchObject({ field: 'custom.files.allow_ranges', line: 4 });
    expect(onlyProblem('[services.openai]\nallow_ranges = true\n')).toMatchObject({ field: 'services.openai.allow_ranges' });
  });

  it('accepts every setting at once', () => {
    const policy = accepted(`
[proxy]
port = 0
idle_lock_minutes = 1440
allowed_origins = ["https://app.example.com", "http://localhost:5173", "chrome-extension://abcdefghijklmnopabcdefghijklmnop"]
max_request_body_bytes = 104857600
upstream_timeout_seconds = 600
upstream_proxy = "http://proxy.corp.example:3128"
request_timeout_seconds = 600
max_connections = 100000
retry_buffer_bytes = 0

[services.anthropic]
base_url = "http://127.0.0.1:43123/"
rotation = "round_robin"
blocked_endpoints = ["POST /v1/files"]
allowed_endpoints = ["POST /v1/messages", "GET /v1/models*"]
rate_limit = 50
upstream_proxy = "socks5://127.0.0.1:1080"

[services.binance]
environment = "testnet"
recv_window = 60000
max_order_value_usd = 99.5
allow_cancel_all = true
extra_read_endpoints = ["GET /sapi/v1/capital/config/getall"]
allowed_endpoints = []

[custom.my-llm-2]
base_url = "https://llm.example.com/api/v2"
auth_header = "x-api-key"
upstream_proxy = "https://proxy.example:8443"
`);
    expect(policy.proxy).toEqual({
      port: 0,
      idleLockMinutes: 1440,
      allowedOrigins: ['https://app.example.com', 'http://localhost:5173', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop'],
      maxRequestBodyBytes: 104_857_600,
      upstreamTimeoutSeconds: 600,
      upstreamProxy: 'http://proxy.corp.example:3128',
      requestTimeoutSeconds: 600,
      maxConnections: 100_000,
      retryBufferBytes: 0,
    });
    expect(policy.services.anthropic).toEqual({
      baseUrl: 'http://127.0.0.1:43123',
      rotation: 'round_robin',
      upstreamProxy: 'socks5://127.0.0.1:1080',
      blockedEndpoints: [{ method: 'POST', path: '/v1/files', source: 'POST /v1/files' }],
      allowedEndpoints: [
        { method: 'POST', path: '/v1/messages', source: 'POST /v1/messages' },
        { method: 'GET', path: '/v1/models*', source: 'GET /v1/models*' },
      ],
      rateLimit: { limit: 50, windowSeconds: 60 },
    });
    expect(policy.services.binance).toMatchObject({
      environment: 'testnet',
      baseUrl: 'https://testnet.binance.vision',
      recvWindowMs: 60_000,
      maxOrderValueUsd: 99.5,
      dailyVolumeUsd: null,
      allowCancelAll: true,
      extraReadEndpoints: [{ method: 'GET', path: '/sapi/v1/capital/config/getall', source: 'GET /sapi/v1/capital/config/getall' }],
      allowedEndpoints: [],
    });
    expect(policy.custom['my-llm-2']).toMatchObject({
      baseUrl: 'https://llm.example.com/api/v2',
      authHeader: 'x-api-key',
      upstreamProxy: 'https://proxy.example:8443',
    });
  });

  it.each([
    ['demo', 'https://demo-api.binance.com'],
    ['testnet', 'https://testnet.binance.vision'],
    ['mainnet', 'https://api.binance.com'],
  ])('resolves the Binance %s environment to %s', (environment, baseUrl) => {
    expect(accepted(`[services.binance]\nenvironment = "${environment}"\n`).services.binance.baseUrl).toBe(baseUrl);
  });

  it('lets base_url override any Binance environment, and takes it for environment = "custom"', () => {
    expect(accepted('[services.binance]\nenvironment = "custom"\nbase_url = "https://binance.internal.example"\n').services.binance).toMatchObject({
      environment: 'custom',
      baseUrl: 'https://binance.internal.example',
    });
    expect(accepted('[services.binance]\nbase_url = "http://127.0.0.1:9001"\n').services.binance).toMatchObject({
      environment: 'mainnet',
      baseUrl: 'http://127.0.0.1:9001',
    });
  });

  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.9.8.7', 'http://127.9.8.7'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['https://api.openai.com/', 'https://api.openai.com'],
    ['https://gateway.example.com:8443/openai/v1', 'https://gateway.example.com:8443/openai/v1'],
    ['https://gateway.example.com/openai/v1/', 'https://gateway.example.com/openai/v1'],
  ])('accepts the base URL %s as %s', (written, baseUrl) => {
    expect(accepted(`[services.openai]\nbase_url = "${written}"\n`).services.openai.baseUrl).toBe(baseUrl);
  });

  it('reads inline tables, dotted keys and quoted keys like ordinary tables', () => {
    const policy = accepted(`
[services]
openai.rotation = "round_robin"
anthropic = { base_url = "http://localhost:9000", rate_limit = 5, rate_limit_window_seconds = 1 }
[custom."gh"]
"base_url" = 'https://api.github.com'
auth_header = "Authorization"
`);
    expect(policy.services.openai.rotation).toBe('round_robin');
    expect(policy.services.anthropic).toMatchObject({ baseUrl: 'http://localhost:9000', rateLimit: { limit: 5, windowSeconds: 1 } });
    expect(policy.custom['gh']?.baseUrl).toBe('https://api.github.com');
  });
});

describe('parsePolicy: refused files', () => {
  it('reports a TOML syntax error with its line and column', () => {
    expect(onlyProblem('[proxy]\nport = 8472\nidle_lock_minutes = \n')).toEqual({
      line: 3,
      field: '',
      message: 'TOML syntax error at column 21: invalid value',
    });
  });

  it('reports a key defined twice as a syntax error on the second definition', () => {
    expect(onlyProblem('[proxy]\nport = 1\nport = 2\n')).toMatchObject({ line: 3, field: '' });
  });

  it('refuses __proto__ and constructor keys before reading any value', () => {
    expect(onlyProblem('[custom.__proto__]\nbase_url = "https://x.example"\n')).toEqual({
      line: 1,
      field: '',
      message: 'a key or table may not be named "constructor", "prototype" or "__proto__" (they would reach JavaScript\'s built-in objects)',
    });
    expect(onlyProblem('[proxy]\nport = 1\nconstructor = 2\n')).toMatchObject({ line: 3, field: '' });
    expect(Object.prototype).not.toHaveProperty('base_url');
  });

  it.each<[string, string, string, number, string]>([
    ['a port given as a string', '[proxy]\nport = "8472"', 'proxy.port', 2, 'must be an integer from 0 to 65535, found a string'],
    ['a port out of range', '[proxy]\nport = 65536', 'proxy.port', 2, 'must be an integer from 0 to 65535'],
    ['a fractional port', '[proxy]\n\nport = 80.5', 'proxy.port', 3, 'must be an integer from 0 to 65535'],
    ['an idle lock of 0 minutes', '[proxy]\nidle_lock_minutes = 0', 'proxy.idle_lock_minutes', 2, 'must be an integer from 1 to 1440'],
    ['a body cap above 100 MiB', '[proxy]\nmax_request_body_bytes = 104857601', 'proxy.max_request_body_bytes', 2, 'must be an integer from 1 to 104857600'],
    ['an upstream timeout of 601 s', '[proxy]\nupstream_timeout_seconds = 601', 'proxy.upstream_timeout_seconds', 2, 'must be an integer from 1 to 600'],
    ['a date where a number belongs', '[proxy]\nidle_lock_minutes = 1979-05-27', 'proxy.idle_lock_minutes', 2, 'must be an integer from 1 to 1440, found a date'],
    ['allowed_origins as a string', '[proxy]\nallowed_origins = "https://a.example"', 'proxy.allowed_origins', 2, 'must be an array, found a string'],
    ['a wildcard origin', '[proxy]\nallowed_origins = ["*"]', 'proxy.allowed_origins', 2, 'item 1: "*" is never allowed: list exact origins'],
    [
      'an origin with a trailing slash',
      '[proxy]\nallowed_origins = ["https://app.example.com/"]',
      'proxy.allowed_origins',
      2,
      'item 1: must be an exact origin (scheme, host, port; no path or trailing slash): "https://app.example.com"',
    ],
    [
      'a typo in a [proxy] key',
      '[proxy]\nport = 8472\nidle_lock_minuets = 5',
      'proxy.idle_lock_minuets',
      3,
      'unknown key; expected one of: port, idle_lock_minutes, allowed_origins, max_request_body_bytes, upstream_timeout_seconds, upstream_proxy, request_timeout_seconds, max_connections, retry_buffer_bytes',
    ],
    [
      'a built-in service at the top level',
      '# comment\n[openai]\nrotation = "round_robin"',
      'openai',
      2,
      'unknown table; expected one of: proxy, services, custom (services go under [services.NAME] or [custom.NAME])',
    ],
    [
      'a custom service under [services]',
      '[services.github]\nbase_url = "https://api.github.com"',
      'services.github',
      1,
      'unknown table; expected one of: openai, anthropic, binance (other services go under [custom.NAME])',
    ],
    [
      'a typo in a service key',
      '[services.openai]\nblocked_endpoint = ["DELETE /v1/files/*"]',
      'services.openai.blocked_endpoint',
      2,
      'unknown key; expected one of: base_url, rotation, upstream_proxy, blocked_endpoints, allowed_endpoints, rate_limit, rate_limit_window_seconds',
    ],
    [
      'a plain http:// base URL for a remote host',
      '[services.openai]\nbase_url = "http://api.openai.com"',
      'services.openai.base_url',
      2,
      'plain http:// is allowed only for loopback hosts (127.0.0.0/8, localhost, [::1]); use https://',
    ],
    [
      'a base URL with credentials',
      '[services.anthropic]\nbase_url = "https://user:pw@api.anthropic.com"',
      'services.anthropic.base_url',
      2,
      'must not carry credentials (user:password@); keys belong in the vault',
    ],
    ['a base URL with a query', '[services.openai]\nbase_url = "https://api.openai.com/?key=1"', 'services.openai.base_url', 2, 'must not have a query string or fragment'],
    ['a base URL with a fragment', '[services.openai]\nbase_url = "https://api.openai.com#x"', 'services.openai.base_url', 2, 'must not have a query string or fragment'],
    ['a base URL of another scheme', '[services.openai]\nbase_url = "ftp://api.openai.com"', 'services.openai.base_url', 2, 'must start with https:// (or http:// for a loopback host)'],
    ['a relative base URL', '[services.openai]\nbase_url = "api.openai.com"', 'services.openai.base_url', 2, 'must be an absolute URL such as "https://api.example.com"'],
    ['a non-canonical base URL', '[services.openai]\nbase_url = "https://API.openai.com:443"', 'services.openai.base_url', 2, 'must be written in canonical form: "https://api.openai.com"'],
    [
      'an encoded base path',
      '[services.openai]\nbase_url = "https://api.openai.com/v1%2f"',
      'services.openai.base_url',
      2,
      'the path prefix may only hold segments of letters, digits, ".", "_", "~" and "-"',
    ],
    ['a bad rotation mode', '[services.openai]\nrotation = "random"', 'services.openai.rotation', 2, 'must be one of "round_robin", "on_first_failed"'],
    ['a zero rate limit', '[services.openai]\nrate_limit = 0', 'services.openai.rate_limit', 2, 'must be an integer from 1 to 1000000'],
    ['a fractional rate limit', '[services.openai]\nrate_limit = 1.5', 'services.openai.rate_limit', 2, 'must be an integer from 1 to 1000000'],
    ['a rate limit as a string', '[services.openai]\nrate_limit = "100"', 'services.openai.rate_limit', 2, 'must be an integer from 1 to 1000000, found a string'],
    ['a negative window', '[services.openai]\nrate_limit = 1\nrate_limit_window_seconds = -5', 'services.openai.rate_limit_window_seconds', 3, 'must be an integer from 1 to 86400'],
    [
      'a window without a rate limit',
      '[services.openai]\nrotation = "round_robin"\nrate_limit_window_seconds = 60',
      'services.openai.rate_limit',
      3,
      'is required when rate_limit_window_seconds is set',
    ],
    [
      'a pattern with an unknown method',
      '[custom.gh]\nbase_url = "https://api.github.com"\nauth_header = "Authorization"\nblocked_endpoints = ["FETCH repos"]',
      'custom.gh.blocked_endpoints',
      4,
      'item 1: "FETCH repos": "FETCH" is not an HTTP method Keygate forwards; use GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or *',
    ],
    [
      'a pattern without a leading slash',
      '[services.openai]\nallowed_endpoints = ["GET /v1/models", "GET repos/x"]',
      'services.openai.allowed_endpoints',
      2,
      'item 2: "GET repos/x": the path must start with "/"',
    ],
    ['a pattern that is not a string', '[services.openai]\nblocked_endpoints = [42]', 'services.openai.blocked_endpoints', 2, 'item 1: must be a string like "DELETE /repos/*", found an integer'],
    [
      'an ftp:// upstream proxy',
      '[services.openai]\nupstream_proxy = "ftp://proxy.example:21"',
      'services.openai.upstream_proxy',
      2,
      'must be an http://, https:// or socks5:// URL such as "http://127.0.0.1:3128"',
    ],
    [
      'an upstream proxy with credentials',
      '[proxy]\nupstream_proxy = "http://bob:secret@proxy.example:3128"',
      'proxy.upstream_proxy',
      2,
      'must not carry credentials (user:password@): the policy file is not a secret store',
    ],
    [
      'an upstream proxy with a path',
      '[proxy]\nupstream_proxy = "http://proxy.example:3128/x"',
      'proxy.upstream_proxy',
      2,
      'must be only a scheme, host and port (no path, query or fragment), e.g. "http://proxy.example:3128"',
    ],
    ['a socks5 proxy without a port', '[proxy]\nupstream_proxy = "socks5://proxy.example"', 'proxy.upstream_proxy', 2, 'a socks5:// proxy needs a port, e.g. "socks5://127.0.0.1:1080"'],
    ['a custom service without base_url', '\n[custom.gh]\nauth_header = "Authorization"', 'custom.gh.base_url', 2, 'is required'],
    ['a custom service without auth_header', '[custom.gh]\nbase_url = "https://api.github.com"', 'custom.gh.auth_header', 1, 'is required'],
    [
      'an auth header with a space',
      '[custom.gh]\nbase_url = "https://api.github.com"\nauth_header = "Api Key"',
      'custom.gh.auth_header',
      3,
      'must be an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-, up to 100)',
    ],
    [
      'a hop-by-hop auth header',
      '[custom.gh]\nbase_url = "https://api.github.com"\nauth_header = "Connection"',
      'custom.gh.auth_header',
      3,
      'cannot be "Connection": the proxy manages that header',
    ],
    [
      'content-length as the auth header',
      '[custom.gh]\nbase_url = "https://api.github.com"\nauth_header = "content-length"',
      'custom.gh.auth_header',
      3,
      'cannot be "content-length": the proxy manages that header',
    ],
    [
      'a line break in the auth value prefix',
      '[custom.gh]\nbase_url = "https://api.github.com"\nauth_header = "Authorization"\nauth_value_prefix = "Bearer\\r\\nX-Evil: 1"',
      'custom.gh.auth_value_prefix',
      4,
      'must be up to 200 printable ASCII characters (no line breaks)',
    ],
    [
      'an upper-case custom service name',
      '[custom.GitHub]\nbase_url = "https://api.github.com"\nauth_header = "Authorization"',
      'custom.GitHub',
      1,
      'a custom service name must be 1-40 characters a-z, 0-9 or "-"',
    ],
    [
      'a custom service written as an array of tables',
      '[[custom.gh]]\nbase_url = "https://api.github.com"',
      'custom.gh',
      1,
      'must be a table, found an array',
    ],
    ['[services] given a value', 'services = "openai"', 'services', 1, 'must be a table, found a string'],
    [
      'Binance environment custom without base_url',
      '[services.binance]\nmax_order_value_usd = 10\nenvironment = "custom"',
      'services.binance.base_url',
      3,
      'is required when environment = "custom"',
    ],
    ['an unknown Binance environment', '[services.binance]\nenvironment = "prod"', 'services.binance.environment', 2, 'must be one of "mainnet", "testnet", "demo", "custom"'],
    ['recv_window 60001', '[services.binance]\nrecv_window = 60001', 'services.binance.recv_window', 2, 'must be an integer from 1 to 60000'],
    ['a negative max order value', '[services.binance]\nmax_order_value_usd = -1', 'services.binance.max_order_value_usd', 2, 'must be a positive number'],
    ['an infinite daily volume', '[services.binance]\ndaily_volume_usd = inf', 'services.binance.daily_volume_usd', 2, 'must be a positive number'],
    ['an order value as a string', '[services.binance]\nmax_order_value_usd = "500"', 'services.binance.max_order_value_usd', 2, 'must be a positive number, found a string'],
    ['allow_cancel_all as a string', '[services.binance]\nallow_cancel_all = "no"', 'services.binance.allow_cancel_all', 2, 'must be true or false, found a string'],
    [
      'a trading endpoint among the extra read endpoints',
      '[services.binance]\nextra_read_endpoints = ["POST /api/v3/order"]',
      'services.binance.extra_read_endpoints',
      2,
      'item 1: "POST /api/v3/order": only GET endpoints can be added as read endpoints',
    ],
  ])('refuses %s', (_case, toml, field, line, message) => {
    expect(onlyProblem(toml)).toEqual({ line, field, message });
  });

  it('points at a bad key inside an inline table on the inline table\'s line', () => {
    expect(onlyProblem('[services]\n\nopenai = { rotation = "sometimes" }\n')).toEqual({
      line: 3,
      field: 'services.openai.rotation',
      message: 'must be one of "round_robin", "on_first_failed"',
    });
  });

  it('points at the line of each bad item in a multi-line array', () => {
    const problems = refused(`[custom.gh]
base_url = "https://api.github.com"
auth_header = "Authorization"
blocked_endpoints = [
  "DELETE /repos/*",   # keep
  "FETCH repos",
  'GET repos/x',
]
rate_limit = 10
`);
    expect(problems.map(({ line, message }) => [line, message])).toEqual([
      [6, 'item 2: "FETCH repos": "FETCH" is not an HTTP method Keygate forwards; use GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or *'],
      [7, 'item 3: "GET repos/x": the path must start with "/"'],
    ]);
  });

  it('is not fooled by key-like lines inside a multi-line string', () => {
    const problems = refused(`[custom.gh]
auth_value_prefix = """
rate_limit = 5
"""
base_url = "https://api.github.com"
auth_header = "Authorization"
rate_limit = 0
`);
    expect(problems).toEqual([
      { line: 2, field: 'custom.gh.auth_value_prefix', message: 'must be up to 200 printable ASCII characters (no line breaks)' },
      { line: 7, field: 'custom.gh.rate_limit', message: 'must be an integer from 1 to 1000000' },
    ]);
  });

  it('reports every problem of a bad file together, in file order', () => {
    const problems = refused(`[proxy]
port = "x"
prot = 1

[services.openai]
base_url = "http://example.com"
rotation = "random"

[services.binance]
environment = "custom"
recv_window = 60001

[custom.gh]
rate_limit_window_seconds = 5
upstream_proxy = "ftp://proxy.example"
`);
    expect(problems.map(({ line, field }) => [line, field])).toEqual([
      [2, 'proxy.port'],
      [3, 'proxy.prot'],
      [6, 'services.openai.base_url'],
      [7, 'services.openai.rotation'],
      [10, 'services.binance.base_url'],
      [11, 'services.binance.recv_window'],
      [13, 'custom.gh.base_url'],
      [13, 'custom.gh.auth_header'],
      [14, 'custom.gh.rate_limit'],
      [15, 'custom.gh.upstream_proxy'],
    ]);
  });

  it('checks a badly named custom service\'s settings too', () => {
    const problems = refused('[custom.My_API]\nbase_url = "http://api.example.com"\nauth_header = "X-Key"\nsecret = "x"\n');
    expect(problems.map(({ line, field }) => [line, field])).toEqual([
      [1, 'custom.My_API'],
      [2, 'custom.My_API.base_url'],
      [4, 'custom.My_API.secret'],
    ]);
  });

  it('never throws, whatever it is given', () => {
    expect(parsePolicy('\u0000\uffff[[[')).toMatchObject({ ok: false, errors: [{ line: 1, field: '' }] });
    expect(parsePolicy(`a = ${'['.repeat(5000)}`)).toMatchObject({ ok: false });
    expect(parsePolicy(`# ${'x'.repeat(1024 * 1024)}`)).toEqual({
      ok: false,
      errors: [{ line: null, field: '', message: 'the policy file is larger than 1048576 characters' }],
    });
    expect(parsePolicy(undefined as unknown as string)).toEqual({
      ok: false,
      errors: [{ line: null, field: '', message: 'the policy must be TOML text' }],
    });
  });
});

describe('a custom service\'s dead keys', () => {
  const custom = (lines: string) => `[custom.api]\nbase_url = "https://api.example.com"\nauth_header = "X-Key"\n${lines}`;

  it('reads dead_key_statuses, dead_key_codes and dead_key_code_fields', () => {
    const policy = accepted(custom('dead_key_statuses = [401, 403]\ndead_key_codes = ["invalid_token", "key_revoked"]\ndead_key_code_fields = ["error", "meta.reason"]\n'));
    expect(policy.custom['api']?.deadKey).toEqual({ statuses: [401, 403], codes: ['invalid_token', 'key_revoked'], codeFields: ['error', 'meta.reason'] });
    expect(accepted(custom('dead_key_statuses = []\n')).custom['api']?.deadKey.statuses).toEqual([]);
  });

  it('refuses a status outside 4xx (a 5xx may come after the upstream acted), odd codes and fields, and codes with no field to read', () => {
    expect(onlyProblem(custom('dead_key_statuses = [401, 503]\n'))).toMatchObject({ line: 4, field: 'custom.api.dead_key_statuses', message: 'item 2: must be an integer from 400 to 499' });
    expect(onlyProblem(custom('dead_key_codes = [""]\n'))).toMatchObject({ field: 'custom.api.dead_key_codes', message: 'item 1: must be 1-100 printable ASCII characters' });
    expect(onlyProblem(custom('dead_key_code_fields = ["error..code"]\n'))).toMatchObject({ field: 'custom.api.dead_key_code_fields' });
    expect(onlyProblem(custom('dead_key_codes = ["x"]\ndead_key_code_fields = []\n'))).toMatchObject({ field: 'custom.api.dead_key_code_fields', message: expect.stringContaining('at least one field') });
  });
});

describe('POLICY_INVALID', () => {
  it('lists every problem with its line and field in the error an agent or the options page sees', () => {
    const result = parsePolicy('[proxy]\nport = -1\n\n[services.openai]\nrotation = "x"\n');
    expect(result.ok).toBe(false);
    const error = policyInvalidError(result.ok ? [] : result.errors);
    expect(error.code).toBe('POLICY_INVALID');
    expect(ERRORS.POLICY_INVALID.status).toBe(422);
    expect(error.message).toBe(
      `${ERRORS.POLICY_INVALID.message} line 2, proxy.port: must be an integer from 0 to 65535; ` +
        'line 5, services.openai.rotation: must be one of "round_robin", "on_first_failed"',
    );
  });

  it('formats a file-level problem without a line or field', () => {
    expect(formatPolicyProblem({ line: null, field: '', message: 'too big' })).toBe('too big');
    expect(formatPolicyProblem({ line: 4, field: '', message: 'TOML syntax error' })).toBe('line 4: TOML syntax error');
  });
});

describe('custom services and built-in names', () => {
  it.each(['openai', 'anthropic', 'binance'])('refuses [custom.%s], whose credentials would mix with the built-in service', (name) => {
    const result = parsePolicy(`[custom.${name}]\nbase_url = "https://example.com"\nauth_header = "Authorization"\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ field: `custom.${name}`, line: 1, message: expect.stringContaining('built-in') }));
  });
});

describe('names that would reach JavaScript built-ins', () => {
  it('refuses [custom.constructor] and a __proto__ key with a message a person can act on, naming the line', () => {
    const result = parsePolicy('[proxy]\nport = 8472\n\n[custom.constructor]\nbase_url = "https://api.example.com"\nauth_header = "Authorization"\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.message).toMatch(/may not be named "constructor", "prototype" or "__proto__"/);
    expect(result.errors[0]?.line).toBe(4);
  });

  it('tells the options page before it writes one', () => {
    for (const name of ['constructor', 'prototype']) expect(customServiceNameProblem(name)).toMatch(/reserved/);
    expect(customServiceNameProblem('openai')).toMatch(/built-in/);
    expect(customServiceNameProblem('Git Hub')).toMatch(/1-40 characters/);
    expect(customServiceNameProblem('github')).toBeNull();
  });
});

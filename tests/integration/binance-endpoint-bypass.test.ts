/**
 * No spelling of a fund-moving Binance endpoint leaves the machine. Every path in the fund-moving
 * list is sent in many disguises (letter case, percent-encoding, `//`, `;`, `\`, dot segments,
 * other methods, a method-override header, absolute-form targets, lower-case methods on a raw
 * socket, a `.json` suffix or a trailing dot as suffix-matching servers read them) through the
 * built host; none reaches the mock exchange, and each gets a 4xx with a catalogue code — under
 * the default policy and under one that opens everything a policy can open.
 * Cancel-all needs its own switch; endpoints off the spot list stay closed; scopes split read from
 * trade.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode, isErrorCode } from '../../shared/errors';
import { fakeBinanceKey, type FakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { agentError, auditLinesFor, binancePolicy, type ProxyHost, rawExchange, requestIdOf, startProxyHost, waitForHostEvent } from './proxy-host';

const FUND_MOVING_TSV = fileURLToPath(new URL('../../native-host/src/binance/data/binance-fund-moving-endpoints.tsv', import.meta.url));

/** The fund-moving list, read here independently of the code under test. */
const FUND_MOVING: Array<{ method: string; path: string }> = readFileSync(FUND_MOVING_TSV, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [method, path] = line.split('\t');
    return { method: method!.trim(), path: path!.trim() };
  });

/** Binance endpoints that are not on the spot list: default deny, whatever the method. */
const OFF_SPOT_LIST = [
  { method: 'POST', path: '/sapi/v1/margin/loan' },
  { method: 'POST', path: '/sapi/v1/margin/order' },
  { method: 'POST', path: '/sapi/v1/asset/dust' },
  { method: 'POST', path: '/sapi/v1/convert/acceptQuote' },
  { method: 'POST', path: '/sapi/v1/simple-earn/flexible/subscribe' },
  { method: 'POST', path: '/api/v3/userDataStream' },
  { method: 'POST', path: '/fapi/v1/order' },
  { method: 'POST', path: '/api/v1/order' },
  { method: 'PUT', path: '/api/v3/order' },
  { method: 'POST', path: '/api/v3/openOrders' },
  { method: 'GET', path: '/api/v3/order/test' },
];

type Via = 'http' | 'raw-socket';

interface Spelling {
  label: string;
  method: string;
  /** The request-target, sent byte for byte. */
  target: string;
  headers?: Array<[string, string]>;
  via?: Via;
  /** The code the catalogue body must carry; for HEAD (no body) the audit line's reason. */
  code: ErrorCode;
}

const hex = (char: string, upper: boolean) => {
  const code = char.charCodeAt(0).toString(16);
  return `%${upper ? code.toUpperCase() : code}`;
};
const mixedCase = (path: string) => [...path].map((char, index) => (index % 2 === 0 ? char.toUpperCase() : char.toLowerCase())).join('');
/** `path` with its last `/` replaced. */
const lastSlashAs = (path: string, replacement: string) => {
  const at = path.lastIndexOf('/');
  return `${path.slice(0, at)}${replacement}${path.slice(at + 1)}`;
};
/** `path` with the first letter of its last segment percent-encoded (`escape` `%25` encodes it twice). */
const encodedLastLetter = (path: string, upper: boolean, escape = '%') => {
  const at = path.lastIndexOf('/') + 1;
  return `${path.slice(0, at)}${escape}${hex(path.charAt(at), upper).slice(1)}${path.slice(at + 1)}`;
};
const upperLastSegment = (path: string) => {
  const at = path.lastIndexOf('/') + 1;
  return `${path.slice(0, at)}${path.slice(at).toUpperCase()}`;
};
const otherMethod = (method: string) => (method === 'POST' ? 'DELETE' : 'POST');

/** The disguises of one endpoint. `port` is the proxy's, for absolute-form targets. */
function spellingsOf(method: string, path: string, port: number): Spelling[] {
  const [, first, ...rest] = path.split('/');
  const tail = rest.join('/');
  const blocked: ErrorCode = 'ENDPOINT_BLOCKED';
  const nonCanonical: ErrorCode = 'NON_CANONICAL_PATH';
  return [
    { label: 'as listed', method, target: `/binance${path}`, code: blocked },
    { label: 'with a query', method, target: `/binance${path}?coin=BTC&amount=1&address=x`, code: blocked },
    { label: 'as GET', method: 'GET', target: `/binance${path}`, code: blocked },
    { label: 'as HEAD', method: 'HEAD', target: `/binance${path}`, code: blocked },
    { label: `as ${otherMethod(method)}`, method: otherMethod(method), target: `/binance${path}`, code: blocked },
    { label: 'as PUT', method: 'PUT', target: `/binance${path}`, code: blocked },
    { label: 'as OPTIONS', method: 'OPTIONS', target: `/binance${path}`, code: blocked },
    { label: 'upper case', method, target: `/binance${path.toUpperCase()}`, code: blocked },
    { label: 'mixed case', method, target: `/binance${mixedCase(path)}`, code: blocked },
    // Only the last segment changed: still inside a policy pattern such as "GET /sapi/*".
    { label: 'upper-case last segment', method, target: `/binance${upperLastSegment(path)}`, code: blocked },
    { label: 'upper-case last segment as GET', method: 'GET', target: `/binance${upperLastSegment(path)}`, code: blocked },
    { label: 'trailing slash as GET', method: 'GET', target: `/binance${path}/`, code: blocked },
    { label: 'trailing slash', method, target: `/binance${path}/`, code: blocked },
    { label: 'upper case, trailing slash', method, target: `/binance${path.toUpperCase()}/`, code: blocked },
    { label: 'GET with X-HTTP-Method-Override', method: 'GET', target: `/binance${path}`, headers: [['X-HTTP-Method-Override', method]], code: blocked },
    { label: 'GET with X-HTTP-Method and X-Method-Override', method: 'GET', target: `/binance${path}`, headers: [['X-HTTP-Method', method], ['X-Method-Override', method]], code: blocked },
    // Servers with suffix pattern matching (Spring MVC before 5.3) route `/apply.json` and `/apply.` to `/apply`.
    { label: 'a .json suffix as GET', method: 'GET', target: `/binance${path}.json`, code: blocked },
    { label: 'a trailing dot as GET', method: 'GET', target: `/binance${path}.`, code: blocked },
    { label: 'a .json suffix', method, target: `/binance${path}.json`, code: blocked },
    { label: 'two trailing slashes', method, target: `/binance${path}//`, code: nonCanonical },
    { label: '"//" inside', method, target: `/binance${lastSlashAs(path, '//')}`, code: nonCanonical },
    { label: '"//" after the prefix', method, target: `/binance/${path}`, code: nonCanonical },
    { label: 'encoded letter (lower-case hex)', method, target: `/binance${encodedLastLetter(path, false)}`, code: nonCanonical },
    { label: 'encoded letter (upper-case hex)', method, target: `/binance${encodedLastLetter(path, true)}`, code: nonCanonical },
    { label: 'encoded letter in the first segment', method, target: `/binance/${hex(first!.charAt(0), false)}${first!.slice(1)}/${tail}`, code: nonCanonical },
    { label: 'double-encoded letter', method, target: `/binance${encodedLastLetter(path, false, '%25')}`, code: nonCanonical },
    { label: '%2f for a slash', method, target: `/binance${lastSlashAs(path, '%2f')}`, code: nonCanonical },
    { label: '%2F for a slash', method, target: `/binance${lastSlashAs(path, '%2F')}`, code: nonCanonical },
    { label: '";" suffix', method, target: `/binance${path};`, code: nonCanonical },
    { label: '";" matrix parameter', method, target: `/binance/${first};jsessionid=1/${tail}`, code: nonCanonical },
    { label: 'backslash for a slash', method, target: `/binance${lastSlashAs(path, '\\')}`, code: nonCanonical },
    { label: 'dot-dot segment', method, target: `/binance/api/..${path}`, code: nonCanonical },
    { label: 'dot segment', method, target: `/binance/${first}/.${path.slice(first!.length + 1)}`, code: nonCanonical },
    { label: '%2e%2e segment', method, target: `/binance/api/%2e%2e${path}`, code: nonCanonical },
    { label: '%2E%2E segment', method, target: `/binance/api/%2E%2E${path}`, code: nonCanonical },
    { label: '%2e segment', method, target: `/binance/${first}/%2e/${tail}`, code: nonCanonical },
    { label: 'absolute-form to the proxy', method, target: `http://127.0.0.1:${port}/binance${path}`, code: nonCanonical },
    { label: 'absolute-form to Binance', method, target: `https://api.binance.com${path}`, code: nonCanonical },
    { label: 'upper-case service prefix', method, target: `/BINANCE${path}`, code: 'SERVICE_UNKNOWN' },
    // Node's parser refuses these before any handler runs; Keygate still answers from its catalogue.
    { label: 'lower-case method', method: method.toLowerCase(), target: `/binance${path}`, via: 'raw-socket', code: 'HTTP_REQUEST_MALFORMED' },
    { label: 'mixed-case method', method: mixedCase(method), target: `/binance${path}`, via: 'raw-socket', code: 'HTTP_REQUEST_MALFORMED' },
  ];
}

/**
 * What a lenient server might turn a path into: backslashes to slashes, matrix parameters dropped,
 * percent-escapes decoded (twice), dot segments resolved, empty segments and trailing slashes gone,
 * lower case. If a request the mock received folds to a fund-moving path, the block was bypassed.
 */
function leniently(path: string): string {
  let folded = path;
  for (let round = 0; round < 3; round++) {
    try {
      folded = decodeURIComponent(folded);
    } catch {
      break;
    }
  }
  folded = folded.replace(/\\/g, '/').replace(/;[^/]*/g, '');
  folded = new URL(folded.replace(/\/+/g, '/'), 'http://binance.invalid').pathname;
  // Suffix pattern matching: `/apply.json` and `/apply.` are `/apply`.
  return folded.toLowerCase().replace(/\/+$/, '').replace(/\.[^/]*$/, '');
}

const FUND_MOVING_FOLDED = new Set(FUND_MOVING.map(({ path }) => leniently(path)));

interface Outcome {
  spelling: Spelling;
  status: number;
  /** The catalogue code from the body; null for HEAD and for Node's own parser errors. */
  code: ErrorCode | null;
  requestId: string | null;
}

/** Runs `tasks` with at most `limit` in flight. */
async function inPool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

let mock: MockBinance;
let proxy: ProxyHost;
let key: FakeBinanceKey;

beforeAll(async () => {
  key = fakeBinanceKey('hmac', 'bypass');
  mock = await startMockBinance({ keys: [key.mock] });
  proxy = await startProxyHost({
    policy: binancePolicy(mock.url),
    credentials: [key.credential],
    agents: [
      { name: 'trader', scopes: ['binance:trade'] },
      { name: 'reader', scopes: ['binance:read'] },
      { name: 'other', scopes: ['openai'] },
    ],
  });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
});

afterAll(async () => {
  await proxy?.stop();
  await mock?.close();
});

async function send(spelling: Spelling, agent = 'trader'): Promise<Outcome> {
  const auth: [string, string] = ['Authorization', `Bearer ${proxy.agentKeys[agent]}`];
  if (spelling.via === 'raw-socket') {
    const text = [`${spelling.method} ${spelling.target} HTTP/1.1`, `Host: 127.0.0.1:${proxy.port}`, `${auth[0]}: ${auth[1]}`, 'Connection: close', '', ''].join('\r\n');
    const answer = await rawExchange(proxy.port, text);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    return { spelling, status, code: body === '' ? null : agentError({ status, body }).code, requestId: null };
  }
  const response = await proxy.raw({ method: spelling.method, path: spelling.target, headers: [auth, ...(spelling.headers ?? [])] });
  const requestId = requestIdOf(response);
  const code = spelling.method === 'HEAD' ? null : agentError(response).code;
  return { spelling, status: response.status, code, requestId };
}

/** Sends every spelling; none may reach the mock, and each must get a 4xx with the expected catalogue code. */
async function sendCorpus(spellings: Spelling[]): Promise<void> {
  const from = mock.received.length;
  const outcomes = await inPool(spellings.map((spelling) => () => send(spelling)), 16);

  // Nothing of the corpus left the machine, in any spelling.
  const arrived = mock.received.slice(from);
  expect(arrived.map((request) => `${request.method} ${request.path}`)).toEqual([]);
  for (const request of mock.received) expect(FUND_MOVING_FOLDED.has(leniently(request.path)), request.path).toBe(false);

  const requestIds = outcomes.flatMap((outcome) => (outcome.requestId === null ? [] : [outcome.requestId]));
  const audit = new Map((await auditLinesFor(proxy.dataDir, requestIds)).map((line) => [line.requestId, line]));
  for (const { spelling, status, code, requestId } of outcomes) {
    const what = `${spelling.method} ${spelling.target} (${spelling.label})`;
    expect(status, what).toBeGreaterThanOrEqual(400);
    expect(status, what).toBeLessThan(500);
    if (spelling.via === 'raw-socket') {
      // Node's HTTP parser refuses a method that is not upper case before Keygate sees the request.
      expect(status, what).toBe(400);
      expect(code, what).toBe(spelling.code);
      continue;
    }
    expect(requestId, what).not.toBeNull();
    const reason = code ?? audit.get(requestId!)?.reason?.split(':')[0] ?? null;
    expect(reason, what).toBe(spelling.code);
    expect(isErrorCode(reason) && ERRORS[reason].status === status, what).toBe(true);
  }
}

function fundMovingCorpus(): Spelling[] {
  return FUND_MOVING.flatMap(({ method, path }) => spellingsOf(method, path, proxy.port));
}

const CANCEL_ALL_SPELLINGS = (): Spelling[] => [
  { label: 'cancel-all', method: 'DELETE', target: '/binance/api/v3/openOrders?symbol=BTCUSDT', code: 'ENDPOINT_BLOCKED' },
  { label: 'cancel-all, trailing slash', method: 'DELETE', target: '/binance/api/v3/openOrders/?symbol=BTCUSDT', code: 'ENDPOINT_BLOCKED' },
  { label: 'cancel-all, lower case', method: 'DELETE', target: '/binance/api/v3/openorders?symbol=BTCUSDT', code: 'ENDPOINT_BLOCKED' },
  { label: 'cancel-all, upper case', method: 'DELETE', target: '/binance/API/V3/OPENORDERS?symbol=BTCUSDT', code: 'ENDPOINT_BLOCKED' },
  { label: 'cancel-all, encoded letter', method: 'DELETE', target: '/binance/api/v3/%6fpenOrders?symbol=BTCUSDT', code: 'NON_CANONICAL_PATH' },
  { label: 'cancel-all, "//"', method: 'DELETE', target: '/binance/api/v3//openOrders?symbol=BTCUSDT', code: 'NON_CANONICAL_PATH' },
  { label: 'cancel-all, dot segment', method: 'DELETE', target: '/binance/api/v3/./openOrders?symbol=BTCUSDT', code: 'NON_CANONICAL_PATH' },
  { label: 'cancel-all, POST with override', method: 'POST', target: '/binance/api/v3/openOrders?symbol=BTCUSDT', headers: [['X-HTTP-Method-Override', 'DELETE']], code: 'ENDPOINT_BLOCKED' },
];

function offSpotCorpus(options: { permissive: boolean }): Spelling[] {
  // With `extra_read_endpoints = ["GET /sapi/*"]` a GET on /sapi is the user's choice: left out there.
  return OFF_SPOT_LIST.filter(({ method, path }) => !(options.permissive && method === 'GET' && path.startsWith('/sapi/'))).flatMap(({ method, path }) => [
    { label: 'off the spot list', method, target: `/binance${path}`, code: 'ENDPOINT_BLOCKED' as const },
    { label: 'off the spot list, trailing slash', method, target: `/binance${path}/`, code: 'ENDPOINT_BLOCKED' as const },
  ]);
}

describe('the default policy', () => {
  it('has a corpus of at least 200 spellings of fund-moving endpoints', () => {
    expect(FUND_MOVING.length).toBeGreaterThanOrEqual(30);
    expect(fundMovingCorpus().length).toBeGreaterThanOrEqual(200);
  });

  it('lets none of them reach Binance, answering each with a 4xx catalogue error', async () => {
    await sendCorpus(fundMovingCorpus());
  });

  it('refuses cancel-all (DELETE /api/v3/openOrders) without allow_cancel_all, in every spelling', async () => {
    await sendCorpus(CANCEL_ALL_SPELLINGS());
    const refused = await send(CANCEL_ALL_SPELLINGS()[0]!);
    expect(refused.code).toBe('ENDPOINT_BLOCKED');
  });

  it('refuses endpoints that are not on the spot list', async () => {
    await sendCorpus([...offSpotCorpus({ permissive: false }), { label: 'off the list (GET on sapi)', method: 'GET', target: '/binance/sapi/v1/capital/config/getall', code: 'ENDPOINT_BLOCKED' }]);
  });

  it('forwards a GET with X-HTTP-Method-Override as a GET, without the header', async () => {
    const placed = await proxy.raw({
      method: 'POST',
      path: '/binance/api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=40000',
      headers: [['Authorization', `Bearer ${proxy.agentKeys.trader}`]],
    });
    expect(placed.status, placed.body).toBe(200);
    const from = mock.received.length;
    for (let round = 0; round < 2; round++) {
      const listed = await proxy.raw({
        method: 'GET',
        path: '/binance/api/v3/openOrders?symbol=BTCUSDT',
        headers: [['Authorization', `Bearer ${proxy.agentKeys.trader}`], ['X-HTTP-Method-Override', 'DELETE']],
      });
      expect(listed.status, listed.body).toBe(200);
      // The resting order is still open: nothing was cancelled.
      expect(JSON.parse(listed.body)).toEqual([expect.objectContaining({ orderId: JSON.parse(placed.body).orderId, status: 'NEW' })]);
    }
    const arrived = mock.received.slice(from);
    expect(arrived.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /api/v3/openOrders', 'GET /api/v3/openOrders']);
    for (const request of arrived) expect(request.headers['x-http-method-override']).toBeUndefined();
  });
});

describe('a policy that opens everything a policy can open', () => {
  beforeAll(async () => {
    const applied = await proxy.applyPolicy(binancePolicy(mock.url, { extra_read_endpoints: ['GET /sapi/*'], allowed_endpoints: ['* /*'] }));
    expect(applied.listening).toBe(true);
  });

  it('still lets no fund-moving endpoint reach Binance, in any spelling', async () => {
    await sendCorpus(fundMovingCorpus());
  });

  it('still refuses cancel-all without allow_cancel_all, and POSTs off the spot list', async () => {
    await sendCorpus([...CANCEL_ALL_SPELLINGS(), ...offSpotCorpus({ permissive: true })]);
  });

  it('is in force: a read-only /sapi endpoint it adds does reach Binance, signed', async () => {
    const from = mock.received.length;
    const response = await proxy.raw({ method: 'GET', path: '/binance/sapi/v1/capital/config/getall', headers: [['Authorization', `Bearer ${proxy.agentKeys.reader}`]] });
    expect(response.status, response.body).toBe(200);
    const arrived = mock.received.slice(from);
    expect(arrived.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /sapi/v1/capital/config/getall']);
    expect(arrived[0]!.signatureValid).toBe(true);
  });

  it('refuses percent-encoded reserved characters in a path the wildcard would otherwise open', async () => {
    const from = mock.received.length;
    for (const suffix of ['%3B', '%20', '%3F', '%23']) {
      const response = await proxy.raw({ method: 'GET', path: `/binance/sapi/v1/capital/withdraw/apply${suffix}`, headers: [['Authorization', `Bearer ${proxy.agentKeys.reader}`]] });
      expect(response.status, suffix).toBe(403);
      expect(agentError(response).code, suffix).toBe('ENDPOINT_BLOCKED');
    }
    expect(mock.received.slice(from)).toEqual([]);
  });

  it('opens cancel-all only with allow_cancel_all = true', async () => {
    await proxy.applyPolicy(binancePolicy(mock.url, { extra_read_endpoints: ['GET /sapi/*'], allowed_endpoints: ['* /*'], allow_cancel_all: true }));
    const from = mock.received.length;
    const response = await proxy.raw({ method: 'DELETE', path: '/binance/api/v3/openOrders?symbol=BTCUSDT', headers: [['Authorization', `Bearer ${proxy.agentKeys.trader}`]] });
    expect(response.status, response.body).toBe(200);
    expect(mock.received.slice(from).map((request) => `${request.method} ${request.path}`)).toEqual(['DELETE /api/v3/openOrders']);
    // The fund-moving list stays shut even then.
    await sendCorpus(fundMovingCorpus().filter((spelling) => spelling.label === 'as listed'));
  });
});

describe('scopes', () => {
  beforeAll(async () => {
    await proxy.applyPolicy(binancePolicy(mock.url));
  });

  const order = '/binance/api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=40000';
  const call = (agent: string, method: string, path: string) => proxy.raw({ method, path, headers: [['Authorization', `Bearer ${proxy.agentKeys[agent]}`]] });

  it('binance:read may GET the account but not place or cancel orders', async () => {
    const account = await call('reader', 'GET', '/binance/api/v3/account');
    expect(account.status, account.body).toBe(200);
    const from = mock.received.length;
    for (const [method, path] of [['POST', order], ['DELETE', '/binance/api/v3/order?symbol=BTCUSDT&orderId=1'], ['POST', '/binance/api/v3/order/test?symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001']] as const) {
      const refused = agentError(await call('reader', method, path));
      expect(refused.code).toBe('SCOPE_DENIED');
      expect(refused.message).toContain('binance:trade');
    }
    expect(mock.received.length).toBe(from);
  });

  it('binance:trade may do both', async () => {
    const account = await call('trader', 'GET', '/binance/api/v3/account');
    expect(account.status, account.body).toBe(200);
    const ordersBefore = mock.orders.length;
    const placed = await call('trader', 'POST', order);
    expect(placed.status, placed.body).toBe(200);
    expect(mock.orders.length).toBe(ordersBefore + 1);
  });

  it('an agent without a binance scope may do neither', async () => {
    const from = mock.received.length;
    for (const [method, path] of [['GET', '/binance/api/v3/account'], ['POST', order]] as const) {
      expect(agentError(await call('other', method, path)).code).toBe('SCOPE_DENIED');
    }
    expect(mock.received.length).toBe(from);
  });
});

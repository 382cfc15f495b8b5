import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkCanonicalPath } from '../../native-host/src/proxy/canonical-path';

/** Every spelling here could be decoded or normalised by some upstream into a path a rule did not see. */
const REFUSED: string[] = [
  // not origin-form
  '',
  '*',
  'openai/v1/models',
  'http://api.openai.com/v1/models',
  'HTTPS://api.openai.com/v1/models',
  'https://127.0.0.1:8472/openai/v1/models',
  'api.openai.com:443',
  '127.0.0.1:8472',
  '?a=b',
  // backslash, semicolon
  '/openai\\v1/models',
  '\\openai/v1/models',
  '/custom/github/repos\\o\\r',
  '/custom/github/repos/o/r;/issues',
  '/custom/github/repos;x=1/o/r',
  '/openai/v1/models;',
  // doubled slashes
  '//openai/v1/models',
  '//evil.example/openai/v1',
  '/openai//v1/models',
  '/openai/v1/models//',
  '/custom/github/repos///o',
  // dot segments
  '/.',
  '/..',
  '/./openai/v1/models',
  '/../openai/v1/models',
  '/openai/./v1/models',
  '/openai/../custom/github',
  '/openai/v1/models/.',
  '/openai/v1/models/..',
  '/openai/v1/models/..?x=1',
  '/custom/github/repos/o/r/../../orgs/x',
  // encoded dots
  '/openai/%2e%2e/custom',
  '/openai/%2E%2E/custom',
  '/openai/%2e%2E/custom',
  '/openai/%2E./custom',
  '/openai/.%2e/custom',
  '/openai/%2e/v1',
  '/openai/v1/%2e',
  '/openai/v1.%2ejson',
  // encoded slashes and backslashes
  '/custom/github/repos%2fo%2fr',
  '/custom/github/repos%2Fo%2Fr',
  '/openai%2f..%2fcustom',
  '/openai/v1%5cmodels',
  '/openai/v1%5Cmodels',
  '/openai/%5C%2e%2e%5Cx',
  // encoded unreserved characters: letters (both cases, both hex cases)
  '/custom/github/%72epos/o/r',
  '/custom/github/rep%6fs/o/r',
  '/custom/github/rep%6Fs/o/r',
  '/custom/github/%52EPOS/o/r',
  '/openai/v1/%41',
  '/openai/v1/%61',
  '/openai/v1/%5a',
  '/openai/v1/%5A',
  '/openai/v1/%7a',
  '/openai/v1/%7A',
  '/openai/v1/chat/%63ompletions',
  '/openai/v1/chat/completion%73',
  // encoded digits, '-', '_', '~'
  '/openai/v%31/models',
  '/openai/v1/models/gpt-%34o',
  '/openai/v1/%30',
  '/openai/v1/%39',
  '/openai/v1/gpt%2d4o',
  '/openai/v1/gpt%2D4o',
  '/openai/v1/my%5fmodel',
  '/openai/v1/my%5Fmodel',
  '/openai/v1/%7euser',
  '/openai/v1/%7Euser',
  // double and triple encoding
  '/openai/%252e%252e/custom',
  '/openai/%252E%252E/custom',
  '/custom/github/repos%252fo',
  '/custom/github/repos%252Fo',
  '/custom/github/%2572epos',
  '/openai/%25252e%25252e/x',
  '/openai/v1%255cmodels',
  '/openai/v1/%2541',
  // malformed percent-encodings
  '/openai/v1/%',
  '/openai/v1/%2',
  '/openai/v1/%zz',
  '/openai/v1/%g0',
  '/openai/v1/%0g',
  '/openai/v1/%%20',
  '/openai/v1/100%',
  '/openai/v1/%-1',
  // encoded control characters
  '/openai/v1/models%00.json',
  '/openai/v1/models%0d%0aX-Injected:1',
  '/openai/v1/models%0A',
  '/openai/v1/models%7f',
  '/openai/v1/models%1F',
  // raw control characters, spaces, non-ASCII, fragment
  '/openai/v1/models\u0000',
  '/openai/v1/models\r\nHost: evil',
  '/openai/v1/models\t',
  '/openai/v1/\u007fmodels',
  '/openai/v1/chat completions',
  '/openai/v1/models ',
  '/openai/v1/mödels',
  '/openai/v1/models\u00a0',
  '/openai/v1/\u2215etc',
  '/openai/v1/\uff0e\uff0e/x',
  '/openai/v1/models#frag',
  '/openai/v1/models?x=1#frag',
  '/openai/v1/models?q=a b',
  '/openai/v1/models?q=\r\n',
  '/openai/v1/models?q=é',
  // characters outside RFC 3986 pchar that upstream URL parsers re-encode
  '/openai/v1/models"',
  '/openai/v1/<models>',
  '/openai/v1/{models}',
  '/openai/v1/models|x',
  '/openai/v1/models^',
  '/openai/v1/`models`',
  '/openai/v1/[models]',
];

/** Real paths agents send, with the query Keygate forwards untouched. */
const ACCEPTED: [target: string, path: string, query: string][] = [
  ['/', '/', ''],
  ['/openai/v1/chat/completions', '/openai/v1/chat/completions', ''],
  ['/openai/v1/responses', '/openai/v1/responses', ''],
  ['/openai/v1/models', '/openai/v1/models', ''],
  ['/openai/v1/models/gpt-4o-mini', '/openai/v1/models/gpt-4o-mini', ''],
  ['/openai/v1/files/file-abc123/content', '/openai/v1/files/file-abc123/content', ''],
  ['/openai/v1/fine_tuning/jobs?limit=10&after=ftjob-1', '/openai/v1/fine_tuning/jobs', 'limit=10&after=ftjob-1'],
  ['/anthropic/v1/messages', '/anthropic/v1/messages', ''],
  ['/anthropic/v1/messages/count_tokens', '/anthropic/v1/messages/count_tokens', ''],
  ['/anthropic/v1/models?limit=20', '/anthropic/v1/models', 'limit=20'],
  ['/binance/api/v3/ticker/price?symbol=BTCUSDT', '/binance/api/v3/ticker/price', 'symbol=BTCUSDT'],
  [
    '/binance/api/v3/ticker/price?symbols=["BTCUSDT","BNBUSDT"]',
    '/binance/api/v3/ticker/price',
    'symbols=["BTCUSDT","BNBUSDT"]',
  ],
  [
    '/binance/api/v3/ticker/price?symbols=%5B%22BTCUSDT%22%5D',
    '/binance/api/v3/ticker/price',
    'symbols=%5B%22BTCUSDT%22%5D',
  ],
  ['/binance/api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT', '/binance/api/v3/order', 'symbol=BTCUSDT&side=BUY&type=LIMIT'],
  ['/binance/api/v3/time', '/binance/api/v3/time', ''],
  ['/custom/github/repos/o/r/issues?per_page=5', '/custom/github/repos/o/r/issues', 'per_page=5'],
  ['/custom/github/repos/octo-org/hello.world/pulls/42', '/custom/github/repos/octo-org/hello.world/pulls/42', ''],
  ['/custom/github/repos/o/r/contents/docs/My%20File.md', '/custom/github/repos/o/r/contents/docs/My%20File.md', ''],
  ['/custom/github/repos/o/r/contents/caf%C3%A9.md', '/custom/github/repos/o/r/contents/caf%C3%A9.md', ''],
  ['/custom/github/users/octocat/', '/custom/github/users/octocat/', ''],
  ['/custom/jira/rest/api/3/issue/PROJ-1', '/custom/jira/rest/api/3/issue/PROJ-1', ''],
  ['/custom/maps/v1/places:searchText', '/custom/maps/v1/places:searchText', ''],
  ['/custom/maps/v1/places%3AsearchText', '/custom/maps/v1/places%3AsearchText', ''],
  ['/custom/mail/v3/users/me%40example.com', '/custom/mail/v3/users/me%40example.com', ''],
  ['/custom/mail/v3/users/me@example.com/messages', '/custom/mail/v3/users/me@example.com/messages', ''],
  ['/custom/store/v1/items/a+b,c=d!$&\'()*', '/custom/store/v1/items/a+b,c=d!$&\'()*', ''],
  ['/custom/store/v1/50%25-off', '/custom/store/v1/50%25-off', ''],
  ['/custom/store/v1/%2520', '/custom/store/v1/%2520', ''],
  ['/custom/store/v1/file.v2.json', '/custom/store/v1/file.v2.json', ''],
  ['/custom/store/v1/...', '/custom/store/v1/...', ''],
  ['/custom/store/v1/.well-known/x', '/custom/store/v1/.well-known/x', ''],
  ['/custom/store/v1/~user', '/custom/store/v1/~user', ''],
  ['/_keygate/status', '/_keygate/status', ''],
  ['/openai/v1/models?', '/openai/v1/models', ''],
  // The query is never matched, so what would be refused in the path passes through it raw.
  ['/custom/search/q?path=../../etc&x=%2e%2e%2f;y=\\//z?w', '/custom/search/q', 'path=../../etc&x=%2e%2e%2f;y=\\//z?w'],
];

describe('checkCanonicalPath', () => {
  it('has a corpus large enough to mean something', () => {
    expect(REFUSED.length).toBeGreaterThanOrEqual(80);
    expect(new Set(REFUSED).size).toBe(REFUSED.length);
    expect(ACCEPTED.length).toBeGreaterThanOrEqual(20);
  });

  it.each(REFUSED)('refuses %j', (target) => {
    const result = checkCanonicalPath(target);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toBe('');
  });

  it.each(ACCEPTED)('accepts %j', (target, path, query) => {
    expect(checkCanonicalPath(target)).toEqual({ ok: true, path, query });
  });

  it('names the problem so an agent developer can fix the request', () => {
    const reasonFor = (target: string) => {
      const result = checkCanonicalPath(target);
      return result.ok ? 'accepted' : result.reason;
    };
    expect(reasonFor('http://example.com/x')).toBe('absolute-form request-target');
    expect(reasonFor('example.com:443')).toBe('authority-form request-target');
    expect(reasonFor('/a/%2e%2e/b')).toMatch(/percent-encoded "\."/);
    expect(reasonFor('/a/%2Fb')).toMatch(/percent-encoded "\/"/);
    expect(reasonFor('/a/%41')).toMatch(/percent-encoded "A" \(%41\)/);
    expect(reasonFor('/a/%252e')).toMatch(/double percent-encoding/);
    expect(reasonFor('/a/%zz')).toMatch(/malformed percent-encoding at offset 3/);
    expect(reasonFor('/a//b')).toMatch(/"\/\/"/);
    expect(reasonFor('/a/../b')).toMatch(/dot segment/);
    expect(reasonFor('/a\\b')).toMatch(/backslash/);
    expect(reasonFor('/a;b')).toMatch(/";"/);
    expect(reasonFor('/a#b')).toMatch(/"#"/);
    expect(reasonFor('/a b')).toMatch(/space/);
    expect(reasonFor('/a\u00e9')).toMatch(/non-ASCII/);
    expect(reasonFor('/a\u0001')).toMatch(/control character/);
  });

  it('refuses every percent-encoded unreserved character, in both hex cases', () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
    for (const char of unreserved) {
      const hex = char.charCodeAt(0).toString(16);
      for (const spelling of [hex.toLowerCase(), hex.toUpperCase()]) {
        expect(checkCanonicalPath(`/openai/v1/x%${spelling}y`).ok, `%${spelling}`).toBe(false);
        expect(checkCanonicalPath(`/openai/v1/x%25${spelling}y`).ok, `%25${spelling}`).toBe(false);
      }
    }
  });

  it('accepts the percent-encodings that carry reserved or non-ASCII bytes', () => {
    const reserved = ' !"#$%&\'()*+,:;<=>?@[]^`{|}';
    for (const char of reserved) {
      const hex = char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
      expect(checkCanonicalPath(`/custom/x/a%${hex}b`).ok, `%${hex}`).toBe(true);
    }
    for (let byte = 0x80; byte <= 0xff; byte++) {
      expect(checkCanonicalPath(`/custom/x/a%${byte.toString(16)}b`).ok).toBe(true);
    }
  });

  it('returns the path and query exactly as received, without decoding', () => {
    expect(checkCanonicalPath('/custom/x/a%3Ab?q=%41&r=%2e')).toEqual({ ok: true, path: '/custom/x/a%3Ab', query: 'q=%41&r=%2e' });
  });
});

/** Sends `GET <target>` byte for byte and returns the `req.url` a real node:http server saw. */
async function urlSeenByNode(target: string): Promise<string> {
  const server = createServer((req, res) => {
    res.end(req.url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      });
      let response = '';
      socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(response.slice(response.indexOf('\r\n\r\n') + 4)));
    });
  } finally {
    server.close();
  }
}

describe('checkCanonicalPath on what Node actually hands the proxy', () => {
  it.each(['/openai/%2e%2e/custom/github', '/custom/github/repos%2fo', '/openai//v1', '/openai\\v1', '/custom/github/%72epos/o/r', '/a/b#frag'])(
    'Node passes %j through unnormalised, and it is refused',
    async (target) => {
      const url = await urlSeenByNode(target);
      expect(url).toBe(target);
      expect(checkCanonicalPath(url).ok).toBe(false);
    },
  );
});

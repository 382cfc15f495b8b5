/**
 * A GET that carries a body (Elasticsearch's `_search` takes its query there) reaches the upstream
 * with that body, the key injected, whether the agent gives its length or sends it chunked; a GET
 * without one stays without, and a HEAD's body is never sent. Before, every GET body was dropped and
 * the upstream answered another question than the one asked.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { type ProxyHost, startProxyHost } from './proxy-host';

const KEY = 'sk-test-FAKE-get-body-upstream-key';
const QUERY = JSON.stringify({ query: { match: { title: 'keygate' } }, size: 3 });

let upstream: MockUpstream;
let proxy: ProxyHost;

beforeAll(async () => {
  upstream = await startMockUpstream((request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, body: request.body }));
  });
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n\n[custom.search]\nbase_url = "${upstream.url}"\nauth_header = "Authorization"\nauth_value_prefix = "ApiKey "\n`,
    credentials: [{ service: 'search', secret: KEY }],
    agents: [{ name: 'searcher', scopes: ['custom:search'] }],
  });
});

afterAll(async () => {
  await proxy.stop();
  await upstream.close();
});

/** One request over a raw socket, as written (the socket kept open: a half-close is an agent leaving); the answer, until the proxy closes. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('a body on GET', () => {
  it('goes upstream with the key injected when its length is given, and a GET without one stays without', async () => {
    // fetch refuses a GET body itself: the agent here is a raw HTTP client, as `curl -X GET -d …` is.
    upstream.reset();
    const head = `GET /custom/search/books/_search HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nAuthorization: Bearer ${proxy.agentKeys.searcher}\r\nContent-Type: application/json\r\nConnection: close\r\n`;
    const answered = await rawRequest(`${head}Content-Length: ${Buffer.byteLength(QUERY)}\r\n\r\n${QUERY}`);
    expect(answered).toMatch(/^HTTP\/1\.1 200 /);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]).toMatchObject({ method: 'GET', url: '/books/_search', body: QUERY, complete: true });
    expect(upstream.received[0]!.headers.authorization).toBe(`ApiKey ${KEY}`);

    const answeredEmpty = await rawRequest(`${head}\r\n`);
    expect(answeredEmpty).toMatch(/^HTTP\/1\.1 200 /);
    expect(upstream.received[1]).toMatchObject({ method: 'GET', body: '' });
    expect(upstream.received[1]!.headers['content-length'] ?? '0').toBe('0');
    expect(upstream.received[1]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('goes upstream when the agent sends it chunked', async () => {
    upstream.reset();
    const chunked = `${QUERY.length.toString(16)}\r\n${QUERY}\r\n0\r\n\r\n`;
    const answered = await rawRequest(
      `GET /custom/search/books/_search HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nAuthorization: Bearer ${proxy.agentKeys.searcher}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`,
    );
    expect(answered).toMatch(/^HTTP\/1\.1 200 /);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]).toMatchObject({ method: 'GET', body: QUERY, complete: true });
  });

  it('a HEAD never sends one', async () => {
    upstream.reset();
    const answered = await rawRequest(
      `HEAD /custom/search/books HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nAuthorization: Bearer ${proxy.agentKeys.searcher}\r\nContent-Length: ${Buffer.byteLength(QUERY)}\r\nConnection: close\r\n\r\n${QUERY}`,
    );
    expect(answered).toMatch(/^HTTP\/1\.1 200 /);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]).toMatchObject({ method: 'HEAD', body: '' });
  });
});

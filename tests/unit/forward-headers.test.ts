import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateAgentKey } from '../../shared/agents/agent-keys';
import { buildClientResponseHeaders, buildUpstreamHeaders } from '../../native-host/src/proxy/forward-headers';

const INJECTED = { name: 'Authorization', value: 'Bearer sk-real-upstream-key' };

/** The headers a real node:http server parses from a raw request head, exactly as the proxy receives them. */
async function headersSeenByNode(head: string): Promise<IncomingHttpHeaders> {
  let seen: IncomingHttpHeaders = {};
  const server = createServer((req, res) => {
    seen = req.headers;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(head));
      socket.on('data', () => undefined);
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
  } finally {
    server.close();
  }
  return seen;
}

describe('buildUpstreamHeaders', () => {
  it('strips every credential the agent sent and injects only the real one', () => {
    const headers = buildUpstreamHeaders(
      {
        authorization: 'Bearer pk_agent',
        'x-api-key': 'pk_agent',
        'x-mbx-apikey': 'agent-binance-key',
        cookie: 'session=1',
        'proxy-authorization': 'Basic abc',
        'content-type': 'application/json',
      },
      INJECTED,
    );
    expect(headers).toEqual({ 'content-type': 'application/json', 'accept-encoding': 'identity', authorization: 'Bearer sk-real-upstream-key' });
    expect(JSON.stringify(headers)).not.toContain('pk_agent');
  });

  it('drops hop-by-hop, forwarding and origin headers and the ones the forwarder sets', () => {
    const headers = buildUpstreamHeaders(
      {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        host: '127.0.0.1:8472',
        'content-length': '42',
        origin: 'https://evil.example',
        referer: 'https://evil.example/page',
        forwarded: 'for=10.0.0.1',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        accept: 'application/json',
      },
      { name: 'x-api-key', value: 'sk-ant-real' },
    );
    expect(headers).toEqual({ accept: 'application/json', 'accept-encoding': 'identity', 'x-api-key': 'sk-ant-real' });
  });

  it('drops headers that Connection names as hop-by-hop', () => {
    const headers = buildUpstreamHeaders(
      { connection: 'close, X-Session-Token ,x-debug', 'x-session-token': 'abc', 'x-debug': '1', 'x-trace': 't' },
      INJECTED,
    );
    expect(headers).toEqual({ 'x-trace': 't', 'accept-encoding': 'identity', authorization: INJECTED.value });
  });

  it('drops method-override headers, so a rule judged on the real method cannot be sidestepped', () => {
    const incoming: IncomingHttpHeaders = { 'x-http-method-override': 'DELETE', 'x-http-method': 'DELETE', 'x-method-override': 'DELETE', 'content-type': 'application/json' };
    expect(buildUpstreamHeaders(incoming, INJECTED)).toEqual({ 'content-type': 'application/json', 'accept-encoding': 'identity', authorization: INJECTED.value });
  });

  it('drops the headers some servers route on instead of the request path', () => {
    const incoming: IncomingHttpHeaders = { 'x-original-url': '/admin/delete', 'x-rewrite-url': '/admin/delete', 'x-override-url': '/admin', accept: 'application/json' };
    expect(buildUpstreamHeaders(incoming, INJECTED)).toEqual({ accept: 'application/json', 'accept-encoding': 'identity', authorization: INJECTED.value });
  });

  it('drops any header that carries an agent key, whatever its name or what surrounds the key', async () => {
    const { key } = await generateAgentKey();
    const incoming: IncomingHttpHeaders = {
      'api-key': key,
      'x-goog-api-key': key,
      'x-custom-token': `token=${key}; v=1`,
      'x-api-keys': [`other`, `Bearer ${key}`],
      'x-trace': 'pk_short-not-a-key',
      accept: 'application/json',
    };
    const headers = buildUpstreamHeaders(incoming, INJECTED);
    expect(headers).toEqual({ 'x-trace': 'pk_short-not-a-key', accept: 'application/json', 'accept-encoding': 'identity', authorization: INJECTED.value });
    expect(JSON.stringify(headers)).not.toContain(key);
  });

  it('keeps the headers SDKs rely on', () => {
    const kept = {
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'tools-2024-04-04',
      'openai-beta': 'assistants=v2',
      'openai-organization': 'org-1',
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'user-agent': 'OpenAI/JS 6.49.0',
      'x-stainless-retry-count': '0',
      'idempotency-key': 'k-1',
    };
    expect(buildUpstreamHeaders(kept, INJECTED)).toEqual({ ...kept, 'accept-encoding': 'identity', authorization: INJECTED.value });
  });

  it('asks the upstream for an uncompressed body, so an echoed key can be scrubbed', () => {
    const headers = buildUpstreamHeaders({ 'accept-encoding': 'gzip, deflate, br' }, INJECTED);
    expect(headers['accept-encoding']).toBe('identity');
  });

  it('joins repeated values into one comma-separated field', () => {
    const headers = buildUpstreamHeaders({ 'x-tags': ['a', 'b', 'c'], accept: 'text/plain' } as IncomingHttpHeaders, INJECTED);
    expect(headers['x-tags']).toBe('a, b, c');
  });

  it('lower-cases the injected header so it cannot sit beside a client copy', () => {
    const headers = buildUpstreamHeaders({ 'x-mbx-apikey': 'agent' }, { name: 'X-MBX-APIKEY', value: 'real' });
    expect(headers).toEqual({ 'accept-encoding': 'identity', 'x-mbx-apikey': 'real' });
  });

  it('cleans the headers of a real request as Node parses it', async () => {
    const incoming = await headersSeenByNode(
      [
        'POST /anthropic/v1/messages HTTP/1.1',
        'Host: 127.0.0.1:8472',
        'X-Api-Key: pk_agentkey',
        'Authorization: Bearer pk_agentkey',
        'Cookie: a=1',
        'Cookie: b=2',
        'Anthropic-Version: 2023-06-01',
        'Accept: text/event-stream',
        'Accept: application/json',
        'Connection: close, X-Hop',
        'X-Hop: secret-ish',
        'X-Forwarded-For: 1.2.3.4',
        'Content-Type: application/json',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    expect(buildUpstreamHeaders(incoming, { name: 'x-api-key', value: 'sk-ant-real' })).toEqual({
      'anthropic-version': '2023-06-01',
      accept: 'text/event-stream, application/json',
      'content-type': 'application/json',
      'accept-encoding': 'identity',
      'x-api-key': 'sk-ant-real',
    });
  });
});

describe('buildClientResponseHeaders', () => {
  it('drops cookies, CORS, hop-by-hop headers and the length scrubbing may change', () => {
    const headers = buildClientResponseHeaders({
      'content-type': 'text/event-stream',
      'content-length': '1234',
      'set-cookie': ['__cf_bm=abc; path=/', 'other=1'],
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'proxy-authenticate': 'Basic',
      upgrade: 'h2c',
      trailer: 'x-checksum',
      'x-request-id': 'req_1',
      'retry-after': '20',
      'x-ratelimit-remaining-requests': '99',
      'x-mbx-used-weight-1m': '12',
      'cache-control': 'no-cache',
      vary: undefined,
    });
    expect(headers).toEqual({
      'content-type': 'text/event-stream',
      'x-request-id': 'req_1',
      'retry-after': '20',
      'x-ratelimit-remaining-requests': '99',
      'x-mbx-used-weight-1m': '12',
      'cache-control': 'no-cache',
    });
  });

  it('drops headers the upstream Connection field names, whatever their case', () => {
    const headers = buildClientResponseHeaders({ Connection: 'X-Internal', 'X-Internal': 'node-7', 'X-Request-Id': 'r' });
    expect(headers).toEqual({ 'x-request-id': 'r' });
  });

  it('keeps repeated response headers as a list', () => {
    const upstream = { link: ['<a>; rel="next"', '<b>; rel="last"'] };
    const headers = buildClientResponseHeaders(upstream);
    expect(headers).toEqual({ link: ['<a>; rel="next"', '<b>; rel="last"'] });
    expect(headers.link).not.toBe(upstream.link);
  });
});

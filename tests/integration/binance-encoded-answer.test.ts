/**
 * An order Binance executed but answered in a form Keygate will not relay (compressed although it
 * asked for identity) is refused to the agent, yet its volume stays counted: the order happened.
 * A refusal Keygate cannot read (a compressed 4xx, which may carry -1007 "execution status
 * unknown") proves nothing either, so its volume stays counted too.
 * A relay in front of the mock exchange compresses its order answers; the built host trades through it.
 */
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BINANCE_LEDGER_FILE } from '../../native-host/src/proxy/proxy-runtime';
import { fakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { agentError, binancePolicy, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

let mock: MockBinance;
let compressing: Server;
let proxy: ProxyHost;

/** Passes every call to the mock exchange; an order placement's answer comes back gzip-compressed. */
function startCompressingRelay(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const { 'content-length': _length, ...headers } = answer.headers;
        const compress = req.method === 'POST' && req.url?.startsWith('/api/v3/order?');
        res.writeHead(answer.statusCode ?? 502, compress ? { ...headers, 'content-encoding': 'gzip' } : headers);
        res.end(compress ? gzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks));
      });
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  const key = fakeBinanceKey('hmac', 'compressed');
  mock = await startMockBinance({ keys: [key.mock] });
  compressing = await startCompressingRelay(mock.url);
  const relayUrl = `http://127.0.0.1:${(compressing.address() as AddressInfo).port}`;
  proxy = await startProxyHost({
    policy: binancePolicy(relayUrl, { max_order_value_usd: 500, daily_volume_usd: 5000 }),
    credentials: [key.credential],
    agents: [{ name: 'trader', scopes: ['binance:trade'] }],
  });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
});

afterAll(async () => {
  await proxy?.stop();
  compressing?.closeAllConnections();
  await new Promise((resolve) => compressing?.close(resolve));
  await mock?.close();
});

/** A 300 USD limit order, as an agent would place it. */
function placeOrder() {
  return proxy.raw({
    method: 'POST',
    path: '/binance/api/v3/order',
    headers: [['Authorization', `Bearer ${proxy.agentKeys.trader}`], ['Content-Type', 'application/x-www-form-urlencoded']],
    body: 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.005&price=60000',
  });
}

async function todaysVolume(): Promise<string | undefined> {
  const ledger = JSON.parse(await readFile(join(proxy.dataDir, BINANCE_LEDGER_FILE), 'utf8')) as { days: Record<string, string> };
  return ledger.days[new Date().toISOString().slice(0, 10)];
}

it('refuses the compressed answer of an executed order and keeps its volume counted', async () => {
  expect(agentError(await placeOrder()).code).toBe('UPSTREAM_ENCODING_REFUSED');
  expect(mock.orders).toHaveLength(1);
  expect(await todaysVolume()).toBe('300.00');
});

it('keeps the volume of an order whose refusal came back compressed (its -1007 unreadable)', async () => {
  mock.rejectNextOrders(1, { status: 400, code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' });
  expect(agentError(await placeOrder()).code).toBe('UPSTREAM_ENCODING_REFUSED');
  expect(mock.orders).toHaveLength(1);
  expect(await todaysVolume()).toBe('600.00');
});

/**
 * The daily volume cap survives `kill -9` of the built host in the middle of trading: agents keep a
 * stream of orders going (some held on the exchange, unanswered, when the host dies), the host is
 * SIGKILLed, and a new host on the same data directory finds a ledger that parses and counts at
 * least every order Binance received (at most those plus the orders in flight), then holds new
 * orders to what is left of the cap.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BINANCE_LEDGER_FILE } from '../../native-host/src/proxy/proxy-runtime';
import { fakeBinanceKey, type FakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { agentError, binancePolicy, type ProxyHost, type RawResponse, startProxyHost, waitForHostEvent } from './proxy-host';

const DAILY_CAP_USD = 5000;
const ORDER_USD = 60;
const SIXTY_DOLLARS = 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000';
const AGENTS = 6;
/** Orders Binance must have received (in this round) before the host is killed. */
const ORDERS_BEFORE_KILL = 8;
const KILL_MOMENTS: KillMoment[] = ['on-arrival', 'random', 'on-arrival', 'random'];
/** Binance holds each order this long before answering: when the host dies, some have executed unanswered. */
const ORDER_LATENCY_MS = 150;

let dataDir: string;
let key: FakeBinanceKey;
let mock: MockBinance;
const hosts: ProxyHost[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'keygate-binance-crash-'));
  key = fakeBinanceKey('hmac', 'crash');
  mock = await startMockBinance({ keys: [key.mock] });
});

afterAll(async () => {
  for (const host of hosts) await host.stop();
  await mock?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function startHostOnDataDir(): Promise<ProxyHost> {
  const proxy = await startProxyHost({
    policy: binancePolicy(mock.url, { max_order_value_usd: 500, daily_volume_usd: DAILY_CAP_USD }),
    credentials: [key.credential],
    agents: [{ name: 'trader', scopes: ['binance:trade'] }],
    dataDir,
  });
  hosts.push(proxy);
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  return proxy;
}

function placeOrder(proxy: ProxyHost): Promise<RawResponse> {
  return proxy.raw({
    method: 'POST',
    path: '/binance/api/v3/order',
    headers: [['Authorization', `Bearer ${proxy.agentKeys.trader}`], ['Content-Type', 'application/x-www-form-urlencoded']],
    body: SIXTY_DOLLARS,
  });
}

/** The ledger as a new host will read it: it must parse; the day's total in cents. */
async function ledgerCents(): Promise<number> {
  const ledger = JSON.parse(await readFile(join(dataDir, BINANCE_LEDGER_FILE), 'utf8')) as { format: string; version: number; days: Record<string, string> };
  expect(ledger).toMatchObject({ format: 'keygate-daily-volume', version: 1 });
  return Object.values(ledger.days).reduce((sum, usd) => sum + Math.round(Number(usd) * 100), 0);
}

interface Round {
  /** Orders Binance accepted during the round. */
  reachedBinance: number;
  /** Requests that got no answer because the host died under them. */
  inFlight: number;
  answered: number;
}

/**
 * How the host dies once Binance has ORDERS_BEFORE_KILL more orders: `on-arrival` the instant the
 * last of them reaches the exchange (any reservation not yet on disk by then is lost), `random` up
 * to one order latency later (orders are then being reserved, on their way, or held at the exchange).
 */
type KillMoment = 'on-arrival' | 'random';

/** Keeps AGENTS order streams going (started staggered) until the host is SIGKILLed. */
async function tradeUntilKilled(proxy: ProxyHost, moment: KillMoment): Promise<Round> {
  const ordersAtStart = mock.orders.length;
  let killed = false;
  let answered = 0;
  let inFlight = 0;
  const kill = () => {
    killed = true;
    proxy.host.child.kill('SIGKILL');
  };
  const agent = async (index: number) => {
    await delay((index * ORDER_LATENCY_MS) / AGENTS);
    while (!killed) {
      try {
        const response = await placeOrder(proxy);
        expect(response.status, response.body).toBe(200);
        answered++;
      } catch {
        inFlight++;
      }
    }
  };
  if (moment === 'on-arrival') {
    mock.onOrderReceived(() => {
      if (!killed && mock.orders.length - ordersAtStart >= ORDERS_BEFORE_KILL) kill();
    });
  }
  const streams = Array.from({ length: AGENTS }, (_, index) => agent(index));
  while (!killed && mock.orders.length - ordersAtStart < ORDERS_BEFORE_KILL) await delay(5);
  if (!killed) {
    await delay(Math.random() * ORDER_LATENCY_MS);
    kill();
  }
  expect(await proxy.host.exited).toBeNull();
  mock.onOrderReceived(null);
  await Promise.all(streams);
  // Requests already on their way to the mock land after the kill; count them too.
  await delay(300);
  return { reachedBinance: mock.orders.length - ordersAtStart, inFlight, answered };
}

it('keeps every order Binance received through kill -9 of the host, and holds the cap after a restart', async () => {
  mock.setOrderLatency(ORDER_LATENCY_MS);
  let before = 0;
  for (const [round, moment] of KILL_MOMENTS.entries()) {
    const proxy = await startHostOnDataDir();
    // The first host finds no ledger; the next one finds what the killed one left, unchanged.
    if (round > 0) expect(await ledgerCents()).toBe(before);
    const result = await tradeUntilKilled(proxy, moment);
    expect(result.inFlight).toBeGreaterThan(0);
    expect(result.reachedBinance).toBeGreaterThanOrEqual(result.answered);

    const cents = await ledgerCents();
    const booked = (cents - before) / (ORDER_USD * 100);
    expect(Number.isInteger(booked)).toBe(true);
    // Never less than Binance received (an executed order always counts), never more than that plus
    // the orders that were in flight when the host died.
    expect(booked).toBeGreaterThanOrEqual(result.reachedBinance);
    expect(booked).toBeLessThanOrEqual(result.reachedBinance + result.inFlight);
    before = cents;
  }
  mock.setOrderLatency(0);

  // A new host on the same data directory starts from the ledger, not from $0.
  const proxy = await startHostOnDataDir();
  const usedCents = await ledgerCents();
  const remainingOrders = Math.floor((DAILY_CAP_USD * 100 - usedCents) / (ORDER_USD * 100));
  const ordersBefore = mock.orders.length;
  for (let placed = 0; placed < remainingOrders; placed++) {
    const response = await placeOrder(proxy);
    expect(response.status, `order ${placed + 1} of the ${remainingOrders} left: ${response.body}`).toBe(200);
  }
  const refused = agentError(await placeOrder(proxy));
  expect(refused.code).toBe('DAILY_VOLUME_EXCEEDED');
  const usedNow = usedCents + remainingOrders * ORDER_USD * 100;
  expect(refused.message).toContain(`$${(usedNow / 100).toFixed(2)} of $${DAILY_CAP_USD} used today`);
  expect(mock.orders.length).toBe(ordersBefore + remainingOrders);
  expect(await ledgerCents()).toBe(usedNow);
  // Opening the ledger cleared what the killed writers left behind: only the ledger and the audit log
  // remain, and the ledger's lock, taken over from the killed hosts by the one now running.
  expect((await readdir(dataDir)).filter((name) => name.includes(BINANCE_LEDGER_FILE)).sort()).toEqual([BINANCE_LEDGER_FILE, `${BINANCE_LEDGER_FILE}.lock`]);
  expect((await readFile(join(dataDir, `${BINANCE_LEDGER_FILE}.lock`), 'utf8')).trim()).toBe(String(proxy.host.child.pid));
});

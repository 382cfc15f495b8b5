import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { centsRoundedUp, decimalFromNumber, formatDecimal, parseDecimal } from '../../native-host/src/binance/order-decimal';
import { ORDER_ENDPOINTS, computeOrderValue, isOrderPlacing, type OrderValue } from '../../native-host/src/binance/order-value';
import { PriceCache } from '../../native-host/src/binance/price-cache';

interface Market {
  /** Last price of the order's symbol; a function may throw. Default 100. */
  last?: number | null | (() => Promise<number | null>);
  quoteAsset?: string;
  /** USD price per non-USD quote asset. */
  usd?: Record<string, number | null>;
  method?: string;
}

async function valueOf(path: string, params: Record<string, string>, market: Market = {}) {
  const calls = { last: 0, usd: [] as string[] };
  const { last = 100 } = market;
  const result = await computeOrderValue({
    method: market.method ?? 'POST',
    path,
    params: new Map(Object.entries(params)),
    quoteAsset: market.quoteAsset ?? 'USDT',
    lastPrice: () => {
      calls.last++;
      return typeof last === 'function' ? last() : Promise.resolve(last);
    },
    quoteUsdPrice: (asset) => {
      calls.usd.push(asset);
      return Promise.resolve(market.usd?.[asset] ?? null);
    },
  });
  return { result, calls };
}

function valued(result: OrderValue) {
  if (!result.ok) throw new Error(`expected a value, got: ${result.detail}`);
  return result;
}

function refused(result: OrderValue): string {
  if (result.ok) throw new Error(`expected ORDER_VALUE_UNKNOWN, got $${result.valueUsd}`);
  expect(result.code).toBe('ORDER_VALUE_UNKNOWN');
  return result.detail;
}

const ORDER = '/api/v3/order';
const limitBuy = (quantity: string, price: string) => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity, price });

describe('order endpoints', () => {
  it('values every order-placing endpoint Keygate forwards, and nothing else', () => {
    const tsv = readFileSync(new URL('../../native-host/src/binance/data/binance-spot-endpoints.tsv', import.meta.url), 'utf8');
    const writes = tsv
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split('\t'))
      .filter(([method]) => method === 'POST' || method === 'PUT')
      .map(([method, path]) => `${method} ${path}`);
    expect([...ORDER_ENDPOINTS.keys()].sort()).toEqual(writes.sort());
  });

  it('treats placing and test orders as order-placing, but not amends, cancels or reads', () => {
    for (const path of ['/api/v3/order', '/api/v3/order/test', '/api/v3/sor/order', '/api/v3/sor/order/test', '/api/v3/order/cancelReplace', '/api/v3/order/oco', '/api/v3/orderList/oco', '/api/v3/orderList/oto', '/api/v3/orderList/otoco', '/api/v3/orderList/opo', '/api/v3/orderList/opoco']) {
      expect(isOrderPlacing('POST', path), path).toBe(true);
    }
    expect(isOrderPlacing('post', ORDER)).toBe(true);
    expect(isOrderPlacing('PUT', '/api/v3/order/amend/keepPriority')).toBe(false);
    expect(isOrderPlacing('DELETE', ORDER)).toBe(false);
    expect(isOrderPlacing('GET', ORDER)).toBe(false);
    expect(isOrderPlacing('POST', '/api/v3/orderList')).toBe(false);
    expect(isOrderPlacing('POST', '/api/v3/order/')).toBe(false);
  });

  it('refuses to value a request that places no order', async () => {
    const { result } = await valueOf('/api/v3/account', {}, { method: 'GET' });
    expect(refused(result)).toContain('does not place an order');
  });
});

describe('single orders', () => {
  it('values a limit buy at quantity × price without asking for the market price', async () => {
    const { result, calls } = await valueOf(ORDER, limitBuy('0.01', '50000'));
    expect(valued(result)).toEqual({ ok: true, valueUsd: 500, valueQuote: 500, basis: 'quantity × price', reserve: true });
    expect(calls.last).toBe(0);
  });

  it('values a market order by quantity at the last price', async () => {
    const { result } = await valueOf(ORDER, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.005' }, { last: 60000.5 });
    expect(valued(result)).toMatchObject({ valueUsd: 300.01, valueQuote: 300.0025, basis: 'quantity × last price 60000.5' });
  });

  it('values a market order by quoteOrderQty exactly, buying or selling', async () => {
    for (const side of ['BUY', 'SELL']) {
      const { result, calls } = await valueOf(ORDER, { symbol: 'BTCUSDT', side, type: 'MARKET', quoteOrderQty: '250.5' });
      expect(valued(result)).toMatchObject({ valueUsd: 250.5, basis: 'quoteOrderQty' });
      expect(calls.last).toBe(0);
    }
  });

  it('refuses a market order by quantity when the last price is unknown or its lookup fails', async () => {
    const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1' };
    expect(refused((await valueOf(ORDER, order, { last: null })).result)).toContain('last price');
    expect(refused((await valueOf(ORDER, order, { last: () => Promise.reject(new Error('down')) })).result)).toContain('last price');
    expect(refused((await valueOf(ORDER, order, { last: Number.NaN })).result)).toContain('last price');
  });

  it('values a sell below the market at the market price it will fill at', async () => {
    const sellLow = { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '2', price: '1' };
    expect(valued((await valueOf(ORDER, sellLow, { last: 60000 })).result)).toMatchObject({ valueUsd: 120000, basis: 'quantity × last price 60000' });
    const sellHigh = { ...sellLow, price: '70000' };
    expect(valued((await valueOf(ORDER, sellHigh, { last: 60000 })).result)).toMatchObject({ valueUsd: 140000, basis: 'quantity × price' });
  });

  it('ignores a price that does not bound a buy: market, stop-market and pegged orders', async () => {
    const market = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', price: '0.01' };
    expect(valued((await valueOf(ORDER, market, { last: 60000 })).result).valueUsd).toBe(60000);
    const pegged = { ...limitBuy('1', '0.01'), pegPriceType: 'MARKET_PEG' };
    expect(valued((await valueOf(ORDER, pegged, { last: 60000 })).result).valueUsd).toBe(60000);
    const stopBuy = { symbol: 'BTCUSDT', side: 'BUY', type: 'STOP_LOSS', quantity: '1', stopPrice: '61000' };
    expect(valued((await valueOf(ORDER, stopBuy, { last: 60000 })).result)).toMatchObject({ valueUsd: 61000, basis: 'quantity × stopPrice' });
  });

  it('takes the larger of quantity and quoteOrderQty when both are sent', async () => {
    const both = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', quoteOrderQty: '10' };
    expect(valued((await valueOf(ORDER, both, { last: 500 })).result).valueUsd).toBe(500);
  });

  it('needs quantity or quoteOrderQty', async () => {
    expect(refused((await valueOf(ORDER, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET' })).result)).toContain('quoteOrderQty');
  });

  it('checks test orders without reserving, and reserves SOR and cancel-replace orders', async () => {
    expect(valued((await valueOf('/api/v3/order/test', limitBuy('1', '10'))).result)).toMatchObject({ valueUsd: 10, reserve: false });
    expect(valued((await valueOf('/api/v3/sor/order/test', limitBuy('1', '10'))).result)).toMatchObject({ valueUsd: 10, reserve: false });
    expect(valued((await valueOf('/api/v3/sor/order', limitBuy('1', '10'))).result)).toMatchObject({ valueUsd: 10, reserve: true });
    const replace = { ...limitBuy('3', '20'), cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: '12' };
    expect(valued((await valueOf('/api/v3/order/cancelReplace', replace)).result)).toMatchObject({ valueUsd: 60, reserve: true });
  });

  it('lets an amend through with nothing to reserve: it only lowers a quantity', async () => {
    const { result, calls } = await valueOf('/api/v3/order/amend/keepPriority', { symbol: 'BTCUSDT', orderId: '1', newQty: '0.5' }, { method: 'PUT' });
    expect(valued(result)).toMatchObject({ valueUsd: 0, reserve: false });
    expect(calls.last).toBe(0);
  });
});

describe('order lists', () => {
  it('values a deprecated OCO at its larger leg', async () => {
    // SELL: LIMIT_MAKER at 110 above the market, stop-limit below it (fills at the market at worst).
    const sell = { symbol: 'BTCUSDT', side: 'SELL', quantity: '1', price: '110', stopPrice: '90', stopLimitPrice: '89', stopLimitTimeInForce: 'GTC' };
    expect(valued((await valueOf('/api/v3/order/oco', sell)).result)).toMatchObject({ valueUsd: 110, basis: 'max(quantity × price, quantity × last price 100)' });
    // BUY: limit at 90 below the market, stop-limit buying at up to 111.
    const buy = { symbol: 'BTCUSDT', side: 'BUY', quantity: '2', price: '90', stopPrice: '110', stopLimitPrice: '111', stopLimitTimeInForce: 'GTC' };
    expect(valued((await valueOf('/api/v3/order/oco', buy)).result)).toMatchObject({ valueUsd: 222, basis: 'max(quantity × price, quantity × stopLimitPrice)' });
    // Without stopLimitPrice the stop leg is a STOP_LOSS market order: at least its stopPrice.
    const { stopLimitPrice: _limit, stopLimitTimeInForce: _tif, ...buyStopMarket } = buy;
    expect(valued((await valueOf('/api/v3/order/oco', buyStopMarket)).result).valueUsd).toBe(220);
  });

  it('values an OCO order list at its larger leg and asks for the last price once', async () => {
    const oco = {
      symbol: 'BTCUSDT', side: 'SELL', quantity: '2',
      aboveType: 'LIMIT_MAKER', abovePrice: '120',
      belowType: 'STOP_LOSS_LIMIT', belowPrice: '79', belowStopPrice: '80', belowTimeInForce: 'GTC',
    };
    const { result, calls } = await valueOf('/api/v3/orderList/oco', oco);
    expect(valued(result)).toMatchObject({ valueUsd: 240, basis: 'max(quantity × abovePrice, quantity × last price 100)' });
    expect(calls.last).toBe(1);
  });

  it('adds up both orders of an OTO', async () => {
    const oto = {
      symbol: 'BTCUSDT',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '100', workingQuantity: '1', workingTimeInForce: 'GTC',
      pendingType: 'LIMIT', pendingSide: 'SELL', pendingPrice: '110', pendingQuantity: '1', pendingTimeInForce: 'GTC',
    };
    expect(valued((await valueOf('/api/v3/orderList/oto', oto)).result)).toMatchObject({ valueUsd: 210, basis: 'workingQuantity × workingPrice + pendingQuantity × pendingPrice' });
    const { pendingQuantity: _quantity, ...withoutPendingQuantity } = oto;
    expect(refused((await valueOf('/api/v3/orderList/oto', withoutPendingQuantity)).result)).toContain('"pendingQuantity" is missing');
  });

  it('adds the working order of an OTOCO to the larger of its pending pair', async () => {
    const otoco = {
      symbol: 'BTCUSDT',
      workingType: 'LIMIT', workingSide: 'SELL', workingPrice: '100', workingQuantity: '1', workingTimeInForce: 'GTC',
      pendingSide: 'BUY', pendingQuantity: '1',
      pendingAboveType: 'STOP_LOSS_LIMIT', pendingAbovePrice: '131', pendingAboveStopPrice: '130', pendingAboveTimeInForce: 'GTC',
      pendingBelowType: 'TAKE_PROFIT_LIMIT', pendingBelowPrice: '80', pendingBelowStopPrice: '81', pendingBelowTimeInForce: 'GTC',
    };
    expect(valued((await valueOf('/api/v3/orderList/otoco', otoco)).result)).toMatchObject({
      valueUsd: 231,
      basis: 'workingQuantity × workingPrice + max(pendingQuantity × pendingAbovePrice, pendingQuantity × pendingBelowPrice)',
    });
  });

  it('values an OPO pending order at the working quantity, whatever pendingQuantity says', async () => {
    const opo = {
      symbol: 'BTCUSDT',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '100', workingQuantity: '0.5', workingTimeInForce: 'GTC',
      pendingType: 'LIMIT', pendingSide: 'SELL', pendingPrice: '120', pendingTimeInForce: 'GTC',
    };
    const expected = { valueUsd: 110, basis: 'workingQuantity × workingPrice + workingQuantity × pendingPrice' };
    expect(valued((await valueOf('/api/v3/orderList/opo', opo)).result)).toMatchObject(expected);
    expect(valued((await valueOf('/api/v3/orderList/opo', { ...opo, pendingQuantity: '0.001' })).result)).toMatchObject(expected);
  });

  it('values an OPOCO as working + the larger pending leg at the working quantity', async () => {
    const opoco = {
      symbol: 'BTCUSDT',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '100', workingQuantity: '0.5', workingTimeInForce: 'GTC',
      pendingSide: 'SELL',
      pendingAboveType: 'LIMIT_MAKER', pendingAbovePrice: '120',
      pendingBelowType: 'STOP_LOSS_LIMIT', pendingBelowPrice: '89', pendingBelowStopPrice: '90', pendingBelowTimeInForce: 'GTC',
    };
    expect(valued((await valueOf('/api/v3/orderList/opoco', opoco, { last: 150 })).result)).toMatchObject({
      valueUsd: 125,
      basis: 'workingQuantity × workingPrice + max(workingQuantity × last price 150, workingQuantity × last price 150)',
    });
    expect(valued((await valueOf('/api/v3/orderList/opoco', opoco, { last: 100 })).result).valueUsd).toBe(110);
  });
});

describe('US dollars', () => {
  it('counts every USD stablecoin quote 1:1 without a conversion lookup', async () => {
    for (const quoteAsset of ['USDT', 'USDC', 'FDUSD', 'TUSD', 'USDP', 'DAI', 'BUSD', 'usdc']) {
      const { result, calls } = await valueOf(ORDER, limitBuy('2', '12.5'), { quoteAsset });
      expect(valued(result).valueUsd, quoteAsset).toBe(25);
      expect(calls.usd).toEqual([]);
    }
  });

  it('converts another quote asset through its USD price', async () => {
    const { result, calls } = await valueOf(ORDER, { ...limitBuy('2', '0.05'), symbol: 'ETHBTC' }, { quoteAsset: 'BTC', usd: { BTC: 60000.25 } });
    expect(valued(result)).toMatchObject({ valueQuote: 0.1, valueUsd: 6000.03, basis: 'quantity × price in BTC, × 60000.25 USD/BTC' });
    expect(calls.usd).toEqual(['BTC']);
  });

  it('refuses an order in a quote asset with no USD price', async () => {
    expect(refused((await valueOf(ORDER, limitBuy('1', '1'), { quoteAsset: 'XYZ' })).result)).toContain('XYZ');
  });
});

describe('strict decimals', () => {
  it('refuses anything but a plain non-negative decimal, naming the parameter', async () => {
    for (const bad of ['1e3', 'NaN', 'Infinity', '-1', '', ' 1', '1 ', '+1', '.5', '5.', '0x10', '1,5', '1_000', '١', `1${'0'.repeat(40)}`]) {
      expect(refused((await valueOf(ORDER, limitBuy(bad, '10'))).result), JSON.stringify(bad)).toContain('"quantity" must be a plain non-negative decimal');
      expect(refused((await valueOf(ORDER, limitBuy('1', bad))).result), JSON.stringify(bad)).toContain('"price"');
    }
  });

  it('accepts trailing and leading zeros', async () => {
    expect(valued((await valueOf(ORDER, limitBuy('0.00100000', '007'))).result).valueQuote).toBe(0.007);
  });

  it('multiplies exactly, where binary floats drift', async () => {
    expect(3 * 0.1).not.toBe(0.3);
    expect(valued((await valueOf(ORDER, limitBuy('3', '0.1'))).result)).toMatchObject({ valueUsd: 0.3, valueQuote: 0.3 });
    expect(valued((await valueOf(ORDER, limitBuy('0.1', '0.2'))).result).valueQuote).toBe(0.02);
  });

  it('is exactly at the cap when the order is, and above it by any fraction of a cent', async () => {
    const cap = 500;
    const atCap = valued((await valueOf(ORDER, limitBuy('0.001', '500000'))).result).valueUsd;
    expect(atCap).toBe(500);
    expect(atCap > cap).toBe(false);
    const justOver = valued((await valueOf(ORDER, limitBuy('0.0010000001', '500000'))).result).valueUsd;
    expect(justOver).toBe(500.01);
    expect(justOver > cap).toBe(true);
    // 33.333 × 15 = 499.995: a fraction of a cent rounds up, never down past the cap.
    expect(valued((await valueOf(ORDER, limitBuy('33.333', '15'))).result).valueUsd).toBe(500);
  });

  it('reads numbers Keygate fetched, exponent form included', () => {
    expect(formatDecimal(decimalFromNumber(1e-7) ?? { units: -1n, scale: 0 })).toBe('0.0000001');
    expect(formatDecimal(decimalFromNumber(1.5e21) ?? { units: -1n, scale: 0 })).toBe('1500000000000000000000');
    expect(decimalFromNumber(-1)).toBeNull();
    expect(decimalFromNumber(Number.POSITIVE_INFINITY)).toBeNull();
    expect(centsRoundedUp(parseDecimal('0.001') ?? { units: -1n, scale: 0 })).toBe(1n);
  });
});

describe('PriceCache', () => {
  it('shares one fetch per symbol among concurrent callers', async () => {
    let fetches = 0;
    let finish: (price: number) => void = () => undefined;
    const cache = new PriceCache((symbol) => {
      fetches++;
      return symbol === 'BTCUSDT' ? new Promise((resolve) => (finish = resolve)) : Promise.resolve(3000);
    });
    const waiting = [cache.get('BTCUSDT'), cache.get('BTCUSDT'), cache.get('BTCUSDT')];
    expect(await cache.get('ETHUSDT')).toBe(3000);
    expect(fetches).toBe(2);
    finish(60000);
    expect(await Promise.all(waiting)).toEqual([60000, 60000, 60000]);
  });

  it('keeps a price for the TTL, then fetches again', async () => {
    let clock = 1_000_000;
    let price = 100;
    let fetches = 0;
    const fetchPrice = () => {
      fetches++;
      return Promise.resolve(price);
    };
    const cache = new PriceCache(fetchPrice, 5000, () => clock);
    expect(await cache.get('BTCUSDT')).toBe(100);
    price = 101;
    clock += 4999;
    expect(await cache.get('BTCUSDT')).toBe(100);
    clock += 1;
    expect(await cache.get('BTCUSDT')).toBe(101);
    expect(fetches).toBe(2);
  });

  it('does not cache a missing price or a failure', async () => {
    const answers: Array<() => Promise<number | null>> = [() => Promise.resolve(null), () => Promise.reject(new Error('timeout')), () => Promise.resolve(0), () => Promise.resolve(42)];
    const cache = new PriceCache(() => (answers.shift() ?? (() => Promise.resolve(-1)))());
    expect(await cache.get('BTCUSDT')).toBeNull();
    await expect(cache.get('BTCUSDT')).rejects.toThrow('timeout');
    expect(await cache.get('BTCUSDT')).toBeNull();
    expect(await cache.get('BTCUSDT')).toBe(42);
    expect(await cache.get('BTCUSDT')).toBe(42);
  });
});

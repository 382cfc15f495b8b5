/**
 * What a Binance order request is worth, in its quote asset and in US dollars, so the proxy can hold
 * it to the policy's max order value and daily volume. Pure: prices come from the caller.
 *
 * An order's value is `quoteOrderQty`, else `quantity × price`, else `quantity ×` the last price;
 * for order lists, the orders that can all execute are added up (see order-legs.ts). Whenever the
 * price in the request does not bound what the order pays or gets, the value is the larger of it
 * and the last price, so a request cannot understate its value:
 * - a SELL at a limit price below the market fills at the market price (selling 1 BTC "at 1 USDT"
 *   is a ~$100k order, not a $1 one);
 * - MARKET, STOP_LOSS and TAKE_PROFIT orders execute at the market, whatever `price` says;
 * - a pegged order's price follows the book.
 * Values are rounded up to whole cents only at the end, so a cap check at the boundary is exact.
 */
import {
  type Decimal,
  ZERO,
  addDecimals,
  centsRoundedUp,
  centsToNumber,
  compareDecimals,
  decimalFromNumber,
  decimalToNumber,
  formatDecimal,
  multiplyDecimals,
} from './order-decimal';
import { type OrderLeg, type OrderShape, readOrderPlan } from './order-legs';

export type OrderEndpoint =
  | { kind: 'order' | 'test' | 'cancelReplace' | 'list'; shape: OrderShape }
  | { kind: 'amend' };

/** Binance Spot endpoints that place (or test, or amend) orders, keyed `METHOD /path`. */
export const ORDER_ENDPOINTS: ReadonlyMap<string, OrderEndpoint> = new Map<string, OrderEndpoint>([
  ['POST /api/v3/order', { kind: 'order', shape: 'single' }],
  // Validated by Binance but never sent to the matching engine: checked against the caps, reserves nothing.
  ['POST /api/v3/order/test', { kind: 'test', shape: 'single' }],
  // SOR takes LIMIT and MARKET with `quantity` (no `quoteOrderQty`): the same parameters as an order.
  ['POST /api/v3/sor/order', { kind: 'order', shape: 'single' }],
  ['POST /api/v3/sor/order/test', { kind: 'test', shape: 'single' }],
  // The cancel gives nothing back that Keygate could count on; the new order is valued like POST /order.
  ['POST /api/v3/order/cancelReplace', { kind: 'cancelReplace', shape: 'single' }],
  // `newQty` "must be greater than 0 and less than the order's quantity": it only shrinks an order
  // that was already counted, so there is nothing to check or reserve.
  ['PUT /api/v3/order/amend/keepPriority', { kind: 'amend' }],
  ['POST /api/v3/order/oco', { kind: 'list', shape: 'oco-legacy' }],
  ['POST /api/v3/orderList/oco', { kind: 'list', shape: 'oco' }],
  ['POST /api/v3/orderList/oto', { kind: 'list', shape: 'oto' }],
  ['POST /api/v3/orderList/otoco', { kind: 'list', shape: 'otoco' }],
  ['POST /api/v3/orderList/opo', { kind: 'list', shape: 'opo' }],
  ['POST /api/v3/orderList/opoco', { kind: 'list', shape: 'opoco' }],
]);

/** Quote assets counted 1:1 as US dollars. */
export const USD_STABLE_QUOTES: ReadonlySet<string> = new Set(['USDT', 'USDC', 'FDUSD', 'TUSD', 'USDP', 'DAI', 'BUSD']);

function orderEndpoint(method: string, path: string): OrderEndpoint | null {
  return ORDER_ENDPOINTS.get(`${method.toUpperCase()} ${path}`) ?? null;
}

/**
 * True when the request puts (or test-puts) an order on the book and must pass the value caps.
 * The amend endpoint only lowers a quantity, so it is not order-placing.
 */
export function isOrderPlacing(method: string, path: string): boolean {
  const endpoint = orderEndpoint(method, path);
  return endpoint !== null && endpoint.kind !== 'amend';
}

export interface OrderValueInput {
  method: string;
  /** Binance path, e.g. `/api/v3/order` (no Keygate prefix, no query). */
  path: string;
  params: ReadonlyMap<string, string>;
  /** The symbol's quote asset (BTCUSDT → USDT). */
  quoteAsset: string;
  /** Last traded price of the order's symbol; null when unknown. Called at most once. */
  lastPrice: () => Promise<number | null>;
  /** US dollars per unit of a non-USD quote asset (the caller reads `${asset}USDT`); null when unknown. */
  quoteUsdPrice: (asset: string) => Promise<number | null>;
}

export type OrderValue =
  | { ok: true; valueUsd: number; valueQuote: number; basis: string; reserve: boolean }
  | { ok: false; code: 'ORDER_VALUE_UNKNOWN'; detail: string };

export async function computeOrderValue(input: OrderValueInput): Promise<OrderValue> {
  const endpoint = orderEndpoint(input.method, input.path);
  if (endpoint === null) return unknown(`${input.method.toUpperCase()} ${input.path} does not place an order.`);
  if (endpoint.kind === 'amend') return { ok: true, valueUsd: 0, valueQuote: 0, basis: 'amend only lowers the quantity of a counted order', reserve: false };
  const plan = readOrderPlan(endpoint.shape, input.params);
  if (!plan.ok) return unknown(plan.detail);
  try {
    const prices = new LastPriceOnce(input.lastPrice);
    let total = ZERO;
    const parts: string[] = [];
    for (const alternatives of plan.plan) {
      const valued = await Promise.all(alternatives.map((leg) => valueLeg(leg, prices)));
      const largest = largestOf(valued);
      total = addDecimals(total, largest.value);
      parts.push(valued.length === 1 ? largest.basis : `max(${valued.map((leg) => leg.basis).join(', ')})`);
    }
    const usd = await inUsd(total, input.quoteAsset.toUpperCase().slice(0, 20), input.quoteUsdPrice);
    return {
      ok: true,
      valueUsd: centsToNumber(centsRoundedUp(usd.value)),
      valueQuote: decimalToNumber(total),
      basis: `${parts.join(' + ')}${usd.basis}`,
      reserve: endpoint.kind !== 'test',
    };
  } catch (error) {
    if (error instanceof OrderValueUnknown) return unknown(error.message);
    throw error;
  }
}

interface ValuedLeg {
  value: Decimal;
  basis: string;
}

async function valueLeg(leg: OrderLeg, prices: LastPriceOnce): Promise<ValuedLeg> {
  const candidates: ValuedLeg[] = [];
  if (leg.quoteQuantity !== null) candidates.push({ value: leg.quoteQuantity.value, basis: leg.quoteQuantity.name });
  if (leg.quantity !== null) {
    const { name, value: quantity } = leg.quantity;
    if (leg.side === 'BUY' && leg.limitBound && leg.price !== null) {
      // A BUY limit order pays its price or less.
      candidates.push({ value: multiplyDecimals(quantity, leg.price.value), basis: `${name} × ${leg.price.name}` });
    } else {
      const last = await prices.get();
      // On a tie the basis names the request's own price.
      const units: ValuedLeg[] = [];
      if (leg.price !== null) units.push({ value: leg.price.value, basis: leg.price.name });
      if (leg.stopPrice !== null) units.push({ value: leg.stopPrice.value, basis: leg.stopPrice.name });
      units.push({ value: last, basis: `last price ${formatDecimal(last)}` });
      const unit = largestOf(units);
      candidates.push({ value: multiplyDecimals(quantity, unit.value), basis: `${name} × ${unit.basis}` });
    }
  }
  if (candidates.length === 0) throw new OrderValueUnknown('The order has no quantity.');
  return largestOf(candidates);
}

/** The first of the largest values (callers pass at least one). */
function largestOf(candidates: ValuedLeg[]): ValuedLeg {
  return candidates.reduce((best, candidate) => (compareDecimals(candidate.value, best.value) > 0 ? candidate : best));
}

async function inUsd(value: Decimal, quoteAsset: string, quoteUsdPrice: OrderValueInput['quoteUsdPrice']): Promise<ValuedLeg> {
  if (USD_STABLE_QUOTES.has(quoteAsset)) return { value, basis: '' };
  const rate = await askPrice(() => quoteUsdPrice(quoteAsset));
  if (rate === null) throw new OrderValueUnknown(`No US dollar price for the quote asset ${quoteAsset} (Keygate converts through ${quoteAsset}USDT).`);
  return { value: multiplyDecimals(value, rate), basis: ` in ${quoteAsset}, × ${formatDecimal(rate)} USD/${quoteAsset}` };
}

/** The symbol's last price, asked for only when some leg needs it, and at most once. */
class LastPriceOnce {
  private pending: Promise<Decimal | null> | null = null;

  constructor(private readonly lastPrice: () => Promise<number | null>) {}

  async get(): Promise<Decimal> {
    this.pending ??= askPrice(this.lastPrice);
    const price = await this.pending;
    if (price === null) throw new OrderValueUnknown("The symbol's last price is not available, and this order's value depends on it (a market, stop, pegged or sell order); retry shortly.");
    return price;
  }
}

/** A price lookup that failed, or answered with nothing usable, is null. */
async function askPrice(lookup: () => Promise<number | null>): Promise<Decimal | null> {
  let price: number | null;
  try {
    price = await lookup();
  } catch {
    return null;
  }
  return price !== null && price > 0 ? decimalFromNumber(price) : null;
}

function unknown(detail: string): OrderValue {
  return { ok: false, code: 'ORDER_VALUE_UNKNOWN', detail };
}

class OrderValueUnknown extends Error {}

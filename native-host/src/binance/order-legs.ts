/**
 * Which orders a Binance order request can put on the book, read from its parameters. A plan is a
 * list of steps that can all execute one after another; a step holds one order, or the
 * alternatives of an OCO pair of which at most one executes. Parameter names are those of the
 * Spot REST docs (developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints).
 */
import { type Decimal, parseDecimal } from './order-decimal';

/** How an endpoint lays out its orders in the parameters. */
export type OrderShape = 'single' | 'oco-legacy' | 'oco' | 'oto' | 'otoco' | 'opo' | 'opoco';

/** A decimal parameter and the name it was read from (the value's basis names it). */
export interface OrderField {
  name: string;
  value: Decimal;
}

export interface OrderLeg {
  side: 'BUY' | 'SELL' | null;
  /**
   * Binance fills this order at its `price` or better: a LIMIT, LIMIT_MAKER or *_LIMIT type that is
   * not pegged. A pegged order's price follows the book, and MARKET / STOP_LOSS / TAKE_PROFIT
   * execute at the market, so their `price` (if any) bounds nothing.
   */
  limitBound: boolean;
  /** Base-asset quantity. */
  quantity: OrderField | null;
  /** Quote-asset amount (`quoteOrderQty`, MARKET orders only). */
  quoteQuantity: OrderField | null;
  price: OrderField | null;
  stopPrice: OrderField | null;
}

export type OrderPlan = OrderLeg[][];

export type OrderPlanResult = { ok: true; plan: OrderPlan } | { ok: false; detail: string };

const LIMIT_TYPES = new Set(['LIMIT', 'LIMIT_MAKER', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT']);

type Params = ReadonlyMap<string, string>;

export function readOrderPlan(shape: OrderShape, params: Params): OrderPlanResult {
  try {
    return { ok: true, plan: PLAN_READERS[shape](params) };
  } catch (error) {
    if (error instanceof OrderParamProblem) return { ok: false, detail: error.message };
    throw error;
  }
}

const PLAN_READERS: Record<OrderShape, (params: Params) => OrderPlan> = {
  // POST /api/v3/order, /order/test, /sor/order(/test), /order/cancelReplace (the new order): one
  // order. MARKET takes `quantity` or `quoteOrderQty`; every other type takes `quantity`, and
  // `price` / `stopPrice` as its type needs (a pegged order may leave `price` out).
  single: (params) => {
    const order = readLeg(params, { side: 'side', type: 'type', peg: 'pegPriceType', quantity: 'quantity', price: 'price', stopPrice: 'stopPrice' }, false);
    const quoteQuantity = decimalParam(params, 'quoteOrderQty', false);
    if (order.quantity === null && quoteQuantity === null) throw new OrderParamProblem('The order needs "quantity" or "quoteOrderQty".');
    return [[{ ...order, quoteQuantity }]];
  },

  // POST /api/v3/order/oco (deprecated): a LIMIT_MAKER leg at `price` and a stop leg triggered at
  // `stopPrice` (STOP_LOSS_LIMIT at `stopLimitPrice` when given, else STOP_LOSS), both for
  // `quantity` ("both legs must have the same quantity"). One cancels the other, so at most one
  // executes: the larger leg.
  'oco-legacy': (params) => {
    const quantity = decimalParam(params, 'quantity', true);
    const side = sideParam(params, 'side');
    const limitLeg: OrderLeg = { side, limitBound: true, quantity, quoteQuantity: null, price: decimalParam(params, 'price', true), stopPrice: null };
    const stopLimitPrice = decimalParam(params, 'stopLimitPrice', false);
    const stopLeg: OrderLeg = { side, limitBound: stopLimitPrice !== null, quantity, quoteQuantity: null, price: stopLimitPrice, stopPrice: decimalParam(params, 'stopPrice', true) };
    return [[limitLeg, stopLeg]];
  },

  // POST /api/v3/orderList/oco: an above order (`aboveType`, `abovePrice`, `aboveStopPrice`) and a
  // below order (`belowType`, `belowPrice`, `belowStopPrice`), both `side` and `quantity`
  // ("quantity for both orders of the order list"). Activating one cancels the other: the larger.
  oco: (params) => {
    const shared = { side: 'side', quantity: 'quantity' };
    return [[ocoLeg(params, shared, 'above'), ocoLeg(params, shared, 'below')]];
  },

  // POST /api/v3/orderList/oto: the working order (`workingQuantity` at `workingPrice`) and, once it
  // fully fills, the pending order (`pendingQuantity`, `pendingType`, `pendingPrice`,
  // `pendingStopPrice`). Both execute: their sum.
  oto: (params) => [[workingLeg(params)], [pendingLeg(params, 'pendingQuantity')]],

  // POST /api/v3/orderList/otoco: the working order, then an OCO pair of pending orders
  // (`pendingAboveType`/`pendingAbovePrice`/`pendingAboveStopPrice`, and the optional
  // `pendingBelowType`/...) for `pendingQuantity`. Working + the larger pending leg.
  otoco: (params) => [[workingLeg(params)], pendingPair(params, 'pendingQuantity')],

  // POST /api/v3/orderList/opo: as OTO, but the pending order has no quantity parameter: Binance
  // sells what the working BUY received, commission deducted ("the received amount from the
  // working order is used for the quantity of the pending order(s)"), which is at most
  // `workingQuantity`. Both execute: working + pending valued at `workingQuantity`.
  opo: (params) => [[workingLeg(params)], [pendingLeg(params, 'workingQuantity')]],

  // POST /api/v3/orderList/opoco: as OTOCO with the OPO quantity rule: working + the larger of the
  // pending above / below legs, each valued at `workingQuantity`.
  opoco: (params) => [[workingLeg(params)], pendingPair(params, 'workingQuantity')],
};

interface LegParams {
  side: string;
  type: string;
  peg: string;
  quantity: string;
  price: string;
  stopPrice?: string;
}

function readLeg(params: Params, names: LegParams, quantityRequired: boolean): OrderLeg {
  const type = params.get(names.type);
  return {
    side: sideParam(params, names.side),
    limitBound: type !== undefined && LIMIT_TYPES.has(type) && !params.has(names.peg),
    quantity: decimalParam(params, names.quantity, quantityRequired),
    quoteQuantity: null,
    price: decimalParam(params, names.price, false),
    stopPrice: names.stopPrice === undefined ? null : decimalParam(params, names.stopPrice, false),
  };
}

function workingLeg(params: Params): OrderLeg {
  return readLeg(params, { side: 'workingSide', type: 'workingType', peg: 'workingPegPriceType', quantity: 'workingQuantity', price: 'workingPrice' }, true);
}

function pendingLeg(params: Params, quantity: string): OrderLeg {
  const names = { side: 'pendingSide', type: 'pendingType', peg: 'pendingPegPriceType', quantity, price: 'pendingPrice', stopPrice: 'pendingStopPrice' };
  return readLeg(params, names, true);
}

/** `pendingAbove*` is mandatory; `pendingBelow*` counts when any of its type or prices is sent. */
function pendingPair(params: Params, quantity: string): OrderLeg[] {
  const shared = { side: 'pendingSide', quantity };
  const legs = [ocoLeg(params, shared, 'pendingAbove')];
  if (['pendingBelowType', 'pendingBelowPrice', 'pendingBelowStopPrice'].some((name) => params.has(name))) legs.push(ocoLeg(params, shared, 'pendingBelow'));
  return legs;
}

function ocoLeg(params: Params, shared: { side: string; quantity: string }, prefix: string): OrderLeg {
  const names = { ...shared, type: `${prefix}Type`, peg: `${prefix}PegPriceType`, price: `${prefix}Price`, stopPrice: `${prefix}StopPrice` };
  return readLeg(params, names, true);
}

function sideParam(params: Params, name: string): 'BUY' | 'SELL' | null {
  const side = params.get(name);
  return side === 'BUY' || side === 'SELL' ? side : null;
}

function decimalParam(params: Params, name: string, required: true): OrderField;
function decimalParam(params: Params, name: string, required: boolean): OrderField | null;
function decimalParam(params: Params, name: string, required: boolean): OrderField | null {
  const text = params.get(name);
  if (text === undefined) {
    if (required) throw new OrderParamProblem(`"${name}" is missing.`);
    return null;
  }
  const value = parseDecimal(text);
  if (value === null) throw new OrderParamProblem(`"${name}" must be a plain non-negative decimal such as 0.015 (no exponent, sign or spaces).`);
  return { name, value };
}

class OrderParamProblem extends Error {}

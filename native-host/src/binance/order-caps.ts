/**
 * The user's limits on what an agent may trade: the order's USD value against
 * `max_order_value_usd`, then a reservation against the UTC day's `daily_volume_usd`, written to
 * disk before the order may leave.
 */
import { KeygateError } from '../../../shared/errors';
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import type { BinanceExchange } from './binance-exchange';
import type { ParamList } from './binance-params';
import type { DailyVolumeLedger } from './daily-volume-ledger';
import { LedgerCorruptError } from './ledger-file';
import { computeOrderValue, USD_STABLE_QUOTES } from './order-value';

export interface OrderCapInput {
  exchange: BinanceExchange;
  policy: BinancePolicy;
  method: string;
  path: string;
  params: ParamList;
  now: number;
  openLedger: () => Promise<DailyVolumeLedger>;
  /** Facts for the audit line: the computed value, its basis, the day's total. */
  detail: Record<string, string | number | boolean | null>;
}

/**
 * A reservation, settled once: given back when Binance provably refused the order, or kept for good
 * once its answer left that open (then a later failure, such as the agent hanging up while the
 * answer is relayed, cannot give it back). Null when nothing was reserved.
 */
export type VolumeHold = { release: () => Promise<void>; keep: () => void } | null;

function settledOnce(release: () => Promise<void>): NonNullable<VolumeHold> {
  let settled = false;
  return {
    release: async () => {
      if (settled) return;
      settled = true;
      await release();
    },
    keep: () => {
      settled = true;
    },
  };
}

export async function checkOrderCaps(input: OrderCapInput): Promise<VolumeHold> {
  const { exchange, policy, detail } = input;
  const params = new Map(input.params);
  const symbol = params.get('symbol') ?? '';
  const info = await exchange.market.symbolInfo(symbol);
  if (info === null) throw new KeygateError('ORDER_VALUE_UNKNOWN', `Unknown symbol "${symbol.slice(0, 20)}".`);
  const value = await computeOrderValue({
    method: input.method,
    path: input.path,
    params,
    quoteAsset: info.quoteAsset,
    lastPrice: () => exchange.prices.get(symbol),
    quoteUsdPrice: (asset) => (USD_STABLE_QUOTES.has(asset) ? Promise.resolve(1) : exchange.prices.get(`${asset}USDT`)),
  });
  if (!value.ok) throw new KeygateError('ORDER_VALUE_UNKNOWN', value.detail);
  detail.orderValueUsd = Math.round(value.valueUsd * 100) / 100;
  detail.orderValueBasis = value.basis;
  if (policy.maxOrderValueUsd !== null && value.valueUsd > policy.maxOrderValueUsd) {
    throw new KeygateError('ORDER_VALUE_EXCEEDED', `Order value $${value.valueUsd.toFixed(2)} is above the $${policy.maxOrderValueUsd} limit.`);
  }
  if (!value.reserve) return null;
  const ledger = await input.openLedger().catch((error: unknown) => {
    if (error instanceof LedgerCorruptError) throw new KeygateError('LEDGER_CORRUPT', error.message);
    throw error;
  });
  const reserved = await ledger.reserve(value.valueUsd, policy.dailyVolumeUsd, input.now);
  if (!reserved.ok) {
    throw new KeygateError('DAILY_VOLUME_EXCEEDED', `$${reserved.usedUsd.toFixed(2)} of $${policy.dailyVolumeUsd} used today (UTC); this order is $${value.valueUsd.toFixed(2)}.`);
  }
  detail.dailyVolumeUsedUsd = Math.round(reserved.usedUsd * 100) / 100;
  return settledOnce(() => ledger.release(reserved.reservationId));
}

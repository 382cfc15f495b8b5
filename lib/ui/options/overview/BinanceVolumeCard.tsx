import type { BinanceVolumeUse } from '../../../../shared/audit-messages';

const usd = (amount: number) => amount.toLocaleString(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

/**
 * Today's Binance order volume against the policy's daily cap, from the host's ledger (the same
 * figure the proxy reserves orders against). A bar, not a chart: it is one number and its limit.
 */
export function BinanceVolumeCard({ volume }: { volume: BinanceVolumeUse | null }) {
  if (volume === null) {
    return (
      <p class="hint" data-testid="binance-volume" data-state="unreadable">
        The host could not read its Binance ledger just now; today’s volume is unknown.
      </p>
    );
  }
  const { usedUsd, capUsd, day } = volume;
  if (capUsd === null) {
    return (
      <p data-testid="binance-volume" data-state="no-cap" data-used={usedUsd}>
        {usd(usedUsd)} of orders today ({day}, UTC). No daily cap is set: add <code>daily_volume_usd</code> under Services → Binance to have Keygate refuse orders
        beyond it.
      </p>
    );
  }
  const share = capUsd === 0 ? 1 : Math.min(1, usedUsd / capUsd);
  const level = share >= 0.9 ? 'danger' : share >= 0.7 ? 'warn' : 'ok';
  return (
    <div data-testid="binance-volume" data-state="capped" data-used={usedUsd} data-cap={capUsd}>
      <p>
        <strong>{usd(usedUsd)}</strong> of {usd(capUsd)} used today ({day}, UTC) · {usd(Math.max(0, capUsd - usedUsd))} left
      </p>
      <div class={`usage-bar ${level}`} role="meter" aria-valuemin={0} aria-valuemax={capUsd} aria-valuenow={usedUsd} aria-label="Binance daily volume used">
        <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
      <p class="detail">Orders that would pass the cap are refused with DAILY_VOLUME_EXCEEDED; the count starts again at 00:00 UTC.</p>
    </div>
  );
}

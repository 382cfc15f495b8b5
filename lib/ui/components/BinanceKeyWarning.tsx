import type { BinanceKeyRestrictions } from '../../../shared/proxy-messages';

/**
 * Binance's own account of a stored key. A key that can withdraw or transfer is the one thing
 * Keygate's endpoint blocks stand between; the user should restrict it on Binance as well.
 */
export function BinanceKeyWarning({ restrictions }: { restrictions: BinanceKeyRestrictions }) {
  if (restrictions.error !== null) {
    return (
      <p class="warn" data-testid="binance-key-unchecked" data-code={restrictions.error.code}>
        Could not ask Binance what this key may do: {restrictions.error.message}
      </p>
    );
  }
  if (!restrictions.canWithdraw && !restrictions.canTransfer) {
    return (
      <p class="detail ok" data-testid="binance-key-safe">
        Binance says this key cannot withdraw or transfer funds.
      </p>
    );
  }
  const powers = [restrictions.canWithdraw && 'withdraw', restrictions.canTransfer && 'transfer'].filter(Boolean).join(' and ');
  return (
    <div class="error-note" role="alert" data-testid="binance-key-warning" data-can-withdraw={restrictions.canWithdraw} data-can-transfer={restrictions.canTransfer}>
      <p>
        <strong>This Binance key can {powers} funds.</strong> Keygate blocks those endpoints, but anyone who obtains the key
        could use them.
      </p>
      <p class="hint">In Binance's API Management, turn off withdrawals and transfers for this key (and restrict it to your IP).</p>
    </div>
  );
}

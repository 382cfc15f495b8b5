/**
 * Asks Binance what a stored key may do. A key that can withdraw or transfer out is exactly what
 * Keygate exists to keep agents away from, so the user is warned (popup and /_keygate/status);
 * a key that cannot be checked is reported as unchecked, never as safe.
 */
import { KeygateError } from '../../../shared/errors';
import type { BinanceKeyRestrictions } from '../../../shared/proxy-messages';
import { type BinanceExchange, sendWithKey } from './binance-exchange';
import type { BinanceServices } from './binance-services';
import { parseBinanceSecret, wipeBinanceKey } from './binance-keys';
import { buildSignedQuery } from './binance-signing';

export async function checkKeyRestrictions(services: BinanceServices, exchange: BinanceExchange, credentialId: string): Promise<BinanceKeyRestrictions> {
  const policy = services.policy().services.binance;
  const checkedAt = services.now();
  try {
    const flags = await services.vault.withOpenCredential(credentialId, async (secret, record) => {
      if (record.kind === 'api_key') throw new KeygateError('CREDENTIAL_FORMAT_INVALID', 'The Binance credential holds a plain API key.');
      const key = parseBinanceSecret(record.kind, secret);
      try {
        const query = buildSignedQuery(key, [], await exchange.clock.timestamp(), policy.recvWindowMs);
        const response = await sendWithKey(services, exchange, policy, { method: 'GET', path: '/sapi/v1/account/apiRestrictions', query, apiKey: key.apiKey });
        const text = await response.body.text();
        if (response.statusCode !== 200) throw new KeygateError('UPSTREAM_UNREACHABLE', `Binance answered ${response.statusCode} to apiRestrictions.`);
        return JSON.parse(text) as Record<string, unknown>;
      } finally {
        wipeBinanceKey(key);
      }
    });
    return {
      credentialId,
      checkedAt,
      canWithdraw: flags.enableWithdrawals === true,
      canTransfer: flags.enableInternalTransfer === true || flags.permitsUniversalTransfer === true,
      error: null,
    };
  } catch (error) {
    const body = error instanceof KeygateError ? error.toBody() : new KeygateError('UPSTREAM_UNREACHABLE').toBody();
    return { credentialId, checkedAt, canWithdraw: false, canTransfer: false, error: body };
  }
}

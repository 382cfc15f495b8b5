import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../../shared/policy/parse-policy';
import type { BinancePolicy } from '../../shared/policy/policy-types';
import { FUND_MOVING_PATHS, SPOT_ENDPOINTS } from '../../native-host/src/binance/endpoint-lists';
import { decideBinanceEndpoint } from '../../native-host/src/binance/endpoint-policy';

function binancePolicy(toml = ''): BinancePolicy {
  const parsed = parsePolicy(toml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy.services.binance;
}

describe('Binance endpoint policy', () => {
  it('reads both lists from the bundled data', () => {
    expect(SPOT_ENDPOINTS.get('POST /api/v3/order')).toBe('trade');
    expect(SPOT_ENDPOINTS.get('GET /api/v3/account')).toBe('read');
    expect(SPOT_ENDPOINTS.size).toBe(48);
    expect(FUND_MOVING_PATHS.get('/sapi/v1/capital/withdraw/apply')).toBe('withdrawal');
    // 35 rows; two paths are listed for two methods each, and the block applies to every method.
    expect(FUND_MOVING_PATHS.size).toBe(33);
  });

  it('forwards spot endpoints with the scope class from the list, signing all but market data', () => {
    const policy = defaultPolicy().services.binance;
    expect(decideBinanceEndpoint('GET', '/api/v3/ticker/price', policy)).toEqual({ allowed: true, access: 'read', signed: false });
    expect(decideBinanceEndpoint('GET', '/api/v3/account', policy)).toEqual({ allowed: true, access: 'read', signed: true });
    expect(decideBinanceEndpoint('POST', '/api/v3/order', policy)).toEqual({ allowed: true, access: 'trade', signed: true });
  });

  it.each([
    ['POST', '/sapi/v1/capital/withdraw/apply'],
    ['GET', '/sapi/v1/capital/withdraw/apply'],
    ['POST', '/SAPI/V1/CAPITAL/WITHDRAW/APPLY'],
    ['POST', '/sapi/v1/capital/withdraw/apply/'],
    ['POST', '/sapi/v1/asset/transfer'],
    ['DELETE', '/sapi/v1/margin/apiKey'],
    ['POST', '/wapi/v3/withdraw.html'],
  ])('refuses fund-moving %s %s whatever the policy says', (method, path) => {
    const permissive = binancePolicy(`[services.binance]\nextra_read_endpoints = ["GET /sapi/*", "GET /wapi/*"]\nallowed_endpoints = ["* /*"]\n`);
    for (const policy of [defaultPolicy().services.binance, permissive]) {
      const decision = decideBinanceEndpoint(method, path, policy);
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) expect(decision.reason).toContain('fund-moving');
    }
  });

  it('refuses cancel-all unless the policy allows it', () => {
    expect(decideBinanceEndpoint('DELETE', '/api/v3/openOrders', defaultPolicy().services.binance)).toMatchObject({ allowed: false });
    expect(decideBinanceEndpoint('DELETE', '/api/v3/openOrders', binancePolicy('[services.binance]\nallow_cancel_all = true\n'))).toEqual({
      allowed: true,
      access: 'trade',
      signed: true,
    });
  });

  it('denies anything off the list by default and lets the user add read-only extras', () => {
    const policy = defaultPolicy().services.binance;
    expect(decideBinanceEndpoint('GET', '/sapi/v1/asset/assetDividend', policy)).toMatchObject({ allowed: false, reason: expect.stringContaining('default deny') });
    expect(decideBinanceEndpoint('HEAD', '/api/v3/order', policy)).toMatchObject({ allowed: false });
    expect(decideBinanceEndpoint('PATCH', '/api/v3/order', policy)).toMatchObject({ allowed: false });
    const withExtra = binancePolicy('[services.binance]\nextra_read_endpoints = ["GET /sapi/v1/asset/assetDividend"]\n');
    expect(decideBinanceEndpoint('GET', '/sapi/v1/asset/assetDividend', withExtra)).toEqual({ allowed: true, access: 'read', signed: true });
  });

  it('applies the policy’s own blocked and allowed endpoints on top of the list', () => {
    const policy = binancePolicy('[services.binance]\nblocked_endpoints = ["DELETE /api/v3/order"]\nallowed_endpoints = ["GET /api/v3/*", "DELETE /api/v3/order"]\n');
    expect(decideBinanceEndpoint('DELETE', '/api/v3/order', policy)).toMatchObject({ allowed: false, reason: expect.stringContaining('policy rule') });
    expect(decideBinanceEndpoint('POST', '/api/v3/order', policy)).toMatchObject({ allowed: false, reason: 'not in allowed_endpoints' });
    expect(decideBinanceEndpoint('GET', '/api/v3/account', policy)).toMatchObject({ allowed: true });
  });

  it('refuses a fund-moving path with a suffix (as suffix-matching servers route it) even where a read-only wildcard opens its prefix', () => {
    const policy = binancePolicy('[services.binance]\nextra_read_endpoints = ["GET /sapi/*", "GET /wapi/*"]\n');
    for (const path of ['/sapi/v1/capital/withdraw/apply.json', '/sapi/v1/capital/withdraw/apply.', '/SAPI/v1/capital/withdraw/APPLY.Json/', '/sapi/v1/asset/transfer.x.y', '/wapi/v3/withdraw.html.json']) {
      expect(decideBinanceEndpoint('GET', path, policy), path).toMatchObject({ allowed: false, reason: expect.stringContaining('fund-moving') });
    }
    expect(decideBinanceEndpoint('GET', '/sapi/v1/capital/config/getall', policy)).toMatchObject({ allowed: true });
  });
});

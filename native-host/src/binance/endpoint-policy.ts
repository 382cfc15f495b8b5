/**
 * Which Binance calls may leave the machine. Default deny: only the spot list (plus read-only
 * extras the user allows) is forwardable; the fund-moving list is refused here in code, before any
 * policy is consulted, so no policy, scope or allow-list entry can open it.
 */
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import { type CompiledEndpointRules, compileEndpointRules, decideEndpoint, withoutSuffixes } from '../../../shared/policy/endpoint-match';
import { type BinanceAccess, FUND_MOVING_PATHS, SPOT_ENDPOINTS, UNSIGNED_ENDPOINTS } from './endpoint-lists';

export type BinanceEndpointDecision =
  | { allowed: true; access: BinanceAccess; signed: boolean }
  | { allowed: false; reason: string };

const CANCEL_ALL = 'DELETE /api/v3/openOrders';

/**
 * Case, a trailing slash and a suffix on the last segment do not change which endpoint a path names,
 * for this check: servers with suffix pattern matching (Spring MVC before 5.3) route `/apply.json`
 * and `/apply.` to `/apply` (and `/withdraw.html.json` to the listed `/withdraw.html`).
 */
export function fundMovingReason(path: string): string | null {
  const folded = path.toLowerCase().replace(/\/+$/, '');
  const listed = FUND_MOVING_PATHS.get(folded);
  if (listed !== undefined) return listed;
  for (const reading of withoutSuffixes(folded)) {
    const suffixed = FUND_MOVING_PATHS.get(reading);
    if (suffixed !== undefined) return suffixed;
  }
  return null;
}

const compiledExtras = new WeakMap<BinancePolicy, { extras: CompiledEndpointRules; rules: CompiledEndpointRules }>();

function compiledFor(policy: BinancePolicy) {
  let compiled = compiledExtras.get(policy);
  if (compiled === undefined) {
    compiled = {
      extras: compileEndpointRules({ blockedEndpoints: [], allowedEndpoints: policy.extraReadEndpoints }),
      rules: compileEndpointRules(policy),
    };
    compiledExtras.set(policy, compiled);
  }
  return compiled;
}

export function decideBinanceEndpoint(method: string, path: string, policy: BinancePolicy): BinanceEndpointDecision {
  const fundMoving = fundMovingReason(path);
  if (fundMoving !== null) return { allowed: false, reason: `fund-moving endpoint (${fundMoving}); Keygate never forwards it` };
  const key = `${method} ${path}`;
  if (key === CANCEL_ALL && !policy.allowCancelAll) return { allowed: false, reason: 'cancelling all open orders needs allow_cancel_all = true' };
  const { extras, rules } = compiledFor(policy);
  const policyDecision = decideEndpoint(rules, method, path);
  if (!policyDecision.allowed && policyDecision.reason === 'blocked') return { allowed: false, reason: `policy rule ${policyDecision.rule ?? ''}`.trim() };
  const spotAccess = SPOT_ENDPOINTS.get(key);
  if (spotAccess !== undefined) {
    if (!policyDecision.allowed) return { allowed: false, reason: 'not in allowed_endpoints' };
    return { allowed: true, access: spotAccess, signed: !UNSIGNED_ENDPOINTS.has(key) };
  }
  if (method === 'GET' && decideEndpoint(extras, method, path).allowed) return { allowed: true, access: 'read', signed: true };
  return { allowed: false, reason: 'not a forwardable spot endpoint (default deny)' };
}

/**
 * Calls the background refuses itself (no usable grant, the vault locked) never reach the host, yet
 * the host's audit log is where a person sees what agents tried: each is reported to it
 * (`proxy.refused`) and gets its line there. Without a host (HOST_NOT_CONNECTED) there is nowhere to
 * write one. An agent refused in a loop (an extension without a grant, a page left open on a revoked
 * site) must not crowd the native port every granted page shares, so at most REPORTS_PER_SECOND go
 * out in any one second; the host samples refusals that name no grant further, as it does for HTTP.
 */
import { BROWSER_REFUSAL_CODES, type BrowserRefusalCode } from '../../shared/bridge-messages';
import { KeygateError } from '../../shared/errors';
import { grantIdentity } from '../../shared/grants/grant-record';
import type { AgentIdentity } from '../grants/grant-service';
import type { HostLink } from '../host-link/host-link';
import type { AdmissionCall } from './bridge-relay';

export const REPORTS_PER_SECOND = 20;

export type ReportRefusal = (identity: AgentIdentity, call: AdmissionCall, refusal: unknown) => void;

const isBrowserRefusal = (code: string): code is BrowserRefusalCode => (BROWSER_REFUSAL_CODES as readonly string[]).includes(code);

export function refusalReports(host: Pick<HostLink, 'reportRefusal'>, now: () => number = Date.now): ReportRefusal {
  let secondStartedAt = Number.NEGATIVE_INFINITY;
  let sentThisSecond = 0;
  return (identity, call, refusal) => {
    if (!(refusal instanceof KeygateError) || !isBrowserRefusal(refusal.code)) return;
    const at = now();
    if (at - secondStartedAt >= 1000) {
      secondStartedAt = at;
      sentThisSecond = 0;
    }
    if (sentThisSecond >= REPORTS_PER_SECOND) return;
    sentThisSecond += 1;
    host.reportRefusal({ agent: grantIdentity(identity), method: call.method, path: call.path, code: refusal.code });
  };
}

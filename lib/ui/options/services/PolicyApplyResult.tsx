import type { ProxyStatus } from '../../../../shared/protocol';
import { ErrorNote } from '../../components/ErrorNote';

/** What applying did: the host took the policy (and whether its proxy could listen), or it was only saved. */
export function PolicyApplyResult({ proxy }: { proxy: ProxyStatus | null }) {
  if (proxy === null) {
    return (
      <p class="warn" data-testid="policy-applied" data-host="absent">
        Saved. The host is not connected; it receives the policy when it connects.
      </p>
    );
  }
  return (
    <div data-testid="policy-applied" data-host="applied">
      {proxy.listening ? (
        <p class="ok">Applied. The host re-checked it and uses it now.</p>
      ) : (
        <p class="warn">Applied, but the proxy is not listening:</p>
      )}
      <ErrorNote error={proxy.error} testId="policy-proxy-error" />
    </div>
  );
}

import type { ProxyStatus } from '../../../shared/protocol';
import { ErrorNote } from './ErrorNote';
import { proxyOrigin } from './proxy-address';

/** The host's proxy listener: its real address, why it is not listening, or that the host is away. */
export function ProxyStatusLine({ proxy }: { proxy: ProxyStatus | null }) {
  if (proxy === null) {
    return (
      <p class="hint" data-testid="proxy-status" data-listening="false" data-port="">
        Proxy: waiting for the host…
      </p>
    );
  }
  if (proxy.listening && proxy.port !== null) {
    return (
      <p class="ok" data-testid="proxy-status" data-listening="true" data-port={proxy.port}>
        Proxy listening on <code>{proxyOrigin(proxy.port)}</code>
      </p>
    );
  }
  return (
    <div data-testid="proxy-status" data-listening="false" data-port="" data-code={proxy.error?.code ?? ''}>
      <p class="warn">Proxy not listening.</p>
      <ErrorNote error={proxy.error} testId="proxy-error" />
    </div>
  );
}

import type { ProxyStatus } from '../../../shared/protocol';
import { personHint } from '../../../shared/error-hints';
import type { HostState } from '../../host-link/host-state';
import { callBackground } from '../background-call';
import { ProxyStatusLine } from './ProxyStatusLine';
import { useNow } from '../hooks/use-now';

type Unavailable = Extract<HostState, { status: 'unavailable' }>;

function RetryCountdown({ state }: { state: Unavailable }) {
  const now = useNow();
  const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
  return (
    <p class="detail">
      Retrying in {seconds}s (attempt {state.attempt}).{' '}
      <button type="button" onClick={() => void callBackground('host.retry')}>
        Retry now
      </button>
    </p>
  );
}

function HostStateLines({ state }: { state: HostState | null }) {
  if (state === null || state.status === 'connecting') return <p>Connecting to keygate-host…</p>;
  if (state.status === 'connected') {
    return (
      <>
        <p>
          Connected · <span data-testid="host-version">keygate-host v{state.version}</span>
        </p>
        <p class="detail" data-testid="host-pid" data-pid={state.pid}>
          process {state.pid}
        </p>
      </>
    );
  }
  return (
    <>
      <p data-testid="host-error">{state.error.message}</p>
      <p class="hint">Next step: {personHint(state.error.code, 'browser')}</p>
      <RetryCountdown state={state} />
    </>
  );
}

const CARD_CLASS = { connecting: 'card', connected: 'card ok', unavailable: 'card error' } as const;

/** Whether the native host is reachable (its version, or what to do when it is not) and its proxy. */
export function HostStatusCard({ state, proxy }: { state: HostState | null; proxy: ProxyStatus | null }) {
  const status = state?.status ?? 'connecting';
  return (
    <section class={CARD_CLASS[status]} data-testid="host-status" data-status={status} data-code={state?.status === 'unavailable' ? state.error.code : undefined}>
      <h2>Native host</h2>
      <HostStateLines state={state} />
      <ProxyStatusLine proxy={proxy} />
    </section>
  );
}

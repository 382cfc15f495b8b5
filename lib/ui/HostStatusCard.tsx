import type { HostState } from '../host-link/host-state';
import { callBackground } from './background-call';
import { useNow } from './use-now';

/** Whether the native host is reachable, its version, and what to do when it is not. */
export function HostStatusCard({ state }: { state: HostState | null }) {
  const now = useNow();
  if (state === null || state.status === 'connecting') {
    return (
      <section class="card" data-testid="host-status" data-status="connecting">
        <h2>Native host</h2>
        <p>Connecting to keygate-host…</p>
      </section>
    );
  }
  if (state.status === 'connected') {
    return (
      <section class="card ok" data-testid="host-status" data-status="connected">
        <h2>Native host</h2>
        <p>
          Connected · <span data-testid="host-version">keygate-host v{state.version}</span>
        </p>
        <p class="detail" data-testid="host-pid" data-pid={state.pid}>
          process {state.pid}
        </p>
      </section>
    );
  }
  const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
  return (
    <section class="card error" data-testid="host-status" data-status="unavailable" data-code={state.error.code}>
      <h2>Native host</h2>
      <p data-testid="host-error">{state.error.message}</p>
      {state.error.hint && <p class="hint">Next step: {state.error.hint}</p>}
      <p class="detail">
        Retrying in {seconds}s (attempt {state.attempt}).{' '}
        <button type="button" onClick={() => void callBackground('host.retry')}>
          Retry now
        </button>
      </p>
    </section>
  );
}

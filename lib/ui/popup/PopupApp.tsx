import { HostStatusCard } from '../components/HostStatusCard';
import { useAppState } from '../hooks/use-app-state';
import { VaultPanel } from './VaultPanel';

export function PopupApp() {
  const state = useAppState();
  return (
    <main>
      <h1>Keygate</h1>
      {state === null ? <p class="hint">Starting…</p> : <VaultPanel state={state.vault} binanceKeys={state.binanceKeys} health={state.credentialHealth} />}
      <HostStatusCard state={state?.host ?? null} proxy={state?.proxy ?? null} />
    </main>
  );
}

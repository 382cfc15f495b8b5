import { BackupSection } from './BackupSection';
import { HostStatusCard } from './HostStatusCard';
import { useAppState } from './use-app-state';

export function OptionsApp() {
  const state = useAppState();
  return (
    <main class="wide">
      <h1>Keygate settings</h1>
      <p data-testid="options-vault-status" data-status={state?.vault.status ?? 'loading'}>
        Vault: {state?.vault.status ?? 'loading'}
      </p>
      {state && <BackupSection vault={state.vault} />}
      <HostStatusCard state={state?.host ?? null} />
    </main>
  );
}

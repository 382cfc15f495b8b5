import { AgentKeysSection } from './AgentKeysSection';
import { BackupSection } from './BackupSection';
import { HostStatusCard } from '../components/HostStatusCard';
import { PolicySection } from './PolicySection';
import { useActivePolicy } from '../hooks/use-active-policy';
import { useAppState } from '../hooks/use-app-state';

export function OptionsApp() {
  const state = useAppState();
  const activePolicy = useActivePolicy();
  const vaultUnlocked = state?.vault.status === 'unlocked';
  const proxyPort = state?.proxy?.listening === true ? state.proxy.port : null;
  return (
    <main class="wide">
      <h1>Keygate settings</h1>
      <p data-testid="options-vault-status" data-status={state?.vault.status ?? 'loading'}>
        Vault: {state?.vault.status ?? 'loading'}
      </p>
      <HostStatusCard state={state?.host ?? null} proxy={state?.proxy ?? null} />
      <PolicySection active={activePolicy.policy} loadError={activePolicy.error} vaultUnlocked={vaultUnlocked} onApplied={activePolicy.reload} />
      <AgentKeysSection activePolicyToml={activePolicy.policy?.toml ?? ''} proxyPort={proxyPort} vaultUnlocked={vaultUnlocked} />
      {state && <BackupSection vault={state.vault} />}
    </main>
  );
}

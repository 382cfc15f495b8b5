import type { JSX } from 'preact';
import { useActivePolicy } from '../hooks/use-active-policy';
import { useAppState } from '../hooks/use-app-state';
import { ActivitySection } from './activity/ActivitySection';
import { AgentKeysSection } from './AgentKeysSection';
import { CredentialsSection } from './credentials/CredentialsSection';
import { GrantsSection } from './grants/GrantsSection';
import { OPTIONS_SECTIONS, type OptionsSectionId } from './options-sections';
import { OverviewSection } from './overview/OverviewSection';
import { SecuritySection } from './SecuritySection';
import { ServicesSection } from './services/ServicesSection';
import { useOpenSection } from './use-open-section';
import { VaultGate } from './VaultGate';

/** Keygate's control center: a sidebar of sections, the vault's lock state above each of them. */
export function OptionsApp() {
  const state = useAppState();
  const activePolicy = useActivePolicy();
  const open = useOpenSection();
  const vaultUnlocked = state?.vault.status === 'unlocked';
  const proxyPort = state?.proxy?.listening === true ? state.proxy.port : null;
  const policyToml = activePolicy.policy?.toml ?? '';

  const sections: Record<OptionsSectionId, () => JSX.Element> = {
    overview: () => <OverviewSection state={state} />,
    activity: () => <ActivitySection policyToml={policyToml} />,
    services: () => <ServicesSection active={activePolicy.policy} loadError={activePolicy.error} vaultUnlocked={vaultUnlocked} onApplied={activePolicy.reload} />,
    credentials: () => <CredentialsSection state={state} policyToml={policyToml} />,
    agents: () => <AgentKeysSection activePolicyToml={policyToml} proxyPort={proxyPort} vaultUnlocked={vaultUnlocked} hostConnected={state?.host.status === 'connected'} />,
    sites: () => <GrantsSection activePolicyToml={policyToml} vaultUnlocked={vaultUnlocked} />,
    security: () => <SecuritySection vault={state?.vault ?? null} />,
  };
  const title = OPTIONS_SECTIONS.find((section) => section.id === open)!.title;

  return (
    <div class="options">
      <nav aria-label="Keygate settings">
        <h1>
          <img class="logo" src="/icon/32.png" alt="" /> Keygate
        </h1>
        <ul>
          {OPTIONS_SECTIONS.map((section) => (
            <li key={section.id}>
              <a href={`#${section.id}`} aria-current={section.id === open ? 'page' : undefined} data-testid={`nav-${section.id}`}>
                {section.title}
              </a>
            </li>
          ))}
        </ul>
        <p class="vault-state" data-testid="options-vault-status" data-status={state?.vault.status ?? 'loading'}>
          Vault: {state?.vault.status ?? 'loading'}
        </p>
      </nav>
      <main class="content" data-testid={`section-${open}`}>
        <h2>{title}</h2>
        <VaultGate vault={state?.vault ?? null} />
        {sections[open]()}
      </main>
    </div>
  );
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import { parsePolicy } from '../../../../shared/policy/parse-policy';
import type { AgentKeyRecord } from '../../../../shared/vault/format';
import type { AppState } from '../../../extension-messages';
import { callBackground } from '../../background-call';
import { AddCredentialForm } from '../../components/AddCredentialForm';
import { CredentialList } from '../../components/CredentialList';
import { ErrorNote } from '../../components/ErrorNote';
import { useCredentials } from '../../hooks/use-credentials';

/**
 * Credentials: every stored key with its hint, health and users; renamed, replaced in place (provider
 * key rotation without touching agents) or deleted. Secrets are never shown.
 */
export function CredentialsSection({ state, policyToml }: { state: AppState | null; policyToml: string }) {
  const unlocked = state?.vault.status === 'unlocked';
  if (!unlocked) return <p class="hint">Unlock the vault above to see and manage your credentials.</p>;
  return <UnlockedCredentials state={state} policyToml={policyToml} />;
}

function UnlockedCredentials({ state, policyToml }: { state: AppState; policyToml: string }) {
  const { credentials, error, reload } = useCredentials(state.lastCredentialUseAt);
  const [agents, setAgents] = useState<AgentKeyRecord[]>([]);
  useEffect(() => void callBackground('agents.list').then(setAgents, () => setAgents([])), [credentials]);
  const customServices = useMemo(() => {
    const parsed = parsePolicy(policyToml);
    return parsed.ok ? Object.keys(parsed.policy.custom) : [];
  }, [policyToml]);

  return (
    <>
      <section class="card" aria-label="Stored credentials">
        <ErrorNote error={error} />
        {credentials === null ? (
          <p class="hint">Loading credentials…</p>
        ) : credentials.length === 0 ? (
          <p class="hint" data-testid="no-credentials">
            No credentials yet. Add an API key below.
          </p>
        ) : (
          <CredentialList credentials={credentials} binanceKeys={state.binanceKeys} health={state.credentialHealth} management={{ agents, customServices }} onChanged={reload} />
        )}
      </section>
      <AddCredentialForm onAdded={reload} />
    </>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { scopeChoices } from './agent-scope-choices';
import { AgentKeyList } from './AgentKeyList';
import { callBackground } from '../background-call';
import { type CreatedAgentKey, CreateAgentKeyForm } from './CreateAgentKeyForm';
import { ErrorNote } from '../components/ErrorNote';
import { NewAgentKeyDialog } from './NewAgentKeyDialog';
import { useAction } from '../hooks/use-action';

interface AgentKeysSectionProps {
  activePolicyToml: string;
  proxyPort: number | null;
  vaultUnlocked: boolean;
}

/** The `pk_` keys agents call the proxy with: each names what it may reach, and can be cut off alone. */
export function AgentKeysSection({ activePolicyToml, proxyPort, vaultUnlocked }: AgentKeysSectionProps) {
  const [agents, setAgents] = useState<AgentKeyRecord[] | null>(null);
  const [created, setCreated] = useState<CreatedAgentKey | null>(null);
  const { error, run } = useAction();
  const choices = useMemo(() => scopeChoices(activePolicyToml), [activePolicyToml]);
  const reload = useCallback(() => void run(async () => setAgents(await callBackground('agents.list'))), []);
  useEffect(reload, [reload]);

  const showCreated = (next: CreatedAgentKey) => {
    setCreated(next);
    reload();
  };
  return (
    <section class="card" aria-labelledby="agent-keys-heading">
      <h2 id="agent-keys-heading">Agent keys</h2>
      <p class="hint">
        Give each agent its own <code>pk_</code> key instead of a real API key; Keygate swaps in the real credential.
        {!vaultUnlocked && ' Creating or re-enabling a key needs the unlocked vault: unlock it in the Keygate popup.'}
      </p>
      <ErrorNote error={error} />
      <AgentKeyList agents={agents} onChanged={reload} />
      <CreateAgentKeyForm choices={choices} onCreated={showCreated} />
      {created && <NewAgentKeyDialog created={created} port={proxyPort} onDismiss={() => setCreated(null)} />}
    </section>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { IssuedAgentKey } from '../../extension-messages';
import { callBackground } from '../background-call';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks/use-action';
import { scopeChoices } from './agent-scope-choices';
import { AgentKeyList } from './AgentKeyList';
import { CreateAgentKeyForm } from './CreateAgentKeyForm';
import { NewAgentKeyDialog } from './NewAgentKeyDialog';
import { useAgentUsage } from './overview/AgentUsageLine';

interface AgentKeysSectionProps {
  activePolicyToml: string;
  proxyPort: number | null;
  vaultUnlocked: boolean;
}

/** The `pk_` keys agents call the proxy with: each names what it may reach, and can be cut off alone. */
export function AgentKeysSection({ activePolicyToml, proxyPort, vaultUnlocked }: AgentKeysSectionProps) {
  const [agents, setAgents] = useState<AgentKeyRecord[] | null>(null);
  const [issued, setIssued] = useState<{ key: IssuedAgentKey; regenerated: boolean } | null>(null);
  const { error, run } = useAction();
  const choices = useMemo(() => scopeChoices(activePolicyToml), [activePolicyToml]);
  const usage = useAgentUsage();
  const reload = useCallback(() => void run(async () => setAgents(await callBackground('agents.list'))), []);
  useEffect(reload, [reload]);

  const showIssued = (key: IssuedAgentKey, regenerated: boolean) => {
    setIssued({ key, regenerated });
    reload();
  };
  return (
    <section class="card" aria-labelledby="agent-keys-heading">
      <h2 id="agent-keys-heading">Agent keys</h2>
      <p class="hint">
        Give each agent its own <code>pk_</code> key instead of a real API key; Keygate swaps in the real credential.
        {!vaultUnlocked && ' Creating, editing, regenerating or re-enabling a key needs the unlocked vault.'} To cut every agent off at once, use{' '}
        <a href="#security">Backup &amp; security → Revoke everything</a>.
      </p>
      <ErrorNote error={error} />
      <AgentKeyList agents={agents} usage={usage} choices={choices} onChanged={reload} onRegenerated={(key) => showIssued(key, true)} />
      <CreateAgentKeyForm choices={choices} onCreated={(key) => showIssued(key, false)} />
      {issued && <NewAgentKeyDialog created={issued.key} regenerated={issued.regenerated} port={proxyPort} onDismiss={() => setIssued(null)} />}
    </section>
  );
}

import type { IssuedAgentKey } from '../../extension-messages';
import { callBackground } from '../background-call';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks/use-action';
import type { ScopeChoice } from './agent-scope-choices';
import { useAgentKeyFields } from './use-agent-key-fields';

const EMPTY = { name: '', scopes: [], expiresAt: null };

export function CreateAgentKeyForm({ choices, onCreated }: { choices: readonly ScopeChoice[]; onCreated: (created: IssuedAgentKey) => void }) {
  const { fields, changes, complete, reset } = useAgentKeyFields(choices, EMPTY, 'agent');
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      onCreated(await callBackground('agents.create', changes));
      reset();
    });
  };

  return (
    <form onSubmit={submit} data-testid="create-agent-key" aria-labelledby="create-agent-key-heading">
      <h3 id="create-agent-key-heading">New agent key</h3>
      {fields}
      <ErrorNote error={error} testId="create-agent-error" />
      <button type="submit" class="primary" disabled={busy || !complete} data-testid="create-agent-submit">
        {busy ? 'Creating…' : 'Create agent key'}
      </button>
    </form>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import { AgentSdkSnippets } from './AgentSdkSnippets';
import { CopyButton } from '../components/CopyButton';
import type { IssuedAgentKey } from '../../extension-messages';

/**
 * The only time a `pk_` key is visible: the vault keeps just its hash. A modal dialog, so the warning
 * cannot be scrolled past; once dismissed the key is dropped from the page's memory.
 */
interface NewAgentKeyDialogProps {
  created: IssuedAgentKey;
  /** A regenerated key replaces one the agent had: the old one no longer works. */
  regenerated: boolean;
  port: number | null;
  onDismiss: () => void;
}

export function NewAgentKeyDialog({ created, regenerated, port, onDismiss }: NewAgentKeyDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (dialog.current?.open === false) dialog.current.showModal();
  }, []);
  return (
    <dialog ref={dialog} onClose={onDismiss} aria-labelledby="new-agent-key-heading" data-testid="new-agent-key-dialog">
      <h2 id="new-agent-key-heading">
        Agent key “{created.record.name}” {regenerated ? 'regenerated' : 'created'}
      </h2>
      {regenerated && <p data-testid="regenerated-note">The old key stopped working; give the agent this one.</p>}
      <p class="warn" role="alert">
        <strong>Copy this key now: you will not see it again.</strong> Keygate stores only its hash; if it is lost, create a new key.
      </p>
      <label for="new-agent-key">Agent key</label>
      <div class="row">
        <input id="new-agent-key" class="code" readOnly value={created.key} onFocus={(e) => e.currentTarget.select()} data-testid="new-agent-key" />
        <CopyButton text={created.key} label="Copy the agent key" testId="copy-agent-key" />
      </div>
      <AgentSdkSnippets agentKey={created.key} scopes={created.record.scopes} port={port} />
      <button type="button" onClick={onDismiss} data-testid="dismiss-new-agent-key">
        I saved the key
      </button>
    </dialog>
  );
}

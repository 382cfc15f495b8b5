import { useState } from 'preact/hooks';
import { callBackground } from '../background-call';
import { DeleteConfirmation } from '../components/DeleteConfirmation';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks/use-action';

/**
 * The panic button: every agent key and every site/extension grant deleted and the host told at
 * once, for the moment a key leaked or an agent misbehaves. Works while locked: cutting access off
 * must never wait for a password. Credentials stay; rotate them at the provider if they leaked.
 */
export function RevokeEverything() {
  const [confirming, setConfirming] = useState(false);
  const [revoked, setRevoked] = useState<{ agentKeys: number; grants: number } | null>(null);
  const { busy, error, run } = useAction();
  const revoke = () =>
    void run(async () => {
      setRevoked(await callBackground('access.revokeAll'));
      setConfirming(false);
    });
  return (
    <section class="card error" aria-labelledby="revoke-heading" data-testid="revoke-everything">
      <h2 id="revoke-heading">Revoke every agent key and grant</h2>
      <p class="hint">Every agent and every granted site or extension is refused from the next request on. Your stored credentials are kept.</p>
      {confirming ? (
        <DeleteConfirmation
          question="Revoke all agent keys and grants? Each agent will need a new key."
          confirmLabel="Revoke all"
          busy={busy}
          onConfirm={revoke}
          onCancel={() => setConfirming(false)}
          testId="confirm-revoke-everything"
        />
      ) : (
        <button type="button" class="danger" onClick={() => (setRevoked(null), setConfirming(true))} data-testid="revoke-everything-button">
          Revoke everything…
        </button>
      )}
      <ErrorNote error={error} />
      {revoked && (
        <p class="ok" data-testid="revoke-everything-done">
          Revoked {revoked.agentKeys} agent key{revoked.agentKeys === 1 ? '' : 's'} and {revoked.grants} grant{revoked.grants === 1 ? '' : 's'}; the host refuses them now.
        </p>
      )}
    </section>
  );
}

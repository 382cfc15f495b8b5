import { useEffect, useRef, useState } from 'preact/hooks';
import type { VaultState } from '../../session/vault-state';
import { callBackground } from '../background-call';
import { ErrorNote } from './ErrorNote';
import { useAction } from '../hooks/use-action';
import { useNow } from '../hooks/use-now';

type Unlocking = Extract<VaultState, { status: 'unlocking' }>;

/** Key derivation gives no progress signal; the bar follows the last unlock's duration. */
function UnlockProgress({ state }: { state: Unlocking }) {
  const now = useNow(100);
  const percent = Math.min(95, Math.round(((now - state.startedAt) / state.expectedMs) * 100));
  return (
    <div class="card" data-testid="unlock-progress">
      <h2>Unlocking</h2>
      <progress max={100} value={percent} />
      <p class="hint">Deriving the key (Argon2id). You can close this popup; the unlock carries on.</p>
    </div>
  );
}

export function UnlockForm({ state }: { state: Extract<VaultState, { status: 'locked' | 'unlocking' }> }) {
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const field = useRef<HTMLInputElement>(null);
  // The one thing to do on a locked vault: the cursor is in the field as soon as the page opens.
  useEffect(() => field.current?.focus(), [state.status]);
  if (state.status === 'unlocking') return <UnlockProgress state={state} />;

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await callBackground('vault.unlock', { password });
      setPassword('');
    });
  };
  return (
    <form class="card" onSubmit={submit} data-testid="unlock-vault">
      <h2>Vault locked</h2>
      {state.reason === 'idle' || state.reason === 'host-idle' ? <p class="hint">Locked after a period without use.</p> : null}
      <label>
        Master password
        <input ref={field} type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="unlock-password" />
      </label>
      <ErrorNote error={error} testId="unlock-error" />
      <button type="submit" class="primary" disabled={busy || password === ''} data-testid="unlock-submit">
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}

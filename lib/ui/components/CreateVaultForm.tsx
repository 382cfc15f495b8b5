import { useState } from 'preact/hooks';
import { MIN_ACCEPTED_SCORE, passwordStrength } from '../../../shared/vault/password-strength';
import { callBackground } from '../background-call';
import { ErrorNote } from './ErrorNote';
import { PasswordStrengthMeter } from './PasswordStrengthMeter';
import { useAction } from '../hooks/use-action';

export function CreateVaultForm() {
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const { busy, error, run } = useAction();
  const mismatch = confirmation !== '' && confirmation !== password;
  const strongEnough = password !== '' && passwordStrength(password).score >= MIN_ACCEPTED_SCORE;

  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => callBackground('vault.create', { password }));
  };

  return (
    <form class="card" onSubmit={submit} data-testid="create-vault">
      <h2>Create your vault</h2>
      <p class="hint">Choose a master password. It cannot be recovered: without it, the keys are gone.</p>
      <label>
        Master password
        <input type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="new-password" />
      </label>
      <PasswordStrengthMeter password={password} />
      <label>
        Repeat it
        <input type="password" autocomplete="new-password" value={confirmation} onInput={(e) => setConfirmation(e.currentTarget.value)} data-testid="confirm-password" />
      </label>
      {mismatch && <p class="warn">The passwords differ.</p>}
      <ErrorNote error={error} />
      <button type="submit" disabled={busy || !strongEnough || confirmation !== password} data-testid="create-vault-submit">
        {busy ? 'Creating…' : 'Create vault'}
      </button>
    </form>
  );
}

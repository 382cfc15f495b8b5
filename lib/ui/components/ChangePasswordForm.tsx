import { useState } from 'preact/hooks';
import { MIN_ACCEPTED_SCORE, passwordStrength } from '../../../shared/vault/password-strength';
import { callBackground } from '../background-call';
import { ErrorNote } from './ErrorNote';
import { PasswordStrengthMeter } from './PasswordStrengthMeter';
import { useAction } from '../hooks/use-action';

export function ChangePasswordForm() {
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  const acceptable = newPassword !== '' && passwordStrength(newPassword).score >= MIN_ACCEPTED_SCORE && confirmation === newPassword;

  const submit = (event: Event) => {
    event.preventDefault();
    setDone(false);
    void run(() => callBackground('vault.changePassword', { oldPassword, newPassword })).then((ok) => {
      if (!ok) return;
      setOldPassword('');
      setNewPassword('');
      setConfirmation('');
      setDone(true);
    });
  };
  return (
    <details class="card">
      <summary>Change master password</summary>
      <form onSubmit={submit} data-testid="change-password">
        <label>
          Current password
          <input type="password" autocomplete="current-password" value={oldPassword} onInput={(e) => setOldPassword(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autocomplete="new-password" value={newPassword} onInput={(e) => setNewPassword(e.currentTarget.value)} />
        </label>
        <PasswordStrengthMeter password={newPassword} />
        <label>
          Repeat the new password
          <input type="password" autocomplete="new-password" value={confirmation} onInput={(e) => setConfirmation(e.currentTarget.value)} />
        </label>
        <ErrorNote error={error} />
        {done && <p class="ok">Password changed. Your credentials were not re-encrypted; only the vault key was.</p>}
        <button type="submit" disabled={busy || !acceptable}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </details>
  );
}

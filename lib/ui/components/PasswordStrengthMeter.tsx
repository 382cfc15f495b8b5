import { MIN_ACCEPTED_SCORE, passwordStrength } from '../../../shared/vault/password-strength';

const LABELS = ['very weak', 'weak', 'fair', 'good', 'strong'];

export function PasswordStrengthMeter({ password }: { password: string }) {
  if (password === '') return null;
  const { score, hint } = passwordStrength(password);
  return (
    <div class={`strength s${score}`} data-testid="password-strength" data-score={score}>
      <meter min={0} max={4} value={score} />
      <span>{LABELS[score]}</span>
      {score < 4 && <p class="hint">{hint}</p>}
      {score < MIN_ACCEPTED_SCORE && <p class="warn">Too weak for a master password.</p>}
    </div>
  );
}

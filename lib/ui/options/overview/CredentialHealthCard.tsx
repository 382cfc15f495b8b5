import type { CredentialHealth } from '../../../../shared/proxy-messages';
import type { CredentialView } from '../../../session/vault-session';

const formatTime = (time: number) => new Date(time).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

interface CredentialHealthCardProps {
  health: readonly CredentialHealth[];
  /** Null while the vault is locked (names need it open). */
  credentials: readonly CredentialView[] | null;
}

/** Which keys the services refused lately, as the proxy's rotation sees them, and which still work. */
export function CredentialHealthCard({ health, credentials }: CredentialHealthCardProps) {
  const failing = health.filter((entry) => entry.failures > 0);
  const nameOf = (id: string) => {
    const credential = credentials?.find((candidate) => candidate.id === id);
    return credential ? `${credential.service} · ${credential.name}` : `key ${id.slice(0, 8)}`;
  };
  const count = credentials?.length ?? null;
  return (
    <div data-testid="credential-health-summary" data-failing={failing.length}>
      {failing.length === 0 ? (
        <p class="ok">
          {count === null ? 'No key refused by its service lately.' : `All ${count} key${count === 1 ? '' : 's'} working: none refused by its service lately.`}
        </p>
      ) : (
        <ul class="health-list">
          {failing.map((entry) => (
            <li key={entry.credentialId} class="warn">
              <strong>{nameOf(entry.credentialId)}</strong>: refused {entry.failures} time{entry.failures === 1 ? '' : 's'} in a row
              {entry.lastFailure && ` (last at ${formatTime(entry.lastFailure.at)}: ${entry.lastFailure.reason})`}
              {entry.coolingUntil !== null && entry.coolingUntil > Date.now() && `; tried after the other keys until ${formatTime(entry.coolingUntil)}`}.
            </li>
          ))}
        </ul>
      )}
      {health.some((entry) => entry.failures === 0 && entry.lastFailure !== null) && (
        <p class="detail">{health.filter((entry) => entry.failures === 0 && entry.lastFailure !== null).length} key(s) refused earlier work again.</p>
      )}
      <p class="detail">
        Replace a refused key’s secret under <a href="#credentials">Credentials</a>; agents keep working with their own keys.
      </p>
    </div>
  );
}

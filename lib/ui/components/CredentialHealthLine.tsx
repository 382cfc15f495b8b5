import type { CredentialHealth } from '../../../shared/proxy-messages';

const formatTime = (time: number) => new Date(time).toLocaleTimeString();

/**
 * What the upstream made of a key lately: refused (and until when the proxy tries it only after the
 * service's other keys), or working again after a refusal. Nothing for a key that never failed.
 */
export function CredentialHealthLine({ health }: { health: CredentialHealth }) {
  if (health.lastFailure === null) return null;
  const { at, reason } = health.lastFailure;
  if (health.failures === 0) {
    return (
      <p class="detail ok" data-testid="credential-health" data-failing="false">
        Working again (refused at {formatTime(at)}: {reason}).
      </p>
    );
  }
  return (
    <p class="warn" data-testid="credential-health" data-failing="true" data-failures={health.failures}>
      Refused by the service at {formatTime(at)} ({reason}
      {health.failures > 1 ? `, ${health.failures} times in a row` : ''}).
      {health.coolingUntil !== null && ` Tried after your other keys until ${formatTime(health.coolingUntil)}.`} Replace it if it stays refused.
    </p>
  );
}

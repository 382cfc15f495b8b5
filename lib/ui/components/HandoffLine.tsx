import type { VaultState } from '../../session/vault-state';
import { ErrorNote } from './ErrorNote';

type Unlocked = Extract<VaultState, { status: 'unlocked' }>;

/** An unlocked vault is useful only once the host has it: "proxy ready" waits for the host's ack. */
export function HandoffLine({ state }: { state: Unlocked }) {
  const { handoff } = state;
  const text =
    handoff.status === 'ready' ? 'Unlocked — proxy ready' : handoff.status === 'pending' ? 'Unlocked — handing the vault to the host…' : 'Unlocked — host not reachable';
  return (
    <div data-testid="vault-status" data-handoff={handoff.status}>
      <p class={handoff.status === 'ready' ? 'ok' : 'warn'}>{text}</p>
      {handoff.status === 'failed' && <ErrorNote error={handoff.error} testId="handoff-error" />}
      <p class="detail">Locks after {state.idleLockMinutes} minutes without use.</p>
    </div>
  );
}

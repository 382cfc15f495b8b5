import { callBackground } from '../background-call';
import { HostStatusCard } from '../components/HostStatusCard';
import { useAppState } from '../hooks/use-app-state';
import { AllowSiteCard } from './AllowSiteCard';
import { VaultPanel } from './VaultPanel';

/** The toolbar popup: a fixed header (with Lock) over its own scroll area, inside Chromium's 600 px. */
export function PopupApp() {
  const state = useAppState();
  const unlocked = state?.vault.status === 'unlocked';
  return (
    <main class="popup">
      <header>
        <img class="logo" src="/icon/32.png" alt="" />
        <h1>Keygate</h1>
        {unlocked && (
          <button type="button" onClick={() => void callBackground('vault.lock')} data-testid="lock-vault">
            Lock
          </button>
        )}
      </header>
      <div class="scroll">
        {/* Unlocked, the active site and any extension's ask come first: a long credential list would hide them. */}
        {unlocked && <AllowSiteCard vaultUnlocked />}
        {state === null ? <p class="hint">Starting…</p> : <VaultPanel state={state} />}
        {state !== null && state.vault.status !== 'absent' && !unlocked && <AllowSiteCard vaultUnlocked={false} />}
        <HostStatusCard state={state?.host ?? null} proxy={state?.proxy ?? null} />
      </div>
    </main>
  );
}

import type { VaultState } from '../../session/vault-state';
import { callBackground } from '../background-call';
import { CreateVaultForm } from '../components/CreateVaultForm';
import { HandoffLine } from '../components/HandoffLine';
import { UnlockForm } from '../components/UnlockForm';

/**
 * The vault's state above every section: an unlock form while locked, the create form when there is
 * no vault yet, and a Lock button while unlocked, so no section needs the popup to change it.
 */
export function VaultGate({ vault }: { vault: VaultState | null }) {
  if (vault === null || vault.status === 'loading') return <p class="hint">Opening the vault…</p>;
  if (vault.status === 'absent') {
    return (
      <div>
        <CreateVaultForm />
        <p class="hint">
          Or import a backup in <a href="#security">Backup &amp; security</a>.
        </p>
      </div>
    );
  }
  if (vault.status !== 'unlocked') return <UnlockForm state={vault} />;
  return (
    <div class="card row">
      <HandoffLine state={vault} />
      <button type="button" onClick={() => void callBackground('vault.lock')} data-testid="lock-vault">
        Lock
      </button>
    </div>
  );
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { CredentialView } from '../../session/vault-session';
import type { BinanceKeyRestrictions, CredentialHealth } from '../../../shared/proxy-messages';
import type { VaultState } from '../../session/vault-state';
import { AddCredentialForm } from '../components/AddCredentialForm';
import { callBackground } from '../background-call';
import { ChangePasswordForm } from '../components/ChangePasswordForm';
import { CredentialList } from '../components/CredentialList';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks/use-action';

type Unlocked = Extract<VaultState, { status: 'unlocked' }>;

function HandoffLine({ state }: { state: Unlocked }) {
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

export function UnlockedVault({ state, binanceKeys, health }: { state: Unlocked; binanceKeys: BinanceKeyRestrictions[]; health: CredentialHealth[] }) {
  const [credentials, setCredentials] = useState<CredentialView[] | null>(null);
  const { error, run } = useAction();
  const reload = useCallback(() => void run(async () => setCredentials(await callBackground('vault.credentials.list'))), []);
  useEffect(reload, [reload]);

  return (
    <>
      <section class="card">
        <div class="row">
          <HandoffLine state={state} />
          <button type="button" onClick={() => void callBackground('vault.lock')} data-testid="lock-vault">
            Lock
          </button>
        </div>
      </section>
      <section class="card">
        <h2>Credentials</h2>
        <ErrorNote error={error} />
        <CredentialList credentials={credentials} binanceKeys={binanceKeys} health={health} onChanged={reload} />
      </section>
      <AddCredentialForm onAdded={reload} />
      <ChangePasswordForm />
      <p class="detail">
        <a href="#" onClick={(e) => { e.preventDefault(); void browser.runtime.openOptionsPage(); }}>
          Backup (export / import) and settings
        </a>
      </p>
    </>
  );
}

import { useState } from 'preact/hooks';
import { isPlainObject } from '../../../shared/validate';
import type { VaultState } from '../../session/vault-state';
import { callBackground } from '../background-call';
import { datedFileName, downloadText } from '../components/download-file';
import { ErrorNote } from '../components/ErrorNote';
import { ChangePasswordForm } from '../components/ChangePasswordForm';
import { useAction } from '../hooks/use-action';
import { useFreshResult } from '../hooks/use-fresh-result';
import { RevokeEverything } from './RevokeEverything';

function ExportVault() {
  const { busy, error, run } = useAction();
  const exportNow = () =>
    void run(async () => downloadText(`${JSON.stringify(await callBackground('vault.export'), null, 2)}\n`, datedFileName('vault', 'json'), 'application/json'));
  return (
    <div>
      <p class="hint">One encrypted file: your secrets stay sealed; it opens only with the master password.</p>
      <button type="button" onClick={exportNow} disabled={busy} data-testid="export-vault">
        Export vault
      </button>
      <ErrorNote error={error} />
    </div>
  );
}

function ImportVault({ vaultStatus }: { vaultStatus: VaultState['status'] }) {
  const replacing = vaultStatus !== 'absent';
  const [fileText, setFileText] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const { busy, error, run, setError } = useAction();
  // "Imported and unlocked" describes the unlocked vault; it goes once the vault locks.
  const [done, setDone] = useFreshResult<true>(vaultStatus);

  const chooseFile = async (input: HTMLInputElement) => {
    setDone(null);
    setFileText((await input.files?.[0]?.text()) ?? null);
  };
  const submit = (event: Event) => {
    event.preventDefault();
    let file: unknown;
    try {
      file = JSON.parse(fileText ?? '');
    } catch {
      file = null;
    }
    if (!isPlainObject(file)) {
      setError({ code: 'IMPORT_INVALID', message: 'The file is not a JSON object; choose a Keygate vault export.' });
      return;
    }
    void run(() => callBackground('vault.import', { file, password })).then((ok) => {
      if (ok) {
        setPassword('');
        setDone(true, 'unlocked');
      }
    });
  };
  return (
    <form onSubmit={submit} data-testid="import-vault">
      <label>
        Vault file
        <input type="file" accept="application/json,.json" onChange={(e) => void chooseFile(e.currentTarget)} data-testid="import-file" />
      </label>
      <label>
        The file’s master password
        <input type="password" autocomplete="off" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="import-password" />
      </label>
      {replacing && <p class="warn">Importing replaces the vault in this browser. Export it first if you need it.</p>}
      <ErrorNote error={error} testId="import-error" />
      {done !== null && <p class="ok" data-testid="import-done">Imported and unlocked.</p>}
      <button type="submit" disabled={busy || fileText === null || password === ''} data-testid="import-submit">
        {busy ? 'Checking the file…' : 'Import vault'}
      </button>
    </form>
  );
}

/** Backup & security: export and import, the master password, and the panic button. */
export function SecuritySection({ vault }: { vault: VaultState | null }) {
  if (vault === null) return <p class="hint">Loading…</p>;
  return (
    <>
      <section class="card">
        <h2>Backup</h2>
        {vault.status === 'unlocked' ? <ExportVault /> : <p class="hint">Unlock the vault to export it.</p>}
        <ImportVault vaultStatus={vault.status} />
      </section>
      {vault.status === 'unlocked' && <ChangePasswordForm />}
      <section class="card" data-testid="idle-lock">
        <h2>Automatic lock</h2>
        <p>
          {vault.status === 'unlocked' ? `The vault locks after ${vault.idleLockMinutes} minutes without use` : 'The vault locks after a while without use'}, and
          whenever the browser restarts. Change the delay under <a href="#services">Services → Proxy</a> (<code>idle_lock_minutes</code>).
        </p>
      </section>
      <RevokeEverything />
    </>
  );
}

import { useState } from 'preact/hooks';
import { isPlainObject } from '../../../shared/validate';
import type { VaultState } from '../../session/vault-state';
import { callBackground } from '../background-call';
import { datedFileName, downloadText } from '../components/download-file';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks/use-action';

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

function ImportVault({ replacing }: { replacing: boolean }) {
  const [fileText, setFileText] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run, setError } = useAction();

  const chooseFile = async (input: HTMLInputElement) => {
    setDone(false);
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
        setDone(true);
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
      {done && <p class="ok" data-testid="import-done">Imported and unlocked.</p>}
      <button type="submit" disabled={busy || fileText === null || password === ''} data-testid="import-submit">
        {busy ? 'Checking the file…' : 'Import vault'}
      </button>
    </form>
  );
}

export function BackupSection({ vault }: { vault: VaultState }) {
  return (
    <section class="card">
      <h2>Backup</h2>
      {vault.status === 'unlocked' ? <ExportVault /> : <p class="hint">Unlock the vault to export it.</p>}
      <ImportVault replacing={vault.status !== 'absent'} />
    </section>
  );
}

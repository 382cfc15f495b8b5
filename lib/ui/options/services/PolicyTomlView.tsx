import { useMemo, useState } from 'preact/hooks';
import type { ErrorBody } from '../../../shared/errors';
import { DEFAULT_PROXY_PORT, parsePolicy } from '../../../shared/policy/parse-policy';
import type { ProxyStatus } from '../../../shared/protocol';
import type { StoredPolicy } from '../../policy/policy-store';
import { callBackground } from '../background-call';
import { datedFileName, downloadText } from '../components/download-file';
import { ErrorNote } from '../components/ErrorNote';
import { PolicyApplyResult } from './PolicyApplyResult';
import { PolicyProblemList } from './PolicyProblemList';
import { useAction } from '../hooks/use-action';

const PROBLEMS_ID = 'policy-problems';
const PLACEHOLDER = `# Empty: every default applies.\n[proxy]\nport = ${DEFAULT_PROXY_PORT}`;

interface PolicySectionProps {
  active: StoredPolicy | null;
  loadError: ErrorBody | null;
  vaultUnlocked: boolean;
  onApplied: () => void;
}

/**
 * The policy file: edited or imported here, checked on every keystroke with the same parser the host
 * uses, applied as a whole. The host checks it again; a refused policy leaves the running one in force.
 */
export function PolicySection({ active, loadError, vaultUnlocked, onApplied }: PolicySectionProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [applied, setApplied] = useState<{ proxy: ProxyStatus | null } | null>(null);
  const { busy, error, run } = useAction();
  const text = draft ?? active?.toml ?? '';
  const parsed = useMemo(() => parsePolicy(text), [text]);
  const unapplied = active !== null && text !== active.toml;

  const edit = (value: string) => {
    setDraft(value);
    setApplied(null);
  };
  const importFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file !== undefined) edit(await file.text());
    // Lets the same file be chosen again after further edits.
    input.value = '';
  };
  const apply = () => {
    setApplied(null);
    void run(async () => {
      setApplied({ proxy: await callBackground('policy.apply', { toml: text }) });
      onApplied();
    });
  };

  return (
    <section class="card" aria-labelledby="policy-heading">
      <h2 id="policy-heading">Policy</h2>
      <ErrorNote error={loadError} />
      <div class="row label-row">
        <label for="policy-text">Policy (TOML)</label>
        <span class="detail">
          {active?.updatedAt != null && `applied ${new Date(active.updatedAt).toLocaleString()}`}
          {unapplied && <span class="warn"> · edited, not applied</span>}
        </span>
      </div>
      <textarea
        id="policy-text"
        class="code"
        rows={14}
        spellcheck={false}
        value={text}
        onInput={(e) => edit(e.currentTarget.value)}
        aria-invalid={!parsed.ok}
        aria-describedby={parsed.ok ? undefined : PROBLEMS_ID}
        placeholder={PLACEHOLDER}
        data-testid="policy-text"
      />
      {parsed.ok ? <p class="detail" data-testid="policy-valid">Valid.</p> : <PolicyProblemList id={PROBLEMS_ID} problems={parsed.errors} />}
      {!vaultUnlocked && <p class="hint">Applying a policy needs the unlocked vault: unlock it in the Keygate popup.</p>}
      <div class="actions">
        <button type="button" onClick={apply} disabled={busy || !parsed.ok || active === null} data-testid="policy-apply">
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <label class="file-button">
          Import TOML file…
          <input type="file" class="visually-hidden" accept=".toml,text/plain" onChange={(e) => void importFile(e.currentTarget)} data-testid="policy-import-file" />
        </label>
        <button type="button" onClick={() => downloadText(text, datedFileName('policy', 'toml'), 'application/toml')} data-testid="policy-export">
          Export TOML
        </button>
      </div>
      <ErrorNote error={error} testId="policy-apply-error" />
      {applied && <PolicyApplyResult proxy={applied.proxy} />}
    </section>
  );
}

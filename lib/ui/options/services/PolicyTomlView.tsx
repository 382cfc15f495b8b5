import { DEFAULT_PROXY_PORT, type PolicyResult } from '../../../../shared/policy/parse-policy';
import type { StoredPolicy } from '../../../policy/policy-store';
import { datedFileName, downloadText } from '../../components/download-file';
import { PolicyProblemList } from './PolicyProblemList';

const PROBLEMS_ID = 'policy-problems';
const PLACEHOLDER = `# Empty: every default applies.\n[proxy]\nport = ${DEFAULT_PROXY_PORT}`;

interface PolicyTomlViewProps {
  text: string;
  parsed: PolicyResult;
  active: StoredPolicy | null;
  onEdit: (text: string) => void;
}

/**
 * The policy file itself: edited or imported here, checked on every keystroke with the same parser
 * the host uses. It is the same text the service forms edit; Apply (above) sends it whole.
 */
export function PolicyTomlView({ text, parsed, active, onEdit }: PolicyTomlViewProps) {
  const unapplied = active !== null && text !== active.toml;
  const importFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file !== undefined) onEdit(await file.text());
    // Lets the same file be chosen again after further edits.
    input.value = '';
  };

  return (
    <div class="card" data-testid="policy-toml-view">
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
        rows={18}
        spellcheck={false}
        value={text}
        onInput={(e) => onEdit(e.currentTarget.value)}
        aria-invalid={!parsed.ok}
        aria-describedby={parsed.ok ? undefined : PROBLEMS_ID}
        placeholder={PLACEHOLDER}
        data-testid="policy-text"
      />
      {parsed.ok ? <p class="detail" data-testid="policy-valid">Valid.</p> : <PolicyProblemList id={PROBLEMS_ID} problems={parsed.errors} />}
      <div class="actions">
        <label class="file-button">
          Import TOML file…
          <input type="file" class="visually-hidden" accept=".toml,text/plain" onChange={(e) => void importFile(e.currentTarget)} data-testid="policy-import-file" />
        </label>
        <button type="button" onClick={() => downloadText(text, datedFileName('policy', 'toml'), 'application/toml')} data-testid="policy-export">
          Export TOML
        </button>
      </div>
    </div>
  );
}

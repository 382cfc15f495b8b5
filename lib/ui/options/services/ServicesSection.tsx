import { useMemo, useState } from 'preact/hooks';
import type { ErrorBody } from '../../../../shared/errors';
import { parsePolicy } from '../../../../shared/policy/parse-policy';
import type { ProxyStatus } from '../../../../shared/protocol';
import { isHandWritten, type PolicyDocument, readPolicyDocument, removeSection, sectionTable, writePolicyDocument } from '../../../policy/policy-form';
import type { StoredPolicy } from '../../../policy/policy-store';
import { BUILTIN_FORMS, customForm, PROXY_FORM } from '../../../policy/service-form-fields';
import { callBackground } from '../../background-call';
import { ErrorNote } from '../../components/ErrorNote';
import { useAction } from '../../hooks/use-action';
import { useFreshResult } from '../../hooks/use-fresh-result';
import { AddCustomApi } from './AddCustomApi';
import { PolicyApplyResult } from './PolicyApplyResult';
import { PolicyTomlView } from './PolicyTomlView';
import { ServiceForm } from './ServiceForm';

interface ServicesSectionProps {
  active: StoredPolicy | null;
  loadError: ErrorBody | null;
  vaultUnlocked: boolean;
  onApplied: () => void;
}

/**
 * Services: one form per service and the TOML view, all editing one draft of the policy text, checked
 * on every change by the host's own parser and applied whole (the host checks it again; a refused
 * policy leaves the running one in force). A hand-written file is rewritten by a form only after the
 * user agrees to lose its comments and layout.
 */
export function ServicesSection({ active, loadError, vaultUnlocked, onApplied }: ServicesSectionProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [tab, setTab] = useState('openai');
  const [pendingRewrite, setPendingRewrite] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const text = draft ?? active?.toml ?? '';
  const parsed = useMemo(() => parsePolicy(text), [text]);
  const read = useMemo(() => readPolicyDocument(text), [text]);
  // "Applied." describes the text that was sent; it goes as soon as the text changes.
  const [applied, showApplied] = useFreshResult<{ proxy: ProxyStatus | null }>(text);
  const problems = parsed.ok ? [] : parsed.errors;
  const customNames = read.ok ? Object.keys(sectionTable(read.document, ['custom']) ?? {}) : [];
  const forms = [...BUILTIN_FORMS, ...customNames.map(customForm), PROXY_FORM];

  const editFromForm = (document: PolicyDocument) => {
    const next = writePolicyDocument(document);
    if (isHandWritten(text)) setPendingRewrite(next);
    else setDraft(next);
  };
  const apply = (toml: string) =>
    run(async () => {
      showApplied({ proxy: await callBackground('policy.apply', { toml }) }, toml);
      onApplied();
    });

  return (
    <>
      <ErrorNote error={loadError} />
      <div class="tabs" role="tablist" aria-label="Services">
        {[...forms.map((form) => [form.id, form.title] as const), ['add', '+ Add a custom API'] as const, ['toml', 'TOML'] as const].map(([id, title]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} onClick={() => setTab(id)} data-testid={`services-tab-${id}`}>
            {title}
          </button>
        ))}
      </div>
      {pendingRewrite !== null && (
        <div class="card error" role="alertdialog" data-testid="confirm-rewrite">
          <p>Your policy file has comments or a layout of its own. Editing it with the forms rewrites the file and loses them.</p>
          <div class="actions">
            <button type="button" class="danger" onClick={() => (setDraft(pendingRewrite), setPendingRewrite(null))} data-testid="confirm-rewrite-yes">
              Rewrite it
            </button>
            <button type="button" onClick={() => setPendingRewrite(null)} data-testid="confirm-rewrite-keep">
              Keep my file (edit it in the TOML view)
            </button>
          </div>
        </div>
      )}
      {tab === 'toml' ? (
        <PolicyTomlView text={text} parsed={parsed} active={active} onEdit={setDraft} />
      ) : tab === 'add' ? (
        read.ok ? (
          <AddCustomApi document={read.document} vaultUnlocked={vaultUnlocked} onCreate={(document) => apply(writePolicyDocument(document)).then((ok) => ok && (setDraft(null), true))} />
        ) : (
          <p class="warn">The policy text is not valid TOML; fix it in the TOML view first.</p>
        )
      ) : !read.ok ? (
        <p class="warn" data-testid="forms-unavailable">
          The policy text is not valid TOML, so the forms cannot show it; fix it in the TOML view.
        </p>
      ) : (
        forms
          .filter((form) => form.id === tab)
          .map((form) => (
            <ServiceForm
              key={form.id}
              spec={form}
              document={read.document}
              problems={problems}
              onChange={editFromForm}
              onRemove={form.path[0] === 'custom' ? () => (editFromForm(removeSection(read.document, form.path)), setTab('openai')) : undefined}
            />
          ))
      )}
      {tab !== 'add' && (
        <div class="card">
          {!vaultUnlocked && <p class="hint">Applying a policy needs the unlocked vault.</p>}
          {!parsed.ok && tab !== 'toml' && <p class="warn">Fix the problems marked above before applying.</p>}
          <div class="actions">
            <button type="button" class="primary" onClick={() => void apply(text)} disabled={busy || !parsed.ok || active === null} data-testid="policy-apply">
              {busy ? 'Applying…' : 'Apply'}
            </button>
            {active !== null && text !== active.toml && (
              <button type="button" onClick={() => setDraft(null)} data-testid="policy-discard">
                Discard changes
              </button>
            )}
          </div>
          <ErrorNote error={error} testId="policy-apply-error" />
          {applied && <PolicyApplyResult proxy={applied.proxy} />}
        </div>
      )}
    </>
  );
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import { parsePolicy } from '../../../../shared/policy/parse-policy';
import { customServiceNameProblem } from '../../../../shared/policy/service-sections';
import type { AgentKeyRecord } from '../../../../shared/vault/format';
import { fieldProblems, type PolicyDocument, sectionTable, writePolicyDocument } from '../../../policy/policy-form';
import { newCustomSection } from '../../../policy/service-form-fields';
import { callBackground } from '../../background-call';
import { AddCredentialForm } from '../../components/AddCredentialForm';
import { ErrorNote } from '../../components/ErrorNote';
import { useAction } from '../../hooks/use-action';

interface AddCustomApiProps {
  document: PolicyDocument;
  vaultUnlocked: boolean;
  /** Applies the policy with the new section; resolves true once the host took it. */
  onCreate: (document: PolicyDocument) => Promise<boolean>;
}

/** A custom API in one flow: its `[custom.NAME]` section, then its key, then an agent allowed to call it. */
export function AddCustomApi({ document, vaultUnlocked, onCreate }: AddCustomApiProps) {
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [authHeader, setAuthHeader] = useState('Authorization');
  const [prefix, setPrefix] = useState('Bearer ');
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const trimmed = name.trim();
  const exists = trimmed !== '' && sectionTable(document, ['custom', trimmed]) !== undefined;
  const candidate = useMemo<PolicyDocument>(() => {
    const custom = { ...(sectionTable(document, ['custom']) ?? {}), [trimmed]: newCustomSection(baseUrl.trim(), authHeader.trim(), prefix) };
    return { ...document, custom };
  }, [document, trimmed, baseUrl, authHeader, prefix]);
  const parsed = useMemo(() => parsePolicy(writePolicyDocument(candidate)), [candidate]);
  const problems = parsed.ok ? [] : parsed.errors;
  const problemsOf = (key: string) => fieldProblems(problems, ['custom', trimmed], key);
  const namedProblem = trimmed === '' ? null : customServiceNameProblem(trimmed);
  // The parser says the same of a bad name once it is in the document: each message once.
  const nameProblems = [...new Set([...(exists ? ['a custom API with this name exists already'] : []), ...(namedProblem === null ? [] : [namedProblem]), ...problems.filter((problem) => problem.field === `custom.${trimmed}`).map((problem) => problem.message)])];
  const ready = trimmed !== '' && baseUrl.trim() !== '' && parsed.ok && !exists && namedProblem === null;

  if (created !== null) return <AfterCreate name={created} onAnother={() => (setCreated(null), setName(''), setBaseUrl(''))} />;

  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    void onCreate(candidate).then((ok) => {
      setBusy(false);
      if (ok) setCreated(trimmed);
    });
  };
  const field = (label: string, value: string, set: (value: string) => void, testId: string, messages: string[], placeholder = '') => (
    <div>
      <label>
        {label}
        <input value={value} placeholder={placeholder} aria-invalid={messages.length > 0} onInput={(e) => set(e.currentTarget.value)} data-testid={testId} />
      </label>
      {messages.map((message) => (
        <p key={message} class="field-problem" data-testid="field-problem">
          {message}
        </p>
      ))}
    </div>
  );
  return (
    <form class="card" onSubmit={submit} data-testid="add-custom-api">
      <h2>Add a custom API</h2>
      <p class="hint">Any REST API that takes a key in a header. Agents call it at /custom/NAME/…; Keygate adds the key.</p>
      <div class="form-grid">
        {field('Name (a-z, 0-9, -)', name, setName, 'custom-api-name', trimmed === '' ? [] : nameProblems, 'github')}
        {field('Base URL', baseUrl, setBaseUrl, 'custom-api-base-url', trimmed === '' || baseUrl === '' ? [] : problemsOf('base_url'), 'https://api.github.com')}
        {field('Auth header', authHeader, setAuthHeader, 'custom-api-auth-header', trimmed === '' ? [] : problemsOf('auth_header'))}
        {field('Auth value prefix', prefix, setPrefix, 'custom-api-prefix', trimmed === '' ? [] : problemsOf('auth_value_prefix'))}
      </div>
      {!vaultUnlocked && <p class="hint">Adding a service applies the policy, which needs the unlocked vault.</p>}
      <button type="submit" class="primary" disabled={busy || !ready} data-testid="custom-api-create">
        {busy ? 'Adding…' : 'Add the API'}
      </button>
    </form>
  );
}

/** Steps 2 and 3: the API's key, and which agent key may call it (both optional). */
function AfterCreate({ name, onAnother }: { name: string; onAnother: () => void }) {
  const [keyAdded, setKeyAdded] = useState(false);
  const [agents, setAgents] = useState<AgentKeyRecord[] | null>(null);
  const [granted, setGranted] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  useEffect(() => void callBackground('agents.list').then(setAgents, () => setAgents([])), []);
  const scope = `custom:${name}`;
  const grant = (agent: AgentKeyRecord) =>
    void run(async () => {
      await callBackground('agents.update', { agentId: agent.id, name: agent.name, scopes: [...agent.scopes, scope], expiresAt: agent.expiresAt });
      setGranted(agent.name);
    });
  return (
    <div data-testid="custom-api-created" data-name={name}>
      <p class="ok">
        <code>[custom.{name}]</code> is in the policy and applied. Agents call it at <code>/custom/{name}/…</code>.
      </p>
      {keyAdded ? <p class="ok">Its key is stored.</p> : <AddCredentialForm fixedService={name} onAdded={() => setKeyAdded(true)} />}
      <section class="card">
        <h2>Let an agent call it</h2>
        {agents === null ? (
          <p class="hint">Loading agent keys…</p>
        ) : agents.length === 0 ? (
          <p class="hint">
            No agent keys yet: create one in <a href="#agents">Agents</a> with the scope <code>{scope}</code>.
          </p>
        ) : (
          <ul class="credentials">
            {agents.map((agent) => (
              <li key={agent.id} class="row">
                <span>{agent.name}</span>
                {agent.scopes.includes(scope) || granted === agent.name ? (
                  <span class="ok" data-testid="custom-api-agent-granted">
                    may call it
                  </span>
                ) : (
                  <button type="button" disabled={busy} onClick={() => grant(agent)} data-testid="custom-api-grant-agent">
                    Add {scope}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <ErrorNote error={error} />
      </section>
      <button type="button" onClick={onAnother}>
        Add another API
      </button>
    </div>
  );
}

import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { AppState } from '../../extension-messages';
import type { CredentialView } from '../../session/vault-session';
import type { VaultState } from '../../session/vault-state';
import { AddCredentialForm } from '../components/AddCredentialForm';
import { CredentialList } from '../components/CredentialList';
import { ErrorNote } from '../components/ErrorNote';
import { HandoffLine } from '../components/HandoffLine';
import { useCredentials } from '../hooks/use-credentials';

type Unlocked = Extract<VaultState, { status: 'unlocked' }>;

/** Past this many credentials the popup offers a search field. */
const SEARCH_FROM = 5;

function matches(credential: CredentialView, query: string): boolean {
  const text = `${credential.service} ${credential.name} ${credential.hint ?? ''}`.toLowerCase();
  return query.toLowerCase().split(/\s+/).every((word) => text.includes(word));
}

const openSettings = (section: string) => void browser.tabs.create({ url: browser.runtime.getURL(`/options.html#${section}`) });

export function UnlockedVault({ state, app }: { state: Unlocked; app: AppState }) {
  const { credentials, error, reload } = useCredentials(app.lastCredentialUseAt);
  const [query, setQuery] = useState('');
  const [adding, setAdding] = useState(false);
  const shown = credentials?.filter((credential) => matches(credential, query.trim())) ?? null;

  return (
    <>
      <section class="card">
        <HandoffLine state={state} />
      </section>
      <section class="card">
        <h2>Credentials</h2>
        <ErrorNote error={error} />
        {credentials !== null && credentials.length >= SEARCH_FROM && (
          <input type="search" placeholder="Search by service, name or hint" value={query} onInput={(e) => setQuery(e.currentTarget.value)} aria-label="Search credentials" data-testid="credential-search" />
        )}
        {shown === null ? (
          <p class="hint">Loading credentials…</p>
        ) : credentials!.length === 0 ? (
          <p class="hint" data-testid="no-credentials">
            No credentials yet. Add your first API key, then give your agent a <code>pk_</code> key in{' '}
            <a href="#" onClick={(e) => (e.preventDefault(), openSettings('agents'))}>
              Settings → Agents
            </a>
            .
          </p>
        ) : shown.length === 0 ? (
          <p class="hint">No credential matches “{query}”.</p>
        ) : (
          <CredentialList credentials={shown} binanceKeys={app.binanceKeys} health={app.credentialHealth} onChanged={reload} />
        )}
      </section>
      {adding ? (
        <AddCredentialForm onAdded={() => (setAdding(false), reload())} onCancel={() => setAdding(false)} />
      ) : (
        <button type="button" class="primary" onClick={() => setAdding(true)} data-testid="show-add-credential">
          Add a credential
        </button>
      )}
      <p class="detail">
        <a href="#" onClick={(e) => (e.preventDefault(), openSettings('overview'))}>
          Settings: services, agents, backup and security
        </a>
      </p>
    </>
  );
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { normaliseGrantOrigin } from '../../../shared/grants/grant-record';
import { ErrorNote } from '../components/ErrorNote';
import { ScopeCheckboxes, withScope } from '../components/ScopeCheckboxes';
import { useAction } from '../hooks/use-action';
import { useActivePolicy } from '../hooks/use-active-policy';
import { grantFromClick, useGrants } from '../hooks/use-grants';
import { scopeChoices } from '../options/agent-scope-choices';

/** The active tab's origin, when it is one a grant can name (activeTab lets the popup read it). */
function useActiveTabOrigin(): string | null {
  const [origin, setOrigin] = useState<string | null>(null);
  useEffect(() => {
    void browser.tabs.query({ active: true, currentWindow: true }).then(([tab]) => {
      const checked = tab?.url === undefined ? null : normaliseGrantOrigin(new URL(tab.url).origin);
      setOrigin(checked?.ok ? checked.origin : null);
    });
  }, []);
  return origin;
}

const openGrantForm = (extensionId: string) => void browser.tabs.create({ url: browser.runtime.getURL(`/options.html#grant=extension:${encodeURIComponent(extensionId)}`) });

/** The popup's "Allow this site" for the active tab, and the extensions that asked for a grant. */
export function AllowSiteCard({ vaultUnlocked }: { vaultUnlocked: boolean }) {
  const origin = useActiveTabOrigin();
  const { listing, reload } = useGrants();
  const { policy } = useActivePolicy();
  const choices = useMemo(() => scopeChoices(policy?.toml ?? ''), [policy]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const { busy, error, run } = useAction();
  const grant = listing?.grants.find((candidate) => candidate.kind === 'site' && candidate.subject === origin);
  const scopes = choices.map(({ scope }) => scope).filter((scope) => selected.has(scope));
  const allow = () => void run(() => grantFromClick({ kind: 'site', subject: origin ?? '', scopes, expiresAt: null }, listing?.grants ?? [])).then((ok) => ok && reload());

  return (
    <>
      {listing?.asks.map((ask) => (
        <section class="card" key={ask.extensionId} data-testid="extension-ask" data-extension-id={ask.extensionId}>
          <p>
            Extension <code>{ask.extensionId}</code> asked to use Keygate.
          </p>
          <button type="button" onClick={() => openGrantForm(ask.extensionId)} data-testid="review-extension-ask">
            Review and grant…
          </button>
        </section>
      ))}
      {origin !== null && (
        <section class="card" data-testid="allow-site" data-origin={origin}>
          {grant !== undefined ? (
            <>
              <p class="ok" data-testid="site-allowed">
                Keygate is allowed on {origin} ({grant.scopes.join(', ')}){grant.enabled ? '' : ', turned off'}.
              </p>
              {listing?.withoutSiteAccess.includes(grant.id) && (
                <p class="warn" data-testid="site-access-removed">
                  But Keygate’s access to this site was removed in the browser: give it back in Options → Sites &amp; extensions.
                </p>
              )}
            </>
          ) : (
            <>
              <p>
                Let <strong>{origin}</strong> use Keygate through <code>window.keygate</code>? Any script on this site could then use the scopes you
                pick.
              </p>
              <ScopeCheckboxes choices={choices} selected={selected} onToggle={(scope, on) => setSelected(withScope(selected, scope, on))} legend="Scopes" testId="allow-site-scope" />
              <ErrorNote error={error} testId="allow-site-error" />
              <button type="button" class="primary" disabled={!vaultUnlocked || busy || scopes.length === 0} onClick={allow} data-testid="allow-site-submit">
                {vaultUnlocked ? 'Allow this site' : 'Unlock to allow this site'}
              </button>
            </>
          )}
        </section>
      )}
    </>
  );
}

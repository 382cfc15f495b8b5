import { useEffect, useMemo, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { type GrantRecord, grantUsable, normaliseGrantOrigin } from '../../../shared/grants/grant-record';
import { ErrorNote } from '../components/ErrorNote';
import { ScopeCheckboxes, withScope } from '../components/ScopeCheckboxes';
import { useAction } from '../hooks/use-action';
import { useActivePolicy } from '../hooks/use-active-policy';
import { grantFromClick, useGrants } from '../hooks/use-grants';
import { scopeChoices } from '../options/agent-scope-choices';

/** The active tab, when its origin is one a grant can name (activeTab lets the popup read it). */
function useActiveTabSite(): { origin: string; tabId: number } | null {
  const [site, setSite] = useState<{ origin: string; tabId: number } | null>(null);
  useEffect(() => {
    void browser.tabs.query({ active: true, currentWindow: true }).then(([tab]) => {
      const checked = tab?.url === undefined ? null : normaliseGrantOrigin(new URL(tab.url).origin);
      setSite(checked?.ok && tab?.id !== undefined ? { origin: checked.origin, tabId: tab.id } : null);
    });
  }, []);
  return site;
}

const openOptions = (hash: string) => void browser.tabs.create({ url: browser.runtime.getURL(`/options.html#${hash}`) });
const openGrantForm = (extensionId: string) => openOptions(`grant=extension:${encodeURIComponent(extensionId)}`);

/** What the site's grant lets it do now, in the words the options page's list uses. */
function SiteGrantState({ grant, accessRemoved }: { grant: GrantRecord; accessRemoved: boolean }) {
  const usable = grantUsable(grant, Date.now());
  if (usable === 'ok' && !accessRemoved) {
    return (
      <p class="ok" data-testid="site-allowed" data-state="ok">
        Keygate is allowed on {grant.subject} ({grant.scopes.join(', ')}).
      </p>
    );
  }
  const why = {
    disabled: 'is disabled',
    expired: `expired on ${new Date(grant.expiresAt ?? 0).toLocaleDateString()}`,
    ok: 'lost Keygate’s access to this site: it was removed in the browser',
  }[usable];
  return (
    <>
      <p class="warn" data-testid="site-allowed" data-state={accessRemoved && usable === 'ok' ? 'access-removed' : usable}>
        This site’s grant ({grant.scopes.join(', ')}) {why}, so the site cannot use Keygate.
      </p>
      <button type="button" onClick={() => openOptions('sites')} data-testid="manage-site-grant">
        Open Sites &amp; extensions
      </button>
    </>
  );
}

/** The popup's "Allow this site" for the active tab, and the extensions that asked for a grant. */
export function AllowSiteCard({ vaultUnlocked }: { vaultUnlocked: boolean }) {
  const site = useActiveTabSite();
  const origin = site?.origin ?? null;
  // A page loaded before its grant has no window.keygate until it loads again.
  const [justAllowed, setJustAllowed] = useState(false);
  const { listing, reload } = useGrants();
  const { policy } = useActivePolicy();
  const choices = useMemo(() => scopeChoices(policy?.toml ?? ''), [policy]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const { busy, error, run } = useAction();
  const grant = listing?.grants.find((candidate) => candidate.kind === 'site' && candidate.subject === origin);
  const scopes = choices.map(({ scope }) => scope).filter((scope) => selected.has(scope));
  const allow = () => void run(() => grantFromClick({ kind: 'site', subject: origin ?? '', scopes, expiresAt: null }, listing?.grants ?? [])).then((ok) => {
      if (!ok) return;
      setJustAllowed(true);
      reload();
    });

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
              <SiteGrantState grant={grant} accessRemoved={listing?.withoutSiteAccess.includes(grant.id) ?? false} />
              {justAllowed && (
                <>
                  <p class="hint">Reload the page to use it: a page gets <code>window.keygate</code> when it loads.</p>
                  <button type="button" class="primary" onClick={() => void browser.tabs.reload(site!.tabId).then(() => window.close())} data-testid="reload-allowed-site">
                    Reload the page
                  </button>
                </>
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

import { useMemo } from 'preact/hooks';
import { ErrorNote } from '../../components/ErrorNote';
import { useGrants } from '../../hooks/use-grants';
import { scopeChoices } from '../agent-scope-choices';
import { GrantForm, type GrantPrefill } from './GrantForm';
import { GrantRow } from './GrantRow';

/** `#grant=extension:ID` or `#grant=site:ORIGIN`: the popup's "Extension X asked" opens the form so. */
export function grantPrefillFrom(hash: string): GrantPrefill | null {
  const match = /^#grant=(site|extension):(.+)$/.exec(hash);
  return match === null ? null : { kind: match[1] as GrantPrefill['kind'], subject: decodeURIComponent(match[2]!) };
}

interface GrantsSectionProps {
  activePolicyToml: string;
  vaultUnlocked: boolean;
}

/**
 * Sites & extensions: who may use Keygate from inside the browser, with what, until when. A
 * `#grant=…` link (the popup's "Review and grant…") opens this section with the form filled.
 */
export function GrantsSection({ activePolicyToml, vaultUnlocked }: GrantsSectionProps) {
  const { listing, error, reload } = useGrants();
  const choices = useMemo(() => scopeChoices(activePolicyToml), [activePolicyToml]);
  const prefill = useMemo(() => grantPrefillFrom(location.hash), []);
  return (
    <section class="card" aria-labelledby="grants-heading" data-testid="grants-section">
      <h2 id="grants-heading">Grants</h2>
      <p class="hint">
        A granted site gets <code>window.keygate.fetch</code>, a granted extension the Keygate client module: both call your services
        through Keygate and never see a key.
        {!vaultUnlocked && ' Granting or widening a grant needs the unlocked vault: unlock it above.'} To cut every site and extension off at
        once, use <a href="#security">Backup &amp; security → Revoke everything</a>.
      </p>
      <ErrorNote error={error} />
      {listing !== null && listing.grants.length === 0 && <p class="detail">Nothing granted yet.</p>}
      <ul class="credentials" data-testid="grant-list" aria-label="Grants">
        {listing?.grants.map((grant) => (
          <GrantRow key={grant.id} grant={grant} accessRemoved={listing.withoutSiteAccess.includes(grant.id)} choices={choices} onChanged={reload} />
        ))}
      </ul>
      <GrantForm choices={choices} existing={listing?.grants ?? []} prefill={prefill} onGranted={reload} />
    </section>
  );
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { GrantRecord } from '../../../shared/grants/grant-record';
import type { GrantListing } from '../../extension-messages';
import { askSiteAccessAgain, requestGrant } from '../../grants/grant-request';
import type { NewGrantInput } from '../../grants/grant-service';
import type { BrowserFamily } from '../../grants/site-permission';
import { callBackground } from '../background-call';
import { useAction } from './use-action';

export const BROWSER_FAMILY: BrowserFamily = import.meta.env.FIREFOX ? 'firefox' : 'chromium';

/** The grants and the extensions that asked for one, reloaded on demand. */
export function useGrants() {
  const [listing, setListing] = useState<GrantListing | null>(null);
  const { error, run } = useAction();
  const reload = useCallback(() => void run(async () => setListing(await callBackground('grants.list'))), []);
  useEffect(reload, [reload]);
  return { listing, error, reload };
}

/** Grants from a click: the browser's prompt first (for a site), then the background stores it. */
export function grantFromClick(input: NewGrantInput, existing: readonly GrantRecord[]): Promise<GrantRecord> {
  return requestGrant(input, {
    permissions: browser.permissions,
    browser: BROWSER_FAMILY,
    existing,
    create: (checked) => callBackground('grants.create', checked),
  });
}

/** A site grant's access, removed in the browser's settings, asked for again from a click. */
export function askAgainFromClick(grant: GrantRecord): Promise<void> {
  return askSiteAccessAgain(grant.subject, { permissions: browser.permissions, browser: BROWSER_FAMILY, recheck: () => callBackground('grants.recheckSiteAccess') });
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import type { CredentialView } from '../../session/vault-session';
import { callBackground } from '../background-call';
import { useAction } from './use-action';

/**
 * The vault's credentials (no secrets), reloaded on demand and whenever `freshness` changes (the
 * host reported a use, so "last used" stays live while the page is open).
 */
export function useCredentials(freshness: unknown) {
  const [credentials, setCredentials] = useState<CredentialView[] | null>(null);
  const { error, run } = useAction();
  const reload = useCallback(() => void run(async () => setCredentials(await callBackground('vault.credentials.list'))), []);
  useEffect(reload, [reload, freshness]);
  return { credentials, error, reload };
}

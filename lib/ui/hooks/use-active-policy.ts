import { useCallback, useEffect, useState } from 'preact/hooks';
import type { StoredPolicy } from '../../policy/policy-store';
import { callBackground } from '../background-call';
import { useAction } from './use-action';

/** The policy the host was last given (its TOML and when it was applied), reloaded on demand. */
export function useActivePolicy() {
  const [policy, setPolicy] = useState<StoredPolicy | null>(null);
  const { error, run } = useAction();
  const reload = useCallback(() => void run(async () => setPolicy(await callBackground('policy.get'))), []);
  useEffect(reload, [reload]);
  return { policy, error, reload };
}

import { useState } from 'preact/hooks';
import type { ErrorBody } from '../../../shared/errors';
import { errorOf } from '../background-call';

/** Runs a user action once at a time and keeps its error for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(errorOf(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

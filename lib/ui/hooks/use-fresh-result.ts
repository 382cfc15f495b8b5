import { useEffect, useState } from 'preact/hooks';

interface Entry<T> {
  result: T;
  /** The state the result describes. */
  key: unknown;
  /** Whether the page has shown that state yet (a reply can arrive before the state push it caused). */
  seen: boolean;
}

/**
 * An action's result line tied to the state it describes: once the page is in that state, the line
 * stays only as long as the state does, so "Applied." disappears as soon as the text is edited again
 * and "Imported and unlocked." as soon as the vault locks, and neither comes back later.
 */
export function useFreshResult<T>(stateKey: unknown): [T | null, (result: T | null, keyItDescribes?: unknown) => void] {
  const [entry, setEntry] = useState<Entry<T> | null>(null);
  const current = entry !== null && Object.is(entry.key, stateKey);
  const stale = entry !== null && entry.seen && !current;
  useEffect(() => {
    if (stale) setEntry(null);
    else if (entry !== null && current && !entry.seen) setEntry({ ...entry, seen: true });
  }, [stale, current]);
  const show = (result: T | null, keyItDescribes: unknown = stateKey) =>
    setEntry(result === null ? null : { result, key: keyItDescribes, seen: Object.is(keyItDescribes, stateKey) });
  return [entry === null || stale ? null : entry.result, show];
}

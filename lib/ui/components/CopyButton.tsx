import { useEffect, useState } from 'preact/hooks';

type CopyState = 'idle' | 'copied' | 'failed';

/** Copies `text` to the clipboard and says whether it worked (a page without focus may be refused). */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [state, setState] = useState<CopyState>('idle');
  useEffect(() => {
    if (state === 'idle') return undefined;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  return (
    <button type="button" onClick={() => void copy()} aria-label={label} data-testid={testId} data-copy-state={state}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select and copy by hand' : 'Copy'}
    </button>
  );
}

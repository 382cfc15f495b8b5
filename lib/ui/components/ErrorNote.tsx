import type { ErrorBody } from '../../../shared/errors';
import { personHint } from '../../../shared/error-hints';

export function ErrorNote({ error, testId = 'error' }: { error: ErrorBody | null; testId?: string }) {
  if (error === null) return null;
  return (
    <div class="error-note" role="alert" data-testid={testId} data-code={error.code}>
      <p>{error.message}</p>
      {/* The body's own hint speaks to agents; a person gets the popup's and options' version. */}
      <p class="hint">{personHint(error.code, 'browser')}</p>
    </div>
  );
}

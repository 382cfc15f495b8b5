import type { ErrorBody } from '../../../shared/errors';

export function ErrorNote({ error, testId = 'error' }: { error: ErrorBody | null; testId?: string }) {
  if (error === null) return null;
  return (
    <div class="error-note" role="alert" data-testid={testId} data-code={error.code}>
      <p>{error.message}</p>
      {error.hint && <p class="hint">{error.hint}</p>}
    </div>
  );
}

interface DeleteConfirmationProps {
  /** What deleting loses, e.g. “Delete “work”? The key cannot be recovered.” */
  question: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
  /** The confirming button's words when the step is not a deletion ("Regenerate", "Revoke all"). */
  confirmLabel?: string;
}

/** The second step of every delete (and of other steps that cannot be undone): nothing a user cannot get back goes on one click. */
export function DeleteConfirmation({ question, busy, onConfirm, onCancel, testId, confirmLabel = 'Delete' }: DeleteConfirmationProps) {
  return (
    <div class="confirm" role="group" aria-label={`Confirm: ${confirmLabel}`}>
      {question}{' '}
      <button type="button" class="danger" disabled={busy} onClick={onConfirm} data-testid={testId}>
        {confirmLabel}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

interface DeleteConfirmationProps {
  /** What deleting loses, e.g. “Delete “work”? The key cannot be recovered.” */
  question: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
}

/** The second step of every delete: nothing a user cannot get back goes on one click. */
export function DeleteConfirmation({ question, busy, onConfirm, onCancel, testId }: DeleteConfirmationProps) {
  return (
    <div class="confirm" role="group" aria-label="Confirm deletion">
      {question}{' '}
      <button type="button" class="danger" disabled={busy} onClick={onConfirm} data-testid={testId}>
        Delete
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

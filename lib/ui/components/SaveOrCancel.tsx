interface SaveOrCancelProps {
  label: string;
  /** Shown while the action runs ("Saving…"). */
  busyLabel: string;
  busy: boolean;
  disabled: boolean;
  onCancel: () => void;
  testId: string;
}

/** The submit and Cancel pair that ends every inline edit form. */
export function SaveOrCancel({ label, busyLabel, busy, disabled, onCancel, testId }: SaveOrCancelProps) {
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={busy || disabled} data-testid={testId}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

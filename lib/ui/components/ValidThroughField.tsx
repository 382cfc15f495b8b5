/** The optional "valid through" date of the agent-key and grant forms: a day in the user's local time. */

/** `YYYY-MM-DD` in local time: the date picker's value for a time, and its earliest choice (today). */
export function localDate(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Valid "through" a date means until that day ends where the user is; empty means no expiry. */
export const expiryFromDate = (date: string): number | null => (date === '' ? null : new Date(`${date}T23:59:59.999`).getTime());

export function ValidThroughField({ value, onChange, testId }: { value: string; onChange: (date: string) => void; testId: string }) {
  return (
    <label>
      Valid through (optional; empty = no expiry)
      <input type="date" min={localDate(Date.now())} value={value} onInput={(e) => onChange(e.currentTarget.value)} data-testid={testId} />
    </label>
  );
}

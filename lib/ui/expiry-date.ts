/** The "valid through" date inputs of the agent-key and grant forms: a day in the user's local time. */

/** `YYYY-MM-DD` of today in local time, the earliest expiry the date picker offers. */
export function localToday(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** Valid "through" a date means until that day ends where the user is. */
export const endOfLocalDay = (date: string) => new Date(`${date}T23:59:59.999`).getTime();

/** "just now", "5 min ago", "3 h ago", then the date: how recent a use was, at a glance. */
export function formatSince(time: number | null, now: number): string {
  if (time === null) return 'never';
  const minutes = Math.floor((now - time) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ago`;
  return new Date(time).toLocaleDateString();
}

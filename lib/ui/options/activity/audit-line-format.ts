/** How an audit line's fields read in the Activity table and drawer: who called, how big, how long. */
import type { AuditRecord } from '../../../../shared/audit-messages';

const GRANT_PREFIXES = ['site:', 'extension:'];

/** Whether an audit identity is a site or extension grant (`site:https://app.example`), not an agent key. */
export function isGrantIdentity(agent: string): boolean {
  return GRANT_PREFIXES.some((prefix) => agent.startsWith(prefix));
}

/** The caller as a person knows it: the agent key's name, the grant's identity, or that none was known. */
export function agentLabel(record: Pick<AuditRecord, 'agent' | 'agentName'>): string {
  if (record.agent === null) return record.agentName ?? 'no valid agent key';
  if (isGrantIdentity(record.agent)) return record.agent;
  return record.agentName ?? `key ${record.agent.slice(0, 8)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Bytes in a table cell: "512", "1.6k", "16k", "1.2M" (the drawer shows exact figures). */
export function formatBytesShort(bytes: number): string {
  const scaled = (value: number, unit: string) => `${value < 10 ? value.toFixed(1) : Math.round(value)}${unit}`;
  if (bytes < 1024) return String(bytes);
  if (bytes < 1024 * 1024) return scaled(bytes / 1024, 'k');
  return scaled(bytes / (1024 * 1024), 'M');
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The time of day for today's lines, the date too for older ones; the full time is in the drawer. */
export function formatLineTime(iso: string, now: number): string {
  const time = new Date(iso);
  const sameDay = time.toDateString() === new Date(now).toDateString();
  return sameDay ? time.toLocaleTimeString() : time.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' });
}

/** The catalogue code a reason starts with ("ENDPOINT_BLOCKED: DELETE /repos/*" → ENDPOINT_BLOCKED). */
export function reasonCode(reason: string | null): string | null {
  return reason === null ? null : (/^[A-Z][A-Z0-9_]*/.exec(reason)?.[0] ?? null);
}

/** What the host's computed facts mean, for the ones it writes today; others show under their own name. */
const DETAIL_LABELS: Record<string, string> = {
  orderValueUsd: 'Order value (USD)',
  orderValueBasis: 'Order value from',
  dailyVolumeUsedUsd: 'Daily volume used (USD)',
  reservationReleased: 'Reservation released (Binance refused the order)',
  binanceStatus: 'Binance’s HTTP status',
  count: 'More refusals this minute, counted only',
  sampled: 'Refusals this minute listed in full',
};

export function detailLabel(name: string): string {
  return DETAIL_LABELS[name] ?? name;
}

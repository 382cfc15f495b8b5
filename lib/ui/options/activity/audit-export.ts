/**
 * Audit lines as files a person takes elsewhere: CSV for a spreadsheet, JSON lines for scripts.
 * A CSV cell that starts like a formula is defused, because a spreadsheet would run it: an agent
 * chooses the paths it calls, so `/=HYPERLINK(…)` is a path an attacker can put in the log.
 */
import type { AuditRecord } from '../../../../shared/audit-messages';

const CSV_COLUMNS: ReadonlyArray<[header: string, value: (record: AuditRecord) => string | number | null]> = [
  ['time', (record) => record.time],
  ['request_id', (record) => record.requestId],
  ['agent', (record) => record.agent],
  ['agent_name', (record) => record.agentName],
  ['service', (record) => record.service],
  ['method', (record) => record.method],
  ['path', (record) => record.path],
  ['status', (record) => record.status],
  ['decision', (record) => record.decision],
  ['reason', (record) => record.reason],
  ['credential_id', (record) => record.credentialId],
  ['duration_ms', (record) => record.durationMs],
  ['bytes_in', (record) => record.bytesIn],
  ['bytes_out', (record) => record.bytesOut],
  ['detail', (record) => (record.detail === undefined ? null : JSON.stringify(record.detail))],
];

/** Characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field (RFC 4180): formula-like text gets a leading apostrophe, then quoting where needed. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const defused = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) || defused !== defused.trim() ? `"${defused.replaceAll('"', '""')}"` : defused;
}

export function auditCsv(records: readonly AuditRecord[]): string {
  const header = CSV_COLUMNS.map(([name]) => name).join(',');
  const rows = records.map((record) => CSV_COLUMNS.map(([, value]) => csvCell(value(record))).join(','));
  return `${[header, ...rows].join('\r\n')}\r\n`;
}

/** One JSON object per line, exactly the host's fields (the same shape as the audit file). */
export function auditJsonLines(records: readonly AuditRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

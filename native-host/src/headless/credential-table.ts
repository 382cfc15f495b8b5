import type { CredentialRecord } from '../../../shared/vault/format';

const HEADINGS = ['SERVICE', 'NAME', 'KIND', 'ID', 'CREATED', 'LAST USED'];

/** UTC to the second: the same on every machine the file travels to. */
function when(time: number | null): string {
  return time === null ? 'never' : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Lines of an aligned table, grouped by service then name; metadata only, the sealed secret never. */
export function credentialTable(credentials: readonly CredentialRecord[]): string[] {
  const rows = [...credentials]
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name) || a.createdAt - b.createdAt)
    .map((record) => [record.service, record.name, record.kind, record.id, when(record.createdAt), when(record.lastUsedAt)]);
  const table = [HEADINGS, ...rows];
  const widths = HEADINGS.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  return table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
}

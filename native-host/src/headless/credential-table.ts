import type { CredentialRecord } from '../../../shared/vault/format';
import { alignedTable, tableTime } from './aligned-table';

const HEADINGS = ['SERVICE', 'NAME', 'KIND', 'ID', 'CREATED', 'LAST USED'];

/** Lines of an aligned table, grouped by service then name; metadata only, the sealed secret never. */
export function credentialTable(credentials: readonly CredentialRecord[]): string[] {
  const rows = [...credentials]
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name) || a.createdAt - b.createdAt)
    .map((record) => [record.service, record.name, record.kind, record.id, tableTime(record.createdAt), tableTime(record.lastUsedAt)]);
  return alignedTable([HEADINGS, ...rows]);
}

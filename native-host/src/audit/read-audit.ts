/**
 * Reads the audit trail back, current and rotated files together, oldest line first. Lines that do
 * not parse (the torn last line after a crash) are skipped rather than failing the whole read.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_AUDIT_FILE_NAME, listAuditFiles, orWhenMissing } from './audit-files';
import { type AuditRecord, parseAuditLine } from './audit-record';

export async function readAuditLines(directory: string, fileName = DEFAULT_AUDIT_FILE_NAME): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (const file of await listAuditFiles(directory, fileName)) {
    // Rotation may remove a file between listing the directory and reading it.
    const text = await orWhenMissing(readFile(join(directory, file.name), 'utf8'), '');
    for (const line of text.split('\n')) {
      const record = line === '' ? null : parseAuditLine(line);
      if (record !== null) records.push(record);
    }
  }
  return records;
}


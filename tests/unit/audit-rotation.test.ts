import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../native-host/src/audit/audit-log';
import { type AuditRecord, formatAuditLine } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-audit-rotation-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Ids of equal length, so every line has the same size and the expected file layout is exact. */
function auditRecord(index: number): AuditRecord {
  return {
    time: '2025-01-02T03:04:05.678Z',
    requestId: `req_${String(index).padStart(4, '0')}`,
    agent: 'agent_1',
    agentName: 'Claude Code',
    service: 'anthropic',
    method: 'POST',
    path: '/v1/messages',
    status: 200,
    decision: 'allowed',
    reason: null,
    credentialId: 'cred_1',
    durationMs: 40,
    bytesIn: 512,
    bytesOut: 2048,
  };
}

const LINE_BYTES = Buffer.byteLength(formatAuditLine(auditRecord(0)));
const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => auditRecord(from + i).requestId);

async function auditFileNames(): Promise<string[]> {
  return (await readdir(directory)).sort();
}

async function lineCount(name: string): Promise<number> {
  return (await readFile(join(directory, name), 'utf8')).split('\n').filter(Boolean).length;
}

describe('audit log rotation', () => {
  it('rotates before a file would pass maxFileBytes, keeping at most keepFiles rotated files', async () => {
    const log = await AuditLog.open({ directory, maxFileBytes: LINE_BYTES * 3, keepFiles: 3 });
    for (let i = 0; i < 40; i++) {
      log.append(auditRecord(i));
      await log.flush();
      expect((await auditFileNames()).length).toBeLessThanOrEqual(4);
    }
    await log.close();

    expect(await auditFileNames()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2', 'audit.log.3']);
    for (const name of await auditFileNames()) {
      expect((await stat(join(directory, name))).size).toBeLessThanOrEqual(LINE_BYTES * 3);
      expect((await stat(join(directory, name))).mode & 0o777).toBe(0o600);
    }
    // 40 lines, 3 per file: the current file holds the last one, the three rotated files nine more.
    expect(await lineCount('audit.log')).toBe(1);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(30, 40));
  });

  it('rotates inside a single burst written in one tick', async () => {
    const log = await AuditLog.open({ directory, maxFileBytes: LINE_BYTES * 4, keepFiles: 5 });
    for (let i = 0; i < 18; i++) log.append(auditRecord(i));
    await log.close();

    expect(await auditFileNames()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2', 'audit.log.3', 'audit.log.4']);
    expect(await lineCount('audit.log.4')).toBe(4);
    expect(await lineCount('audit.log')).toBe(2);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(0, 18));
  });

  it('carries on from an existing file and its rotations after a restart', async () => {
    const options = { directory, maxFileBytes: LINE_BYTES * 2, keepFiles: 5 };
    const first = await AuditLog.open(options);
    for (let i = 0; i < 5; i++) first.append(auditRecord(i));
    await first.close();

    const second = await AuditLog.open(options);
    for (let i = 5; i < 9; i++) second.append(auditRecord(i));
    await second.close();

    expect(await auditFileNames()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2', 'audit.log.3', 'audit.log.4']);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(0, 9));
  });

  it('removes rotated files left beyond a smaller keepFiles', async () => {
    for (const name of ['audit.log.1', 'audit.log.2', 'audit.log.7']) {
      await writeFile(join(directory, name), formatAuditLine(auditRecord(0)), { mode: 0o600 });
    }
    const log = await AuditLog.open({ directory, maxFileBytes: LINE_BYTES, keepFiles: 2 });
    log.append(auditRecord(1));
    log.append(auditRecord(2));
    await log.close();

    expect(await auditFileNames()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
  });

  it('keeps only the current file when keepFiles is 0', async () => {
    const log = await AuditLog.open({ directory, maxFileBytes: LINE_BYTES * 2, keepFiles: 0 });
    for (let i = 0; i < 5; i++) log.append(auditRecord(i));
    await log.close();

    expect(await auditFileNames()).toEqual(['audit.log']);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(4, 5));
  });

  it('gives a line larger than maxFileBytes a file of its own instead of dropping it', async () => {
    const log = await AuditLog.open({ directory, maxFileBytes: 100, keepFiles: 5 });
    for (let i = 0; i < 3; i++) log.append(auditRecord(i));
    await log.close();

    expect(await auditFileNames()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(0, 3));
  });
});

describe('readAuditLines', () => {
  it('skips a torn last line and ignores files that are not audit files', async () => {
    const whole = formatAuditLine(auditRecord(1));
    await writeFile(join(directory, 'audit.log.1'), formatAuditLine(auditRecord(0)));
    await writeFile(join(directory, 'audit.log'), `${whole}${whole.slice(0, 40)}`);
    await writeFile(join(directory, 'audit.log.bak'), formatAuditLine(auditRecord(9)));
    await writeFile(join(directory, 'audit.log.01'), formatAuditLine(auditRecord(9)));

    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(0, 2));
  });

  it('skips lines that parse as JSON but are not audit records', async () => {
    await writeFile(join(directory, 'audit.log'), `{"requestId":"req_x"}\n[1,2]\n${formatAuditLine(auditRecord(3))}`);

    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(ids(3, 4));
  });

  it('returns nothing for a directory that does not exist yet', async () => {
    expect(await readAuditLines(join(directory, 'missing'))).toEqual([]);
  });
});

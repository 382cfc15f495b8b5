import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-audit-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function auditRecord(requestId: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: '2025-01-02T03:04:05.678Z',
    requestId,
    agent: 'agent_1',
    agentName: 'Claude Code',
    service: 'openai',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    decision: 'allowed',
    reason: null,
    credentialId: 'cred_1',
    durationMs: 12,
    bytesIn: 345,
    bytesOut: 6789,
    ...overrides,
  };
}

async function fileLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

const fileMode = async (path: string) => (await stat(path)).mode & 0o777;

describe('audit log lines', () => {
  it('writes one JSON line per record, in append order, for a burst of 1,000 appends', async () => {
    const log = await AuditLog.open({ directory });
    for (let i = 0; i < 1000; i++) log.append(auditRecord(`req_${i}`));
    await log.flush();

    const lines = await fileLines(log.path);
    expect(lines).toHaveLength(1000);
    expect(lines.map((line) => (JSON.parse(line) as AuditRecord).requestId)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `req_${i}`),
    );
    await log.close();
  });

  it('keeps order across appends made from many concurrent tasks and ticks', async () => {
    const log = await AuditLog.open({ directory });
    const expected: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, task) => {
        for (let i = 0; i < 10; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          const id = `task${task}_${i}`;
          expected.push(id);
          log.append(auditRecord(id));
        }
      }),
    );
    await log.close();

    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(expected);
  });

  it('does not write during append; the lines are on disk once flush resolves', async () => {
    const log = await AuditLog.open({ directory });
    log.append(auditRecord('req_1'));
    log.append(auditRecord('req_2'));
    expect(await readFile(log.path, 'utf8')).toBe('');

    await log.flush();
    expect(await fileLines(log.path)).toHaveLength(2);
    await log.flush();
    await log.close();
  });

  it('writes every field of the record as given', async () => {
    const log = await AuditLog.open({ directory });
    const blocked = auditRecord('req_1', {
      decision: 'blocked',
      status: 403,
      method: 'DELETE',
      path: '/repos/me/project',
      reason: 'ENDPOINT_BLOCKED: DELETE /repos/*',
      detail: { orderValueUsd: 1234.5, testnet: false, symbol: 'BTCUSDT', limit: null },
    });
    log.append(blocked);
    await log.close();

    expect(await readAuditLines(directory)).toEqual([blocked]);
  });
});

describe('audit log file permissions', () => {
  it('creates a missing directory 0700 and the file 0600', async () => {
    const nested = join(directory, 'data', 'keygate');
    const log = await AuditLog.open({ directory: nested });
    log.append(auditRecord('req_1'));
    await log.close();

    expect(await fileMode(nested)).toBe(0o700);
    expect(await fileMode(join(directory, 'data'))).toBe(0o700);
    expect(log.path).toBe(join(nested, 'audit.log'));
    expect(await fileMode(log.path)).toBe(0o600);
  });

  it('tightens an existing 0644 audit file to 0600 and keeps its lines', async () => {
    const path = join(directory, 'audit.log');
    await writeFile(path, `${JSON.stringify(auditRecord('req_old'))}\n`, { mode: 0o644 });
    expect(await fileMode(path)).toBe(0o644);

    const log = await AuditLog.open({ directory });
    expect(await fileMode(path)).toBe(0o600);
    log.append(auditRecord('req_new'));
    await log.close();

    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(['req_old', 'req_new']);
  });
});

describe('audit log sanitisation', () => {
  it('strips query strings, so a key passed in the URL never reaches the file', async () => {
    const log = await AuditLog.open({ directory });
    log.append(auditRecord('req_1', { method: 'GET', path: '/v1/models?key=sk-test-FAKE' }));
    log.append(auditRecord('req_2', { path: 'https://api.example.test/v1/files#sk-test-FAKE' }));
    await log.close();

    const text = await readFile(log.path, 'utf8');
    expect(text).not.toContain('sk-test-FAKE');
    expect((await readAuditLines(directory)).map((record) => record.path)).toEqual(['/v1/models', '/v1/files']);
  });

  it('writes only the known fields and caps detail values to 200 characters', async () => {
    const log = await AuditLog.open({ directory });
    const withExtras = {
      ...auditRecord('req_1', { detail: { note: 'x'.repeat(500) } }),
      apiKey: 'sk-test-FAKE',
      headers: { authorization: 'Bearer sk-test-FAKE' },
    };
    log.append(withExtras);
    await log.close();

    const text = await readFile(log.path, 'utf8');
    expect(text).not.toContain('sk-test-FAKE');
    const [line] = await fileLines(log.path);
    const written = JSON.parse(line ?? '') as Record<string, unknown>;
    expect(Object.keys(written)).not.toContain('apiKey');
    expect(Object.keys(written)).not.toContain('headers');
    expect((written.detail as Record<string, string>).note).toBe('x'.repeat(200));
  });
});

describe('audit log write failures', () => {
  it('reports a failing write once, keeps append from throwing, and says when writing works again', async () => {
    const logged: string[] = [];
    const log = await AuditLog.open({ directory, log: (line) => logged.push(line) });
    log.append(auditRecord('req_before'));
    await log.flush();

    await rm(log.path);
    await mkdir(log.path);
    for (let i = 0; i < 5; i++) {
      expect(() => log.append(auditRecord(`req_lost_${i}`))).not.toThrow();
      await log.flush();
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('audit records are being dropped');
    expect(logged[0]).toContain('EISDIR');

    await rm(log.path, { recursive: true });
    log.append(auditRecord('req_after'));
    await log.close();

    expect(logged).toHaveLength(2);
    expect(logged[1]).toContain('5 records were lost');
    expect(await fileMode(log.path)).toBe(0o600);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(['req_after']);
  });

  it('survives its directory being removed', async () => {
    const logged: string[] = [];
    const log = await AuditLog.open({ directory, log: (line) => logged.push(line) });
    await rm(directory, { recursive: true });

    for (let i = 0; i < 3; i++) log.append(auditRecord(`req_${i}`));
    await log.flush();
    log.append(auditRecord('req_3'));
    await log.close();

    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('ENOENT');
  });

  it('keeps working when the injected logger itself throws', async () => {
    const log = await AuditLog.open({
      directory,
      log: () => {
        throw new Error('stderr is gone');
      },
    });
    expect(() => log.append(null as unknown as AuditRecord)).not.toThrow();
    log.append(auditRecord('req_1'));
    await log.close();

    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(['req_1']);
  });

  it('drops a record that cannot be serialised without throwing', async () => {
    const logged: string[] = [];
    const log = await AuditLog.open({ directory, log: (line) => logged.push(line) });
    expect(() => log.append(null as unknown as AuditRecord)).not.toThrow();
    log.append(auditRecord('req_1'));
    await log.close();

    expect(logged).toHaveLength(2);
    expect((await readAuditLines(directory)).map((record) => record.requestId)).toEqual(['req_1']);
  });
});

describe('audit log close', () => {
  it('writes what was pending, then ignores appends without throwing', async () => {
    const logged: string[] = [];
    const log = await AuditLog.open({ directory, log: (line) => logged.push(line) });
    log.append(auditRecord('req_1'));
    await log.close();
    expect(await fileLines(log.path)).toHaveLength(1);

    expect(() => log.append(auditRecord('req_late'))).not.toThrow();
    expect(() => log.append(auditRecord('req_later'))).not.toThrow();
    await log.flush();
    await log.close();

    expect(await fileLines(log.path)).toHaveLength(1);
    expect(logged).toEqual([expect.stringContaining('the audit log is closed')]);
  });

  it('resolves flush and close straight away when nothing was appended', async () => {
    const log = await AuditLog.open({ directory });
    await log.flush();
    await log.close();
    expect(await readFile(log.path, 'utf8')).toBe('');
  });

  it('rejects options that would make rotation meaningless', async () => {
    await expect(AuditLog.open({ directory, maxFileBytes: 0 })).rejects.toThrow(RangeError);
    await expect(AuditLog.open({ directory, keepFiles: -1 })).rejects.toThrow(RangeError);
  });
});

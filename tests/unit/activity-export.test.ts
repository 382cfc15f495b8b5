/** Activity export: CSV a spreadsheet reads back cell for cell, with formula-like text defused. */
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/audit-messages';
import { auditCsv, auditJsonLines, csvCell } from '../../lib/ui/options/activity/audit-export';

const LINE: AuditRecord = {
  time: '2026-12-06T10:00:00.000Z',
  requestId: 'req-1',
  agent: 'agent-1',
  agentName: 'coding, "main" agent',
  service: 'openai',
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  decision: 'allowed',
  reason: null,
  credentialId: 'cred-1',
  durationMs: 12.5,
  bytesIn: 10,
  bytesOut: 2048,
};

/** A minimal RFC 4180 reader, enough to prove the writer's quoting round-trips. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && char === '"') {
      quoted = false;
    } else if (quoted) {
      cell += char;
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      endCell();
    } else if (char === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else {
      cell += char;
    }
  }
  return rows;
}

describe('csvCell', () => {
  it.each(['=HYPERLINK("http://evil.example","x")', '+1+2', '-2+3', '@SUM(A1)', '\tstart', '\rstart'])('defuses a cell starting like a formula: %j', (text) => {
    const cell = csvCell(text);
    expect(readCsv(`${cell}\r\n`)[0]![0]).toBe(`'${text}`);
  });

  it('leaves numbers, including negative ones, as numbers', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(12.5)).toBe('12.5');
  });

  it('quotes commas, quotes, line breaks and edge spaces; empty for null', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell('/v1/models')).toBe('/v1/models');
    expect(csvCell(null)).toBe('');
  });
});

describe('auditCsv', () => {
  it('writes a header and one row per line that read back to the same values', () => {
    const refused: AuditRecord = { ...LINE, requestId: 'req-2', path: '/=cmd|calc', status: 403, decision: 'blocked', reason: 'ENDPOINT_BLOCKED: DELETE /v1/*', detail: { orderValueUsd: 12.5, reserved: false } };
    const rows = readCsv(auditCsv([LINE, refused]));
    expect(rows[0]).toEqual(['time', 'request_id', 'agent', 'agent_name', 'service', 'method', 'path', 'status', 'decision', 'reason', 'credential_id', 'duration_ms', 'bytes_in', 'bytes_out', 'detail']);
    expect(rows[1]).toEqual(['2026-12-06T10:00:00.000Z', 'req-1', 'agent-1', 'coding, "main" agent', 'openai', 'POST', '/v1/chat/completions', '200', 'allowed', '', 'cred-1', '12.5', '10', '2048', '']);
    // A path only starts with "/", so it never needs defusing; the reason and detail are read back whole.
    expect(rows[2]!.slice(6, 10)).toEqual(['/=cmd|calc', '403', 'blocked', 'ENDPOINT_BLOCKED: DELETE /v1/*']);
    expect(JSON.parse(rows[2]![14]!)).toEqual({ orderValueUsd: 12.5, reserved: false });
    expect(rows).toHaveLength(3);
  });

  it('defuses an agent name that would run as a formula', () => {
    const rows = readCsv(auditCsv([{ ...LINE, agentName: '=1+1' }]));
    expect(rows[1]![3]).toBe("'=1+1");
  });
});

describe('auditJsonLines', () => {
  it('writes one parseable object per line, the host’s fields unchanged', () => {
    const text = auditJsonLines([LINE, { ...LINE, requestId: 'req-2' }]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(LINE);
    expect(JSON.parse(lines[1]!).requestId).toBe('req-2');
  });
});

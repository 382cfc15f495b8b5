import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  formatAuditLine,
  normaliseAuditRecord,
  parseAuditLine,
  sanitizeAuditPath,
} from '../../native-host/src/audit/audit-record';

const record: AuditRecord = {
  time: '2025-01-02T03:04:05.678Z',
  requestId: 'req_1',
  agent: null,
  agentName: null,
  service: 'binance',
  method: 'POST',
  path: '/api/v3/order',
  status: 403,
  decision: 'blocked',
  reason: 'ORDER_VALUE_EXCEEDED',
  credentialId: null,
  durationMs: 1.5,
  bytesIn: 0,
  bytesOut: 120,
};

describe('sanitizeAuditPath', () => {
  it.each([
    ['/v1/models?key=sk-test-FAKE', '/v1/models'],
    ['/api/v3/order?symbol=BTCUSDT&signature=abc#frag', '/api/v3/order'],
    ['/v1/files#sk-test-FAKE', '/v1/files'],
    ['/v1/chat/completions', '/v1/chat/completions'],
    ['https://user:sk-test-FAKE@api.example.test/v1/models?x=1', '/v1/models'],
    ['http://127.0.0.1:8787', '/'],
    ['?key=sk-test-FAKE', ''],
  ])('%s → %s', (input, expected) => {
    expect(sanitizeAuditPath(input)).toBe(expected);
  });
});

describe('formatAuditLine', () => {
  it('writes one line that parses back to the same record', () => {
    const line = formatAuditLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(parseAuditLine(line)).toEqual(record);
  });

  it('re-sanitises the path even when the caller forgot to', () => {
    expect(formatAuditLine({ ...record, path: '/api/v3/order?signature=deadbeef' })).not.toContain('deadbeef');
  });

  it('keeps only primitive detail values, capped, and leaves out an empty detail', () => {
    const detail = {
      orderValueUsd: 99.5,
      note: 'y'.repeat(300),
      testnet: true,
      limit: null,
      infinite: Number.POSITIVE_INFINITY,
      headers: { 'x-mbx-apikey': 'sk-test-FAKE' },
    } as unknown as AuditRecord['detail'];
    const written = parseAuditLine(formatAuditLine({ ...record, detail }));
    expect(written?.detail).toEqual({
      orderValueUsd: 99.5,
      note: 'y'.repeat(200),
      testnet: true,
      limit: null,
      infinite: null,
    });

    const onlyObjects = { headers: {} } as unknown as AuditRecord['detail'];
    expect(parseAuditLine(formatAuditLine({ ...record, detail: onlyObjects }))).not.toHaveProperty('detail');
  });

  it('forces mistyped fields back to the record shape', () => {
    const mistyped = { ...record, agent: { id: 'agent_1' }, status: Number.NaN, decision: 'maybe' };
    expect(parseAuditLine(formatAuditLine(mistyped as unknown as AuditRecord))).toMatchObject({
      agent: null,
      status: 0,
      decision: 'error',
    });
  });
});

describe('formatAuditLine, written field by field', () => {
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u2028', '\ud800', '\udc00x', '\ud83d\ude00', 'é'));
  const textOrNull = fc.option(text, { nil: null });
  const number = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constantFrom(-0, 1e21, 1.5e-7, 293.8, Number.MAX_VALUE, Number.NaN, Infinity));
  const detail = fc.option(fc.dictionary(text, fc.oneof(text, number, fc.boolean(), fc.constant(null))), { nil: undefined });
  const anyRecord = fc.record({
    time: text,
    requestId: text,
    agent: textOrNull,
    agentName: textOrNull,
    service: textOrNull,
    method: text,
    path: text,
    status: number,
    decision: fc.constantFrom('allowed', 'blocked', 'error', 'unknown'),
    reason: textOrNull,
    credentialId: textOrNull,
    durationMs: number,
    bytesIn: number,
    bytesOut: number,
    detail,
  });

  test.prop([anyRecord])('is exactly JSON.stringify of the normalised record, newline included (what audit.query needles match)', (generated) => {
    const input = { ...generated } as AuditRecord;
    if (input.detail === undefined) delete input.detail;
    expect(formatAuditLine(input)).toBe(`${JSON.stringify(normaliseAuditRecord(input))}\n`);
  });
});

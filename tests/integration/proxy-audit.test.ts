/**
 * The audit trail a user reads after the fact: one JSON line per request, allowed, blocked or failed,
 * naming who called what, what happened and which key was used; a private file; and, after a mix
 * of ordinary calls, refusals, failovers, streams and upstreams echoing keys, no secret anywhere an
 * agent or a log reader could see it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { type MockUpstream, type ReceivedRequest, sendJson, startMockUpstream, unusedLoopbackUrl } from './mock-upstream';
import { type ProxyHost, type RawResponse, startProxyHost } from './proxy-host';

const OPENAI_FIRST = 'sk-test-FAKE-audit-openai-first-7a2c4e6f';
const OPENAI_SECOND = 'sk-test-FAKE-audit-openai-second-1b3d5f70';
const ANTHROPIC_SECRET = 'sk-ant-test-FAKE-audit-anthropic-9e8d7c6b';
const DOWN_SECRET = 'sk-test-FAKE-audit-down-4c5d6e7f';
const SECRETS = [OPENAI_FIRST, OPENAI_SECOND, ANTHROPIC_SECRET, DOWN_SECRET];

/** What one request of the mix should leave in the audit log. */
interface Expected {
  label: string;
  /** From the response's x-keygate-request-id; null where the response has none (the status endpoint). */
  requestId: string | null;
  agent: string | null;
  service: string | null;
  method: string;
  path: string;
  status: number;
  decision: AuditRecord['decision'];
  reason: string | null;
  credentialId: string | null;
}

let upstream: MockUpstream;
let proxy: ProxyHost;
const expected: Expected[] = [];
let lines: AuditRecord[] = [];

function presentedKey(request: ReceivedRequest): string {
  return request.headers['x-api-key']?.toString() ?? (request.headers.authorization ?? '').replace(/^Bearer /, '');
}

/** The upstream: OpenAI's first key is dead for chat completions, embeddings fail on every key. */
function answer(request: ReceivedRequest, res: ServerResponse): void {
  const key = presentedKey(request);
  const deadKey = { error: { message: `Incorrect API key provided: ${key}.`, type: 'invalid_request_error', code: 'invalid_api_key' } };
  if (request.url === '/v1/embeddings') return sendJson(res, 401, deadKey, { 'www-authenticate': `Bearer key="${key}"` });
  if (request.url === '/v1/chat/completions' && key === OPENAI_FIRST) return sendJson(res, 401, deadKey);
  if (request.url === '/v1/chat/completions' && JSON.parse(request.body).stream === true) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (content: string) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    res.end(`data: ${JSON.stringify(chunk('streamed '))}\n\ndata: ${JSON.stringify(chunk('answer'))}\n\ndata: [DONE]\n\n`);
    return;
  }
  if (request.url === '/v1/chat/completions') {
    return sendJson(res, 200, { id: 'c2', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
  }
  if (request.url === '/v1/messages' && JSON.parse(request.body).model === 'claude-unknown') {
    // Some APIs echo the key they were sent when they refuse a request.
    return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: `model not available for key ${key}` } }, { 'x-debug-key': key });
  }
  if (request.url === '/v1/messages') {
    return sendJson(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-mock', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } });
  }
  sendJson(res, 200, { object: 'list', data: [] });
}

function requestIdOf(headers: RawResponse['headers'] | Headers): string | null {
  const id = headers instanceof Headers ? headers.get('x-keygate-request-id') : headers['x-keygate-request-id'];
  return typeof id === 'string' && id !== '' ? id : null;
}

function lineFor(entry: Expected): AuditRecord | undefined {
  return lines.find((record) => (entry.requestId === null ? record.path === entry.path : record.requestId === entry.requestId));
}

/** Agents' lines, then the lines of requests refused before an agent was known (their own file). */
async function readBothAuditLogs(): Promise<AuditRecord[]> {
  return [...(await readAuditLines(proxy.dataDir)), ...(await readAuditLines(proxy.dataDir, UNAUTHENTICATED_AUDIT_FILE_NAME))];
}

/** The log batches its writes: wait until every expected request has its line. */
async function waitForAuditLines(count: number): Promise<AuditRecord[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const records = await readBothAuditLogs();
    if (records.length >= count || Date.now() > deadline) return records;
    await delay(50);
  }
}

beforeAll(async () => {
  upstream = await startMockUpstream(answer);
  proxy = await startProxyHost({
    policy: `[proxy]
port = 0

[services.openai]
base_url = "${upstream.url}"
blocked_endpoints = ["DELETE /v1/files/*"]

[services.anthropic]
base_url = "${upstream.url}"

[custom.down]
base_url = "${await unusedLoopbackUrl()}"
auth_header = "X-Key"
`,
    credentials: [
      { service: 'openai', secret: OPENAI_FIRST },
      { service: 'openai', secret: OPENAI_SECOND },
      { service: 'anthropic', secret: ANTHROPIC_SECRET },
      { service: 'down', secret: DOWN_SECRET },
    ],
    agents: [
      { name: 'writer', scopes: ['openai', 'anthropic', 'custom:down'] },
      { name: 'reader', scopes: ['anthropic'] },
    ],
  });
  const [openaiFirst, openaiSecond, anthropicId, downId] = proxy.credentialIds;
  const writer = proxy.agentIds.writer!;
  const reader = proxy.agentIds.reader!;
  const asWriter: Array<[string, string]> = [['Authorization', `Bearer ${proxy.agentKeys.writer}`]];
  const expectLine = (label: string, response: RawResponse | Headers, fields: Omit<Expected, 'label' | 'requestId'>) =>
    expected.push({ label, requestId: requestIdOf(response instanceof Headers ? response : response.headers), ...fields });

  expectLine('allowed, query dropped', await proxy.raw({ path: '/openai/v1/models?limit=2&api_key=not-for-the-log', headers: asWriter }), {
    agent: writer, service: 'openai', method: 'GET', path: '/openai/v1/models', status: 200, decision: 'allowed', reason: null, credentialId: openaiFirst!,
  });
  expectLine('blocked endpoint', await proxy.raw({ method: 'DELETE', path: '/openai/v1/files/file-1', headers: asWriter }), {
    agent: writer, service: 'openai', method: 'DELETE', path: '/openai/v1/files/file-1', status: 403, decision: 'blocked', reason: 'ENDPOINT_BLOCKED: DELETE /v1/files/*', credentialId: null,
  });
  expectLine('no agent key', await proxy.raw({ path: '/openai/v1/models' }), {
    agent: null, service: null, method: 'GET', path: '/openai/v1/models', status: 401, decision: 'blocked', reason: 'AGENT_KEY_MISSING', credentialId: null,
  });
  expectLine('outside scope', await proxy.raw({ path: '/openai/v1/models', headers: [['Authorization', `Bearer ${proxy.agentKeys.reader}`]] }), {
    agent: reader, service: 'openai', method: 'GET', path: '/openai/v1/models', status: 403, decision: 'blocked', reason: 'SCOPE_DENIED', credentialId: null,
  });
  expectLine('non-canonical path', await proxy.raw({ path: '/openai/v1/%2e%2e/admin?x=1', headers: asWriter }), {
    // Refused before authentication, but the key was valid: the line names the agent.
    agent: writer, service: null, method: 'GET', path: '(refused)', status: 400, decision: 'blocked', reason: 'NON_CANONICAL_PATH', credentialId: null,
  });
  expectLine('upstream down', await proxy.raw({ method: 'POST', path: '/custom/down/jobs', headers: asWriter, body: '{"run":true}' }), {
    agent: writer, service: 'down', method: 'POST', path: '/custom/down/jobs', status: 502, decision: 'error', reason: 'UPSTREAM_UNREACHABLE', credentialId: downId!,
  });
  expectLine('failover to the second key', await proxy.raw({ method: 'POST', path: '/openai/v1/chat/completions', headers: asWriter, body: '{"model":"gpt-4o-mini","messages":[]}' }), {
    agent: writer, service: 'openai', method: 'POST', path: '/openai/v1/chat/completions', status: 200, decision: 'allowed', reason: null, credentialId: openaiSecond!,
  });
  expectLine('every key dead', await proxy.raw({ method: 'POST', path: '/openai/v1/embeddings', headers: asWriter, body: '{"input":"x"}' }), {
    agent: writer, service: 'openai', method: 'POST', path: '/openai/v1/embeddings', status: 502, decision: 'error', reason: 'ALL_CREDENTIALS_FAILED', credentialId: openaiFirst!,
  });
  expectLine('status endpoint', await proxy.raw({ path: '/_keygate/status', headers: asWriter }), {
    agent: writer, service: null, method: 'GET', path: '/_keygate/status', status: 200, decision: 'allowed', reason: null, credentialId: null,
  });

  const openai = new OpenAI({ apiKey: proxy.agentKeys.writer, baseURL: `${proxy.baseUrl}/openai/v1`, maxRetries: 0, fetch: proxy.fetch });
  const { data: stream, response: streamResponse } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true }).withResponse();
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
  if (streamed !== 'streamed answer') throw new Error(`stream arrived as ${JSON.stringify(streamed)}`);
  expectLine('SDK stream', streamResponse.headers, {
    agent: writer, service: 'openai', method: 'POST', path: '/openai/v1/chat/completions', status: 200, decision: 'allowed', reason: null, credentialId: openaiSecond!,
  });

  const anthropic = new Anthropic({ apiKey: proxy.agentKeys.reader, baseURL: `${proxy.baseUrl}/anthropic`, maxRetries: 0, fetch: proxy.fetch });
  const { response: messageResponse } = await anthropic.messages.create({ model: 'claude-mock', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expectLine('SDK message', messageResponse.headers, {
    agent: reader, service: 'anthropic', method: 'POST', path: '/anthropic/v1/messages', status: 200, decision: 'allowed', reason: null, credentialId: anthropicId!,
  });
  const echoing = await proxy.raw({ method: 'POST', path: '/anthropic/v1/messages', headers: [['x-api-key', proxy.agentKeys.reader!]], body: '{"model":"claude-unknown","max_tokens":1,"messages":[]}' });
  expectLine('upstream error echoing the key', echoing, {
    agent: reader, service: 'anthropic', method: 'POST', path: '/anthropic/v1/messages', status: 400, decision: 'allowed', reason: null, credentialId: anthropicId!,
  });

  lines = await waitForAuditLines(expected.length);
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

describe('the audit log', () => {
  it('has exactly one line per request, allowed, blocked or failed', () => {
    expect(lines).toHaveLength(expected.length);
    expect(new Set(lines.map((line) => line.requestId)).size).toBe(lines.length);
    for (const entry of expected) expect({ label: entry.label, lines: lines.filter((line) => line === lineFor(entry)).length }).toEqual({ label: entry.label, lines: 1 });
    // Only the status endpoint's answer lacks the request id header; every other line is matched by id.
    expect(expected.filter((entry) => entry.requestId === null).map((entry) => entry.label)).toEqual(['status endpoint']);
  });

  it('names agent, service, method, path without query, status, decision, reason and credential', () => {
    for (const entry of expected) {
      const { label, requestId, ...fields } = entry;
      const line = lineFor(entry);
      expect({ label, line }).toMatchObject({ label, line: { ...fields, ...(requestId === null ? {} : { requestId }) } });
      expect({ label, time: Math.abs(Date.parse(line!.time) - Date.now()) < 60_000 }).toEqual({ label, time: true });
      expect(line!.durationMs).toBeGreaterThanOrEqual(0);
    }
    const agentNames = Object.fromEntries(lines.map((line) => [line.agent, line.agentName]));
    expect(agentNames).toEqual({ [proxy.agentIds.writer!]: 'writer', [proxy.agentIds.reader!]: 'reader', null: null });
    for (const line of lines) expect(line.path).not.toContain('?');
  });

  it('counts the bytes each way', () => {
    const failover = expected.find((entry) => entry.label === 'failover to the second key')!;
    const line = lineFor(failover)!;
    expect(line.bytesIn).toBe(Buffer.byteLength('{"model":"gpt-4o-mini","messages":[]}'));
    expect(line.bytesOut).toBeGreaterThan(0);
  });

  it('keeps requests refused before an agent was known out of the agents\' file', async () => {
    expect((await readAuditLines(proxy.dataDir)).filter((line) => line.agent === null)).toEqual([]);
    const unauthenticated = await readAuditLines(proxy.dataDir, UNAUTHENTICATED_AUDIT_FILE_NAME);
    expect(unauthenticated.map((line) => line.reason)).toEqual(['AGENT_KEY_MISSING']);
  });

  it('is a pair of files only the user can read (mode 0600)', async () => {
    for (const name of ['audit.log', UNAUTHENTICATED_AUDIT_FILE_NAME]) {
      const info = await stat(join(proxy.dataDir, name));
      expect(info.mode & 0o777).toBe(0o600);
    }
  });
});

describe('secret scan', () => {
  it('finds no real key in the audit log, the host\'s stderr, or any response the agents received', async () => {
    const auditFiles = (await readdir(proxy.dataDir)).filter((name) => name.startsWith('audit'));
    const auditText = (await Promise.all(auditFiles.map((name) => readFile(join(proxy.dataDir, name), 'utf8')))).join('\n');
    const stderr = proxy.host.stderr();
    const received = await proxy.transcript();
    // The scan can only pass for the right reason if the places it searches are full of traffic.
    expect(auditText.split('\n').filter(Boolean)).toHaveLength(expected.length);
    expect(received).toContain('[REDACTED]');
    expect(upstream.everythingReceived()).toContain(OPENAI_FIRST);

    const found = SECRETS.flatMap((secret) =>
      [
        ['audit log', auditText],
        ['stderr', stderr],
        ['responses', received],
      ].flatMap(([where, text]) => (text!.includes(secret) ? [`${secret} in ${where}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('finds no pk_ agent key in the audit log or the host\'s stderr, nor did any reach the upstream', async () => {
    const auditText = (await Promise.all(['audit.log', UNAUTHENTICATED_AUDIT_FILE_NAME].map((name) => readFile(join(proxy.dataDir, name), 'utf8')))).join('\n');
    for (const key of Object.values(proxy.agentKeys)) {
      expect(auditText).not.toContain(key);
      expect(proxy.host.stderr()).not.toContain(key);
    }
    expect(auditText).not.toContain('pk_');
    expect(proxy.host.stderr()).not.toContain('pk_');
    expect(upstream.everythingReceived()).not.toContain('pk_');
    expect(auditText).not.toContain('not-for-the-log');
  });
});

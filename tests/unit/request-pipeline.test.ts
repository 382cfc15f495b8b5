/**
 * The pipeline with no front door: a fake AgentRequest / AgentReply pair, the real services
 * (vault with sealed records, policy, rotation, rate buckets, upstream pool) and a real local HTTP
 * server as the upstream. Proves the pipeline needs no socket of its own, and that a grant is a
 * caller exactly like a pk_ key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import type { AgentReply, AgentRequest, CallerClaim } from '../../native-host/src/proxy/agent-exchange';
import { ProxyRuntime } from '../../native-host/src/proxy/proxy-runtime';
import { VaultKeeper } from '../../native-host/src/vault/vault-keeper';
import type { DeliveryReport } from '../../native-host/src/upstream/upstream-relay';
import { generateAgentKey } from '../../shared/agents/agent-keys';
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { parsePolicy } from '../../shared/policy/parse-policy';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { newRecordId } from '../../shared/vault/format';

const UPSTREAM_KEY = 'sk-test-FAKE-pipeline-0123456789';

/** An AgentReply that keeps what it was sent; `leave()` is the agent going away. */
class RecordedReply implements AgentReply {
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  readonly chunks: Buffer[] = [];
  ended = false;
  aborted: KeygateError | null = null;
  gone = false;
  private firstChunk: (() => void) | null = null;
  readonly firstChunkArrived = new Promise<void>((resolve) => (this.firstChunk = resolve));

  get headersSent(): boolean {
    return this.status !== 0;
  }

  start(status: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = status;
    this.headers = headers;
  }

  write(chunk: Buffer): boolean {
    if (chunk.length > 0) this.chunks.push(Buffer.from(chunk));
    if (chunk.length > 0) this.firstChunk?.();
    return true;
  }

  onDrain(): void {}

  end(delivered: DeliveryReport): void {
    this.ended = true;
    delivered(this.gone ? new KeygateError('CLIENT_DISCONNECTED') : null);
  }

  abort(error: KeygateError): void {
    this.aborted = error;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function* bodyOf(text: string): AsyncGenerator<Uint8Array> {
  if (text.length > 0) yield Buffer.from(text);
}

function agentRequest(options: { method?: string; target: string; headers?: Record<string, string>; body?: string; caller?: CallerClaim; signal?: AbortSignal }): AgentRequest {
  return {
    method: options.method ?? 'GET',
    target: options.target,
    headers: options.headers ?? {},
    body: bodyOf(options.body ?? ''),
    signal: options.signal ?? new AbortController().signal,
    caller: options.caller ?? { kind: 'agent-key-in-headers' },
  };
}

interface Setup {
  runtime: ProxyRuntime;
  audit: AuditRecord[];
  agentKey: string;
  agentId: string;
  upstreamSeen: Array<{ method: string; url: string; authorization: string | undefined; body: string }>;
  upstreamClosed: Promise<void>;
}

let upstream: Server;
let setup: Setup;

/** `/slow` sends a first chunk, then nothing until the connection closes; anything else echoes. */
async function startUpstream(seen: Setup['upstreamSeen'], onSlowClosed: () => void): Promise<string> {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first chunk;');
        res.once('close', onSlowClosed);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, echoedKey: req.headers.authorization }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

beforeEach(async () => {
  const upstreamSeen: Setup['upstreamSeen'] = [];
  let slowClosed!: () => void;
  const upstreamClosed = new Promise<void>((resolve) => (slowClosed = resolve));
  const baseUrl = await startUpstream(upstreamSeen, slowClosed);
  const parsed = parsePolicy(`[proxy]\nport = 0\n\n[custom.echo]\nbase_url = "${baseUrl}"\nauth_header = "Authorization"\nauth_value_prefix = "Bearer "\nrate_limit = 3\nrate_limit_window_seconds = 60\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const dataKey = generateDataKey();
  const credentialId = newRecordId();
  const vault = new VaultKeeper();
  vault.unlock(dataKey, [{ id: credentialId, service: 'echo', name: 'echo key', kind: 'api_key', createdAt: 1, lastUsedAt: null, sealed: sealSecret(dataKey, credentialId, new TextEncoder().encode(UPSTREAM_KEY)) }], 60 * 60_000);
  const audit: AuditRecord[] = [];
  const runtime = new ProxyRuntime(parsed.policy, { vault, audit: { append: (record) => audit.push(record) }, dataDir: '/nonexistent-not-used' });
  const { key, keyHash } = await generateAgentKey();
  const agentId = newRecordId();
  runtime.replaceAgents([{ id: agentId, name: 'pipeline agent', keyHash, scopes: ['custom:echo'], createdAt: 1, expiresAt: null, enabled: true }]);
  setup = { runtime, audit, agentKey: key, agentId, upstreamSeen, upstreamClosed };
});

afterEach(async () => {
  await setup.runtime.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

function grant(overrides: Partial<GrantRecord>): GrantRecord {
  return { id: newRecordId(), kind: 'site', subject: 'https://app.example', scopes: ['custom:echo'], createdAt: 1, expiresAt: null, enabled: true, lastUsedAt: null, ...overrides };
}

describe('the request pipeline without sockets', () => {
  it('refuses a request with no agent key: catalogue JSON through the reply, one audit line, nothing upstream', async () => {
    const reply = new RecordedReply();
    await setup.runtime.pipeline.handle(agentRequest({ target: '/custom/echo/things' }), reply);
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.text()).error.code).toBe('AGENT_KEY_MISSING');
    expect(reply.headers['x-keygate-request-id']).toBe(setup.audit[0]?.requestId);
    expect(setup.audit).toHaveLength(1);
    expect(setup.audit[0]).toMatchObject({ status: 401, decision: 'blocked', reason: 'AGENT_KEY_MISSING', agent: null });
    expect(setup.upstreamSeen).toHaveLength(0);
  });

  it('forwards a call with the real key injected and the pk_ key removed, and scrubs the echoed key', async () => {
    const reply = new RecordedReply();
    await setup.runtime.pipeline.handle(
      agentRequest({ method: 'POST', target: '/custom/echo/things?x=1', headers: { authorization: `Bearer ${setup.agentKey}`, 'content-type': 'application/json' }, body: '{"a":1}' }),
      reply,
    );
    expect(setup.upstreamSeen).toEqual([{ method: 'POST', url: '/things?x=1', authorization: `Bearer ${UPSTREAM_KEY}`, body: '{"a":1}' }]);
    expect(reply.status).toBe(200);
    expect(reply.ended).toBe(true);
    expect(reply.text()).not.toContain(UPSTREAM_KEY);
    expect(JSON.parse(reply.text())).toEqual({ ok: true, echoedKey: 'Bearer [REDACTED]' });
    expect(setup.audit).toHaveLength(1);
    expect(setup.audit[0]).toMatchObject({ agent: setup.agentId, service: 'echo', method: 'POST', path: '/custom/echo/things', status: 200, decision: 'allowed', bytesIn: 7 });
  });

  it('takes a browser grant as the caller: its scopes decide, and the audit names the site', async () => {
    const allowed = grant({});
    const disabled = grant({ enabled: false });
    const expired = grant({ expiresAt: 2 });
    const otherScope = grant({ kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop', scopes: ['openai'] });
    setup.runtime.replaceGrants([allowed, disabled, expired, otherScope]);
    const call = async (grantId: string) => {
      const reply = new RecordedReply();
      await setup.runtime.pipeline.handle(agentRequest({ target: '/custom/echo/x', caller: { kind: 'grant', grantId } }), reply);
      return { status: reply.status, code: reply.status === 200 ? null : JSON.parse(reply.text()).error.code };
    };
    expect(await call(allowed.id)).toEqual({ status: 200, code: null });
    expect(await call(disabled.id)).toEqual({ status: 403, code: 'GRANT_DISABLED' });
    expect(await call(expired.id)).toEqual({ status: 403, code: 'GRANT_EXPIRED' });
    expect(await call(newRecordId())).toEqual({ status: 403, code: 'GRANT_MISSING' });
    expect(await call(otherScope.id)).toEqual({ status: 403, code: 'SCOPE_DENIED' });
    expect(setup.audit.map((line) => line.agent)).toEqual(['site:https://app.example', null, null, null, 'extension:abcdefghijklmnopabcdefghijklmnop']);
    // The service's rate limit (3 per minute) counts grant calls like pk_ calls: one went through above.
    expect(await call(allowed.id)).toEqual({ status: 200, code: null });
    expect(await call(allowed.id)).toEqual({ status: 200, code: null });
    expect(await call(allowed.id)).toEqual({ status: 429, code: 'RATE_LIMITED' });
  });

  it('aborts the upstream call when the agent goes away mid-stream, and audits it once as 499', async () => {
    const agentGone = new AbortController();
    const reply = new RecordedReply();
    const handled = setup.runtime.pipeline.handle(agentRequest({ target: '/custom/echo/slow', headers: { 'x-api-key': setup.agentKey }, signal: agentGone.signal }), reply);
    await reply.firstChunkArrived;
    expect(reply.text()).toBe('first chunk;');
    reply.gone = true;
    agentGone.abort();
    await handled;
    // The upstream sees its connection closed: the pooled connection is not left paused.
    await setup.upstreamClosed;
    expect(reply.ended).toBe(false);
    expect(setup.audit).toHaveLength(1);
    expect(setup.audit[0]).toMatchObject({ status: 499, decision: 'error', reason: 'CLIENT_DISCONNECTED', agent: setup.agentId });
  });
});

/**
 * Starts the built keygate-host as the browser would and sets it up the way the extension does:
 * policy, agent keys, then the unlocked vault (real crypto, sealed records). Returns the proxy's
 * real port. Secrets here are obviously fake.
 *
 * Every response a test reads through `raw` or `fetch` is kept in `transcript`, so a test can prove
 * that no secret ever reached an agent.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { generateAgentKey } from '../../shared/agents/agent-keys';
import { ERRORS, type ErrorCode, isErrorCode } from '../../shared/errors';
import { DEFAULT_EXTENSION_ID } from '../../shared/identity';
import { bytesToBase64 } from '../../shared/vault/base64';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { type AgentKeyRecord, type CredentialRecord, newRecordId } from '../../shared/vault/format';
import { type HostProcess, requireHostBundle, startHost } from './host-process';

export interface ProxyHost {
  host: HostProcess;
  port: number;
  baseUrl: string;
  dataDir: string;
  dataKey: Uint8Array;
  /** Agent name → its `pk_` key. */
  agentKeys: Record<string, string>;
  /** Agent name → its record id (what audit lines name). */
  agentIds: Record<string, string>;
  /** The agent key records `agents.sync` was given (to sync them again with one changed). */
  agentRecords: AgentKeyRecord[];
  /** Credential record ids, in the order the setup listed them (the order rotation tries them). */
  credentialIds: string[];
  request: (type: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Sends a bridge frame the host answers only when refusing it (`proxy.request`, `proxy.credit`); its id. */
  post: (type: string, params: Record<string, unknown>) => number;
  /** Applies another policy to the running proxy (the port stays when the policy says 0). */
  applyPolicy: (toml: string) => Promise<Record<string, unknown>>;
  /** Sends `vault.unlock` with the setup's data key and credentials (again, after a lock). */
  unlock: () => Promise<void>;
  /** A raw request to the proxy, recorded in `transcript`. */
  raw: (options: RawRequestOptions) => Promise<RawResponse>;
  /** `fetch` for SDKs and tests, recording every response (streamed bodies included) in `transcript`. */
  fetch: typeof fetch;
  /** Every response received through `raw`/`fetch`: status, headers and body as text. */
  transcript: () => Promise<string>;
  stop: () => Promise<void>;
}

export interface ProxyHostSetup {
  policy: string;
  credentials: Array<{ service: string; name?: string; secret: string; kind?: CredentialRecord['kind'] }>;
  agents: Array<{ name: string; scopes: string[]; expiresAt?: number | null; enabled?: boolean }>;
  unlock?: boolean;
  /**
   * KEYGATE_DATA_DIR to use, e.g. the one a killed host left (audit log, Binance ledger); the caller
   * owns it and `stop` leaves it. Default: a fresh temporary directory that `stop` removes.
   */
  dataDir?: string;
  /** More environment for the host process (it otherwise gets only PATH and KEYGATE_DATA_DIR). */
  env?: Record<string, string>;
  /** Node flags before the bundle, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS) for bench/profile-host.ts. */
  nodeFlags?: string[];
}

let nextId = 1;

/** The secret as stored, and each value inside a JSON secret (a Binance key pair, a PEM's lines). */
function secretForms(secret: string): string[] {
  const forms = [secret];
  try {
    const parsed: unknown = JSON.parse(secret);
    if (parsed !== null && typeof parsed === 'object') {
      for (const value of Object.values(parsed)) {
        if (typeof value === 'string') forms.push(value, ...value.split('\n').filter((line) => line.length >= 40));
      }
    }
  } catch {
    // A plain API key.
  }
  return forms.filter((form) => form.length >= 8);
}

async function filesText(directory: string): Promise<string> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const texts = await Promise.all(names.map((name) => readFile(join(directory, name), 'utf8').catch(() => '')));
  return texts.join('\n');
}

async function assertNoSecretLeaked(outputs: string[], secrets: string[]): Promise<void> {
  const leaked = secrets.filter((secret) => outputs.some((output) => output.includes(secret)));
  if (leaked.length > 0) throw new Error(`A secret or agent key leaked into stderr, the data dir or a response (${leaked.length} value(s), starting ${leaked.map((value) => JSON.stringify(value.slice(0, 6))).join(', ')}).`);
}

export function sealedCredential(dataKey: Uint8Array, input: ProxyHostSetup['credentials'][number], createdAt: number): CredentialRecord {
  const id = newRecordId();
  return {
    id,
    service: input.service,
    name: input.name ?? `${input.service} key`,
    kind: input.kind ?? 'api_key',
    createdAt,
    lastUsedAt: null,
    sealed: sealSecret(dataKey, id, new TextEncoder().encode(input.secret)),
  };
}

export async function startProxyHost(setup: ProxyHostSetup): Promise<ProxyHost> {
  const dataDir = setup.dataDir ?? (await mkdtemp(join(tmpdir(), 'keygate-proxy-it-')));
  const host = startHost(process.execPath, [...(setup.nodeFlags ?? []), requireHostBundle(), 'native', `chrome-extension://${DEFAULT_EXTENSION_ID}/`], {
    PATH: '/usr/bin:/bin',
    KEYGATE_DATA_DIR: dataDir,
    ...setup.env,
  });
  const request = async (type: string, params: Record<string, unknown> = {}) => {
    const id = nextId++;
    host.send({ ...params, id, type });
    const reply = await host.nextFrame((frame) => frame.id === id);
    if (reply.ok !== true) throw new Error(`${type} failed: ${JSON.stringify(reply.error)}`);
    return reply.result as Record<string, unknown>;
  };
  const post = (type: string, params: Record<string, unknown>) => {
    const id = nextId++;
    host.send({ ...params, id, type });
    return id;
  };
  const applyPolicy = (toml: string) => request('policy.apply', { toml });
  const proxy = await applyPolicy(setup.policy);
  if (proxy.listening !== true) throw new Error(`proxy not listening: ${JSON.stringify(proxy)}`);
  const agentKeys: Record<string, string> = {};
  const agentIds: Record<string, string> = {};
  const agents: AgentKeyRecord[] = [];
  for (const agent of setup.agents) {
    const { key, keyHash } = await generateAgentKey();
    const id = newRecordId();
    agentKeys[agent.name] = key;
    agentIds[agent.name] = id;
    agents.push({ id, name: agent.name, keyHash, scopes: agent.scopes, createdAt: Date.now(), expiresAt: agent.expiresAt ?? null, enabled: agent.enabled ?? true });
  }
  await request('agents.sync', { agents });
  const dataKey = generateDataKey();
  const createdAt = Date.now();
  const credentials = setup.credentials.map((credential, index) => sealedCredential(dataKey, credential, createdAt + index));
  const unlock = async () => {
    await request('vault.unlock', { dataKey: bytesToBase64(dataKey), formatVersion: 1, credentials, idleLockMinutes: 30 });
  };
  if (setup.unlock ?? true) await unlock();
  const port = proxy.port as number;
  const recorder = new ResponseRecorder();
  return {
    host,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    dataKey,
    agentKeys,
    agentIds,
    agentRecords: agents,
    credentialIds: credentials.map((credential) => credential.id),
    request,
    post,
    applyPolicy,
    unlock,
    raw: async (options) => recorder.keepRaw(await rawRequest(port, options)),
    fetch: (input, init) => recorder.fetch(input, init),
    transcript: () => recorder.text(),
    stop: async () => {
      // A host the test already killed has no stdin left to close (ending it would raise EPIPE).
      const running = host.child.exitCode === null && host.child.signalCode === null;
      if (running) host.child.stdin.end();
      const killer = setTimeout(() => host.child.kill('SIGKILL'), 5_000);
      await host.exited;
      clearTimeout(killer);
      // Every host a test starts is checked on the way out: nothing it wrote (stderr, audit log,
      // ledger) and nothing an agent received may contain a real secret or an agent key.
      await assertNoSecretLeaked([host.stderr(), await filesText(dataDir), await recorder.text()], [
        ...setup.credentials.flatMap((credential) => secretForms(credential.secret)),
        ...Object.values(agentKeys),
      ]);
      if (setup.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

class ResponseRecorder {
  private readonly entries: Array<Promise<string>> = [];

  keepRaw(response: RawResponse): RawResponse {
    const headers = response.rawHeaders.join('\n');
    this.entries.push(Promise.resolve(`${response.status}\n${headers}\n\n${response.body}`));
    return response;
  }

  async fetch(input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> {
    const response = await fetch(input, init);
    const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
    // A tee of the body: the caller still reads its own copy as it streams.
    const copy = response.clone();
    this.entries.push(copy.text().then((body) => `${response.status}\n${headers}\n\n${body}`, (error) => `${response.status}\n${headers}\n\n(body failed: ${String(error)})`));
    return response;
  }

  async text(): Promise<string> {
    return (await Promise.all(this.entries)).join('\n\n');
  }
}

export interface RawRequestOptions {
  method?: string;
  /** Sent as the request-target byte for byte: no normalising, no encoding. */
  path: string;
  /** The Host header; default `127.0.0.1:PORT`; null sends none from here (list it in `headers`). */
  host?: string | null;
  /** Sent exactly as given, in order, duplicates kept. */
  headers?: Array<[string, string]>;
  /** A string or buffer goes out with a content-length; a list goes out chunked, piece by piece. */
  body?: string | Buffer | Array<string | Buffer>;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/**
 * `fetch` normalises paths (dot segments, backslashes) and sets Host itself; `http.request` with
 * `setHost: false` and headers as a list sends exactly what a hostile or sloppy client would.
 */
export function rawRequest(port: number, options: RawRequestOptions): Promise<RawResponse> {
  const headers: string[] = [];
  const host = options.host === undefined ? `127.0.0.1:${port}` : options.host;
  if (host !== null) headers.push('Host', host);
  for (const [name, value] of options.headers ?? []) headers.push(name, value);
  const body = options.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) headers.push('Content-Length', String(Buffer.byteLength(body)));
  else if (Array.isArray(body)) headers.push('Transfer-Encoding', 'chunked');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers, setHost: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (Array.isArray(body)) for (const piece of body) req.write(piece);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/** For what `http.request` will not send (two Host headers): raw bytes on a socket, the answer as text. */
export function rawExchange(port: number, requestText: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(requestText);
  });
}

export interface AgentError {
  code: ErrorCode;
  message: string;
  hint: string;
}

/**
 * The catalogue error a response carries. Throws unless the body is exactly
 * `{"error": {"code", "message", "hint"}}` and the status is the one the catalogue gives the code.
 */
export function agentError(response: { status: number; body: string }): AgentError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new Error(`not a JSON error body (HTTP ${response.status}): ${response.body.slice(0, 200)}`);
  }
  const outer = parsed as { error?: Record<string, unknown> };
  const error = outer.error;
  const shapeOk =
    Object.keys(outer).join() === 'error' &&
    error !== undefined &&
    Object.keys(error).sort().join() === 'code,hint,message' &&
    typeof error.message === 'string' &&
    typeof error.hint === 'string' &&
    isErrorCode(error.code);
  if (!shapeOk) throw new Error(`not a Keygate error body (HTTP ${response.status}): ${response.body.slice(0, 300)}`);
  const code = error.code as ErrorCode;
  if (ERRORS[code].status !== response.status) throw new Error(`${code} came with HTTP ${response.status}, the catalogue says ${ERRORS[code].status}`);
  return { code, message: error.message as string, hint: error.hint as string };
}

/**
 * A policy for Binance tests: the proxy on a free port, `[services.binance]` pointed at a local mock
 * (`environment = "custom"`), plus `settings` as TOML values (`max_order_value_usd = 500`, …).
 */
export function binancePolicy(baseUrl: string, settings: Record<string, string | number | boolean | string[]> = {}): string {
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${JSON.stringify(value)}`);
  return ['[proxy]', 'port = 0', '', '[services.binance]', 'environment = "custom"', `base_url = ${JSON.stringify(baseUrl)}`, ...lines, ''].join('\n');
}

/**
 * The first event frame named `event` (and matching `predicate`) the host has sent so far or sends
 * within `timeoutMs`. Reads every frame kept, so an event that arrived while a test awaited a reply
 * is still found.
 */
export async function waitForHostEvent(
  host: HostProcess,
  event: string,
  predicate: (frame: Record<string, unknown>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (host.frames as Array<Record<string, unknown>>).find((frame) => frame.type === 'event' && frame.event === event && predicate(frame));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`No "${event}" event within ${timeoutMs} ms; stderr: ${host.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The `x-keygate-request-id` of a response (every proxied answer has one; the audit line names it). */
export function requestIdOf(response: RawResponse): string | null {
  const id = response.headers['x-keygate-request-id'];
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * The audit lines of `requestIds` in `dataDir` (agents' file and the file of requests refused before
 * an agent was known), once all are written (the log batches its writes).
 */
export async function auditLinesFor(dataDir: string, requestIds: readonly string[], timeoutMs = 10_000): Promise<AuditRecord[]> {
  const wanted = new Set(requestIds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const everyLine = [...(await readAuditLines(dataDir)), ...(await readAuditLines(dataDir, UNAUTHENTICATED_AUDIT_FILE_NAME))];
    const lines = everyLine.filter((line) => wanted.has(line.requestId));
    if (lines.length >= wanted.size) return lines;
    if (Date.now() > deadline) throw new Error(`only ${lines.length} of ${wanted.size} audit lines within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

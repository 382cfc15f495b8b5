/**
 * How the relay behaves when either side of a streamed answer misbehaves: a slow agent holds the
 * upstream back instead of filling the host's memory; an agent that leaves stops the upstream call;
 * an upstream that breaks mid-body never looks like a complete answer to the agent. Real sockets on
 * both sides, against the built host.
 */
import { createHash } from 'node:crypto';
import { type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { auditLinesFor, type ProxyHost, startProxyHost } from './proxy-host';

const SECRET = 'sk-test-FAKE-streaming-7f3a9c1e5b20';
const CHUNK = Buffer.alloc(64 * 1024, 'x');
/** Far more than every socket buffer on the way (a few MiB each) can hold. */
const LARGE_BODY_BYTES = 64 * 1024 * 1024;

let upstream: MockUpstream;
let proxy: ProxyHost;
/** What the upstream's handler saw of the current test's answer. */
let sent = { bytes: 0, finished: false, closedEarly: false };

beforeAll(async () => {
  upstream = await startMockUpstream(() => undefined);
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\n`,
    credentials: [{ service: 'openai', secret: SECRET }],
    agents: [{ name: 'streamer', scopes: ['openai'] }],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

/** A GET through the proxy whose answer the test reads (or not) at its own pace. */
function openCall(path: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path, headers: { authorization: `Bearer ${proxy.agentKeys.streamer}` } });
    req.once('response', (res) => resolve({ req, res }));
    req.once('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Writes `total` bytes as fast as the connection takes them, honouring back-pressure. */
function streamLarge(total: number) {
  sent = { bytes: 0, finished: false, closedEarly: false };
  upstream.setHandler((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.once('close', () => (sent.closedEarly = !res.writableFinished));
    const pump = () => {
      while (sent.bytes < total) {
        sent.bytes += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end(() => (sent.finished = true));
    };
    pump();
  });
}

describe('a streamed answer', () => {
  it('is held back by an agent that does not read: the host buffers little and the agent gets every byte', async () => {
    streamLarge(LARGE_BODY_BYTES);
    const { res } = await openCall('/openai/v1/files/big/content');
    res.pause();
    await delay(1_500);
    // Without back-pressure the host would have read all 64 MiB from the upstream by now.
    expect(sent.finished).toBe(false);
    expect(sent.bytes).toBeLessThan(LARGE_BODY_BYTES / 2);

    const digest = createHash('sha256');
    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      digest.update(chunk);
    });
    res.resume();
    await new Promise((resolve) => res.once('end', resolve));
    expect(received).toBe(LARGE_BODY_BYTES);
    expect(digest.digest('hex')).toBe(createHash('sha256').update(Buffer.alloc(LARGE_BODY_BYTES, 'x')).digest('hex'));
    const [line] = await auditLinesFor(proxy.dataDir, [String(res.headers['x-keygate-request-id'])]);
    expect(line).toMatchObject({ decision: 'allowed', status: 200, bytesOut: LARGE_BODY_BYTES });
  });

  it('stops the upstream call when the agent goes away mid-stream, and audits CLIENT_DISCONNECTED', async () => {
    streamLarge(LARGE_BODY_BYTES);
    const { req, res } = await openCall('/openai/v1/files/big/content');
    await new Promise((resolve) => res.once('data', resolve));
    req.destroy();

    await until(() => sent.closedEarly, 'the upstream answer to be cut off');
    expect(sent.finished).toBe(false);
    const [line] = await auditLinesFor(proxy.dataDir, [String(res.headers['x-keygate-request-id'])]);
    expect(line).toMatchObject({ decision: 'error', reason: 'CLIENT_DISCONNECTED' });
  });

  it('is cut off, not ended cleanly, for the agent when the upstream breaks mid-body, and audits UPSTREAM_UNREACHABLE', async () => {
    upstream.setHandler((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"delta":"first"}\n\n');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const { res } = await openCall('/openai/v1/chat/completions');
    const events: string[] = [];
    res.on('data', (chunk: Buffer) => events.push(chunk.toString('utf8')));
    const outcome = await new Promise<string>((resolve) => {
      res.once('end', () => resolve('ended cleanly'));
      res.once('error', (error) => resolve(`error: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      res.once('aborted', () => resolve('aborted'));
    });
    expect(outcome).not.toBe('ended cleanly');
    expect(events.join('')).toBe('data: {"delta":"first"}\n\n');
    const [line] = await auditLinesFor(proxy.dataDir, [String(res.headers['x-keygate-request-id'])]);
    expect(line).toMatchObject({ decision: 'error', reason: 'UPSTREAM_UNREACHABLE', status: 200 });
  });
});

describe('a request body on its way upstream', () => {
  /** POSTs `body` through the proxy, announcing its length or not (chunked); what the upstream received. */
  async function upload(body: Buffer, announceLength: boolean) {
    upstream.reset();
    upstream.setHandler((_request, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const headers: Record<string, string> = { authorization: `Bearer ${proxy.agentKeys.streamer}`, 'content-type': 'application/json' };
    headers[announceLength ? 'content-length' : 'transfer-encoding'] = announceLength ? String(body.length) : 'chunked';
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/openai/v1/chat/completions', headers }, (res) => {
        res.resume();
        res.once('end', resolve);
      });
      req.once('error', reject);
      req.end(body);
    });
    const [received] = upstream.received;
    return received!;
  }

  it('arrives with its length when the agent announced a small one (sent whole, with the head), and streams otherwise', async () => {
    const small = Buffer.from('{"model":"m","messages":[{"role":"user","content":"Say hi in one word."}]}');
    const announced = await upload(small, true);
    expect(announced.headers['content-length']).toBe(String(small.length));
    expect(announced.headers['transfer-encoding']).toBeUndefined();
    expect(announced.body).toBe(small.toString('utf8'));

    const large = Buffer.alloc(256 * 1024, 'y');
    const streamed = await upload(large, true);
    expect(streamed.headers['transfer-encoding']).toBe('chunked');
    expect(streamed.body.length).toBe(large.length);

    const unannounced = await upload(small, false);
    expect(unannounced.headers['transfer-encoding']).toBe('chunked');
    expect(unannounced.body).toBe(small.toString('utf8'));
  });
});

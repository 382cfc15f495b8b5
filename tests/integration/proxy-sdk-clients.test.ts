/**
 * The official SDKs, pointed at Keygate with a `pk_` key as their API key, work unchanged: the
 * upstream sees the real key in the header that service expects, never the agent key, and streamed
 * answers reach the SDK event by event as the upstream sends them.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { type ProxyHost, startProxyHost } from './proxy-host';

const OPENAI_SECRET = 'sk-test-FAKE-openai-4f1d0c9a7b3e';
const ANTHROPIC_SECRET = 'sk-ant-test-FAKE-anthropic-8c2e5a1f6d90';
const GITHUB_SECRET = 'ghp_test_FAKE_github_2b7d4e9f1a3c';
const SECRETS = [OPENAI_SECRET, ANTHROPIC_SECRET, GITHUB_SECRET];

/**
 * The upstream's side of a streaming test: after each event it waits until the SDK has yielded that
 * event. A proxy that buffered the stream would hold every event back until the upstream ended, so
 * the wait would time out; `timedOut` records that instead of hanging the test.
 */
class StreamGate {
  private seen = 0;
  private readonly wakers = new Set<() => void>();
  timedOut = false;
  upstreamFinishedAt = Number.POSITIVE_INFINITY;

  clientSaw(): void {
    this.seen += 1;
    for (const wake of this.wakers) wake();
  }

  async untilClientSaw(count: number, timeoutMs = 3_000): Promise<void> {
    // Once one wait timed out the stream is known to be held back; waiting again proves nothing.
    if (this.timedOut) return;
    const deadline = performance.now() + timeoutMs;
    while (this.seen < count) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.timedOut = true;
        return;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.wakers.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.wakers.add(wake);
      });
    }
  }
}

/** Writes server-sent events one at a time, each only after the client has the previous one. */
async function streamEvents(res: ServerResponse, events: string[], gate: StreamGate, countsAsClientEvent: (index: number) => boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let clientEvents = 0;
  for (const [index, event] of events.entries()) {
    res.write(event);
    if (countsAsClientEvent(index)) {
      clientEvents += 1;
      await gate.untilClientSaw(clientEvents);
    }
    await delay(15);
  }
  gate.upstreamFinishedAt = performance.now();
  res.end();
}

function openAiChunk(content: string | null, finish: string | null, role?: string) {
  return {
    id: 'chatcmpl-mock-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { ...(role ? { role } : {}), ...(content !== null ? { content } : {}) }, finish_reason: finish, logprobs: null }],
  };
}

function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

let openaiUpstream: MockUpstream;
let anthropicUpstream: MockUpstream;
let githubUpstream: MockUpstream;
let proxy: ProxyHost;
/** What the upstreams received in earlier tests (each test starts with empty upstream records). */
let receivedEarlier = '';

function everythingUpstreamsReceived(): string {
  return [openaiUpstream, anthropicUpstream, githubUpstream].map((upstream) => upstream.everythingReceived()).join('\n');
}

function openAiClient(apiKey = proxy.agentKeys.agent!, clientFetch: typeof fetch = proxy.fetch): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${proxy.baseUrl}/openai/v1`, maxRetries: 0, fetch: clientFetch });
}

/** The `anthropic-version` the SDK itself sent last, to compare with what the upstream got. */
let sdkAnthropicVersion: string | null = null;

function anthropicClient(apiKey = proxy.agentKeys.agent!): Anthropic {
  const fetchSeeingHeaders: typeof fetch = (input, init) => {
    sdkAnthropicVersion = new Headers(init?.headers).get('anthropic-version');
    return proxy.fetch(input, init);
  };
  return new Anthropic({ apiKey, baseURL: `${proxy.baseUrl}/anthropic`, maxRetries: 0, fetch: fetchSeeingHeaders });
}

beforeAll(async () => {
  const answerNothing = (_request: unknown, res: ServerResponse) => sendJson(res, 500, { error: 'no handler set' });
  openaiUpstream = await startMockUpstream(answerNothing);
  anthropicUpstream = await startMockUpstream(answerNothing);
  githubUpstream = await startMockUpstream(answerNothing);
  proxy = await startProxyHost({
    policy: `[proxy]
port = 0

[services.openai]
base_url = "${openaiUpstream.url}"

[services.anthropic]
base_url = "${anthropicUpstream.url}"

[custom.github]
base_url = "${githubUpstream.url}"
auth_header = "Authorization"
auth_value_prefix = "token "
`,
    credentials: [
      { service: 'openai', secret: OPENAI_SECRET },
      { service: 'anthropic', secret: ANTHROPIC_SECRET },
      { service: 'github', secret: GITHUB_SECRET },
    ],
    agents: [{ name: 'agent', scopes: ['openai', 'anthropic', 'custom:github'] }],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([openaiUpstream?.close(), anthropicUpstream?.close(), githubUpstream?.close()]);
});

beforeEach(() => {
  receivedEarlier += everythingUpstreamsReceived();
  for (const upstream of [openaiUpstream, anthropicUpstream, githubUpstream]) upstream.reset();
});

describe('the openai SDK through Keygate', () => {
  it('creates a chat completion; the upstream sees the real key as a Bearer token and never the pk_ key', async () => {
    openaiUpstream.setHandler((request, res) =>
      sendJson(res, 200, {
        id: 'chatcmpl-mock-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the mock upstream', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 },
        echoedModel: (JSON.parse(request.body) as { model: string }).model,
      }),
    );

    const completion = await openAiClient().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });

    expect(completion.choices[0]?.message.content).toBe('Hello from the mock upstream');
    expect(completion.usage?.total_tokens).toBe(14);
    expect(openaiUpstream.received).toHaveLength(1);
    const [received] = openaiUpstream.received;
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/v1/chat/completions');
    expect(received?.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
    expect(JSON.parse(received!.body)).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });
    expect(everythingUpstreamsReceived()).not.toContain(proxy.agentKeys.agent);
  });

  it('streams a chat completion: every delta in order, each one before the upstream has finished', async () => {
    const deltas = ['Keygate ', 'streams ', 'each ', 'event ', 'as it comes.'];
    const gate = new StreamGate();
    const events = [
      sse(openAiChunk('', null, 'assistant')),
      ...deltas.map((text) => sse(openAiChunk(text, null))),
      sse(openAiChunk(null, 'stop')),
      'data: [DONE]\n\n',
    ];
    openaiUpstream.setHandler((_request, res) => streamEvents(res, events, gate, (index) => index < events.length - 1));

    const stream = await openAiClient().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream, please' }], stream: true });
    const seen: Array<{ content: string | undefined; at: number }> = [];
    for await (const chunk of stream) {
      seen.push({ content: chunk.choices[0]?.delta.content ?? undefined, at: performance.now() });
      gate.clientSaw();
    }

    expect(seen.map((chunk) => chunk.content).join('')).toBe(deltas.join(''));
    expect(seen.map((chunk) => chunk.content).filter((content) => content)).toEqual(deltas);
    expect(gate.timedOut).toBe(false);
    expect(seen[0]!.at).toBeLessThan(gate.upstreamFinishedAt);
    expect(seen.find((chunk) => chunk.content === deltas.at(-1))!.at).toBeLessThan(gate.upstreamFinishedAt);
    expect(openaiUpstream.received[0]?.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
    expect(JSON.parse(openaiUpstream.received[0]!.body)).toMatchObject({ stream: true });
    expect(everythingUpstreamsReceived()).not.toContain(proxy.agentKeys.agent);
  });

  it('stops the upstream generation when the agent stops reading the stream', async () => {
    let upstreamClosedEarly = false;
    let sent = 0;
    openaiUpstream.setHandler(async (_request, res) => {
      res.on('close', () => (upstreamClosedEarly = !res.writableFinished));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (sent = 0; sent < 100 && !res.destroyed; sent++) {
        res.write(sse(openAiChunk(`token ${sent} `, null)));
        await delay(50);
      }
      res.end('data: [DONE]\n\n');
    });

    // Plain fetch: the recording one keeps reading its copy of the body, which would hold the stream open.
    const stream = await openAiClient(proxy.agentKeys.agent, fetch).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Long answer' }], stream: true });
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.content).toBe('token 0 ');
      break;
    }

    await expect.poll(() => upstreamClosedEarly, { timeout: 3_000 }).toBe(true);
    expect(sent).toBeLessThan(100);
  });

  it('surfaces a Keygate refusal as an SDK error with the catalogue code', async () => {
    const wrongKey = `pk_${'A'.repeat(43)}`;
    const failure = await openAiClient(wrongKey)
      .models.list()
      .then(() => null, (error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((failure as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((failure as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('AGENT_KEY_INVALID');
    expect(openaiUpstream.received).toHaveLength(0);
  });
});

describe('the @anthropic-ai/sdk through Keygate', () => {
  const message = {
    id: 'msg_mock_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-mock-model',
    content: [{ type: 'text', text: 'Hello from the mock Claude' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 6 },
  };

  it('creates a message; the upstream sees the real key in x-api-key, anthropic-version passed through, no pk_ key', async () => {
    anthropicUpstream.setHandler((_request, res) => sendJson(res, 200, message));

    const answer = await anthropicClient().messages.create(
      { model: 'claude-mock-model', max_tokens: 64, messages: [{ role: 'user', content: 'Hello?' }] },
      { headers: { 'anthropic-beta': 'mock-beta-2025-01-01' } },
    );

    expect(answer.content).toEqual([{ type: 'text', text: 'Hello from the mock Claude' }]);
    expect(anthropicUpstream.received).toHaveLength(1);
    const [received] = anthropicUpstream.received;
    expect(received?.url).toBe('/v1/messages');
    expect(received?.headers['x-api-key']).toBe(ANTHROPIC_SECRET);
    expect(sdkAnthropicVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(received?.headers['anthropic-version']).toBe(sdkAnthropicVersion);
    expect(received?.headers['anthropic-beta']).toBe('mock-beta-2025-01-01');
    expect(received?.headers.authorization).toBeUndefined();
    expect(JSON.parse(received!.body)).toEqual({ model: 'claude-mock-model', max_tokens: 64, messages: [{ role: 'user', content: 'Hello?' }] });
    expect(everythingUpstreamsReceived()).not.toContain(proxy.agentKeys.agent);
  });

  it('streams a message: message_start, every content_block_delta in order, message_stop, as they are sent', async () => {
    const deltas = ['Claude ', 'through ', 'Keygate'];
    const gate = new StreamGate();
    const events = [
      sse({ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }, 'message_start'),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      sse({ type: 'ping' }, 'ping'),
      ...deltas.map((text) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta')),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ];
    // The SDK swallows ping events, so the upstream waits only for the others.
    anthropicUpstream.setHandler((_request, res) => streamEvents(res, events, gate, (index) => index !== 2));

    const stream = await anthropicClient().messages.create({ model: 'claude-mock-model', max_tokens: 64, messages: [{ role: 'user', content: 'Stream?' }], stream: true });
    const seen: Array<{ type: string; text?: string; at: number }> = [];
    for await (const event of stream) {
      const text = event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : undefined;
      seen.push({ type: event.type, text, at: performance.now() });
      gate.clientSaw();
    }

    expect(seen.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(seen.flatMap((event) => (event.text === undefined ? [] : [event.text]))).toEqual(deltas);
    expect(gate.timedOut).toBe(false);
    expect(seen[0]!.at).toBeLessThan(gate.upstreamFinishedAt);
    expect(seen.find((event) => event.type === 'content_block_delta')!.at).toBeLessThan(gate.upstreamFinishedAt);
    expect(anthropicUpstream.received[0]?.headers['x-api-key']).toBe(ANTHROPIC_SECRET);
    expect(anthropicUpstream.received[0]?.headers['anthropic-version']).toBe(sdkAnthropicVersion);
    expect(everythingUpstreamsReceived()).not.toContain(proxy.agentKeys.agent);
  });
});

describe('a custom service from the policy', () => {
  it('gets the real key in its configured header with its configured prefix', async () => {
    githubUpstream.setHandler((request, res) => sendJson(res, 200, { login: 'mock-user', path: request.url }));

    const response = await proxy.fetch(`${proxy.baseUrl}/custom/github/user/repos?per_page=5`, {
      headers: { authorization: `Bearer ${proxy.agentKeys.agent}`, accept: 'application/vnd.github+json' },
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ login: 'mock-user', path: '/user/repos?per_page=5' });
    expect(githubUpstream.received).toHaveLength(1);
    const [received] = githubUpstream.received;
    expect(received?.headers.authorization).toBe(`token ${GITHUB_SECRET}`);
    expect(received?.headers.accept).toBe('application/vnd.github+json');
    expect(received?.rawHeaders.filter((name) => name.toLowerCase() === 'authorization')).toHaveLength(1);
    expect(everythingUpstreamsReceived()).not.toContain(proxy.agentKeys.agent);
  });
});

describe('plain HTTP clients', () => {
  it('forwards a curl-style upload that sends "Expect: 100-continue" (curl does for large bodies)', async () => {
    openaiUpstream.setHandler((request, res) => sendJson(res, 200, { bytes: request.body.length }));
    const body = JSON.stringify({ model: 'gpt-4o-mini', input: 'x'.repeat(4096) });

    const response = await proxy.raw({
      method: 'POST',
      path: '/openai/v1/responses',
      headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`], ['Content-Type', 'application/json'], ['Expect', '100-continue']],
      body,
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ bytes: body.length });
    expect(openaiUpstream.received[0]?.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
    expect(openaiUpstream.received[0]?.headers.expect).toBeUndefined();
  });
});

describe('what the SDKs received', () => {
  it('never contained a real key, and nothing the upstreams received contained a pk_ key', async () => {
    const transcript = await proxy.transcript();
    expect(transcript.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(transcript).not.toContain(secret);
    expect(receivedEarlier).toContain('/v1/chat/completions');
    expect(receivedEarlier).not.toContain('pk_');
  });
});

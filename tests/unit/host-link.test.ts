import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostLink, type NativePort } from '../../lib/host-link/host-link';
import type { HostState } from '../../lib/host-link/host-state';
import { reconnectDelayMs } from '../../lib/host-link/host-state';
import { classifyDisconnect } from '../../lib/host-link/disconnect-reason';

/** A stand-in for the browser's native port: the browser is outside this unit. */
class ScriptedPort implements NativePort {
  sent: Array<Record<string, unknown>> = [];
  disconnected = false;
  private messageListeners: Array<(message: unknown) => void> = [];
  private disconnectListeners: Array<() => void> = [];
  onMessage = { addListener: (listener: (message: unknown) => void) => void this.messageListeners.push(listener) };
  onDisconnect = { addListener: (listener: () => void) => void this.disconnectListeners.push(listener) };
  postMessage(message: unknown): void {
    this.sent.push(message as Record<string, unknown>);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  hostSends(frame: unknown): void {
    for (const listener of this.messageListeners) listener(frame);
  }
  hostExits(): void {
    for (const listener of this.disconnectListeners) listener();
  }
  answerHello(pid = 4242): void {
    const hello = this.sent.find((message) => message.type === 'hello');
    this.hostSends({ id: hello?.id, ok: true, result: { version: '0.1.0', capabilities: [], pid } });
  }
}

function createLink(disconnectMessage?: string) {
  const ports: ScriptedPort[] = [];
  const states: HostState[] = [];
  const link = new HostLink({
    connect: () => {
      const port = new ScriptedPort();
      ports.push(port);
      return port;
    },
    disconnectMessage: () => disconnectMessage,
    extensionVersion: '0.1.0',
    requestTimeoutMs: 1000,
    reconnectInitialMs: 100,
    reconnectMaxMs: 1000,
    log: () => {},
  });
  link.onStateChange((state) => states.push(state));
  return { link, ports, states };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('host link (background ↔ native host)', () => {
  it('greets the host and reports it connected with its version and pid', async () => {
    const { link, ports } = createLink();
    link.connect();
    expect(ports[0]?.sent[0]).toMatchObject({ type: 'hello', extensionVersion: '0.1.0' });
    ports[0]?.answerHello(77);
    await vi.waitFor(() => expect(link.currentState).toMatchObject({ status: 'connected', version: '0.1.0', pid: 77 }));
  });

  it('matches replies to requests by id, whatever order they arrive in', async () => {
    const { link, ports } = createLink();
    link.connect();
    const port = ports[0]!;
    port.answerHello();
    const first = link.request('ping', {});
    const second = link.request('status', {});
    const [pingId, statusId] = port.sent.slice(1).map((message) => message.id);
    port.hostSends({ id: statusId, ok: true, result: { version: '0.1.0', pid: 1, uptimeMs: 5, caller: 'x' } });
    port.hostSends({ id: pingId, ok: true, result: { receivedAt: 9 } });
    await expect(first).resolves.toEqual({ receivedAt: 9 });
    await expect(second).resolves.toMatchObject({ uptimeMs: 5 });
  });

  it('turns an error reply into a KeygateError with the host’s code', async () => {
    const { link, ports } = createLink();
    link.connect();
    ports[0]!.answerHello();
    const pending = link.request('ping', {});
    const id = ports[0]!.sent[1]?.id;
    ports[0]!.hostSends({ id, ok: false, error: { code: 'MESSAGE_INVALID', message: 'Bad field(s): sentAt.' } });
    await expect(pending).rejects.toMatchObject({ code: 'MESSAGE_INVALID', message: 'Bad field(s): sentAt.' });
  });

  it('times a request out with HOST_TIMEOUT when the host stays silent', async () => {
    const { link, ports } = createLink();
    link.connect();
    ports[0]!.answerHello();
    const pending = link.request('ping', {}, 500);
    vi.advanceTimersByTime(501);
    await expect(pending).rejects.toMatchObject({ code: 'HOST_TIMEOUT' });
  });

  it('reassembles a chunked reply', async () => {
    const { link, ports } = createLink();
    link.connect();
    ports[0]!.answerHello();
    const pending = link.request('diagnostics.payload', { bytes: 6 });
    const id = ports[0]!.sent[1]?.id;
    const text = JSON.stringify({ id, ok: true, result: { data: 'xxxxxx' } });
    ports[0]!.hostSends({ type: 'chunk', stream: 1, index: 0, count: 2, data: text.slice(0, 10) });
    ports[0]!.hostSends({ type: 'chunk', stream: 1, index: 1, count: 2, data: text.slice(10) });
    await expect(pending).resolves.toEqual({ data: 'xxxxxx' });
  });

  it('fails pending requests when the host exits, then reconnects with growing back-off', async () => {
    const { link, ports, states } = createLink('Native host has exited.');
    link.connect();
    ports[0]!.answerHello();
    await vi.waitFor(() => expect(link.currentState.status).toBe('connected'));
    const pending = link.request('ping', {});
    ports[0]!.hostExits();
    await expect(pending).rejects.toMatchObject({ code: 'HOST_EXITED' });
    expect(link.currentState).toMatchObject({ status: 'unavailable', error: { code: 'HOST_EXITED' } });

    vi.advanceTimersByTime(100);
    expect(ports).toHaveLength(2);
    ports[1]!.hostExits();
    vi.advanceTimersByTime(199);
    expect(ports).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(ports).toHaveLength(3);
    ports[2]!.answerHello(99);
    await vi.waitFor(() => expect(link.currentState).toMatchObject({ status: 'connected', pid: 99 }));
    expect(states.map((state) => state.status)).toEqual([
      'connecting', 'connected', 'unavailable', 'connecting', 'unavailable', 'connecting', 'connected',
    ]);
  });

  it('reports a missing host as HOST_NOT_INSTALLED with the install hint', () => {
    const { link, ports } = createLink('Specified native messaging host not found.');
    link.connect();
    ports[0]!.hostExits();
    expect(link.currentState).toMatchObject({ status: 'unavailable', error: { code: 'HOST_NOT_INSTALLED' } });
    expect(link.currentState.status === 'unavailable' && link.currentState.error.hint).toContain('keygate-host install');
  });

  it('keeps the host’s own reason when it refused the caller before exiting', () => {
    const { link, ports } = createLink('Native host has exited.');
    link.connect();
    ports[0]!.hostSends({ type: 'event', event: 'fatal', error: { code: 'CALLER_NOT_ALLOWED', message: 'not trusted' } });
    ports[0]!.hostExits();
    expect(link.currentState).toMatchObject({ status: 'unavailable', error: { code: 'CALLER_NOT_ALLOWED' } });
  });

  it('drops a host that never answers hello and retries', () => {
    const { link, ports } = createLink();
    link.connect();
    vi.advanceTimersByTime(1000);
    return vi.waitFor(() => {
      expect(ports[0]!.disconnected).toBe(true);
      expect(link.currentState).toMatchObject({ status: 'unavailable', error: { code: 'HOST_TIMEOUT' } });
    });
  });

  it('ignores frames that are not valid protocol frames', async () => {
    const { link, ports } = createLink();
    link.connect();
    ports[0]!.hostSends('not an object');
    ports[0]!.hostSends({ id: 1, ok: 'yes' });
    ports[0]!.answerHello();
    await vi.waitFor(() => expect(link.currentState.status).toBe('connected'));
  });
});

describe('reconnect policy and disconnect reasons', () => {
  it('doubles the delay per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 10].map((attempt) => reconnectDelayMs(attempt, 250, 2000))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });

  it.each([
    ['Specified native messaging host not found.', 'HOST_NOT_INSTALLED'],
    ['No such native application dev.keygate.host', 'HOST_NOT_INSTALLED'],
    ['Access to the specified native messaging host is forbidden.', 'HOST_FORBIDDEN'],
    ['Native host has exited.', 'HOST_EXITED'],
    [undefined, 'HOST_EXITED'],
  ])('classifies %j as %s', (message, code) => {
    expect(classifyDisconnect(message)).toBe(code);
  });
});

describe('host link: bridged browser-agent requests', () => {
  it('hands each proxy.* event to the listener of its requestId only, and to no general event listener', () => {
    const { link, ports } = createLink();
    link.connect();
    ports[0]!.answerHello();
    const first: unknown[] = [];
    const second: unknown[] = [];
    const general: unknown[] = [];
    link.onEvent((event) => general.push(event));
    link.onBridgeEvents('request-0001', (event) => first.push(event));
    const stop = link.onBridgeEvents('request-0002', (event) => second.push(event));
    ports[0]!.hostSends({ type: 'event', event: 'proxy.head', requestId: 'request-0001', status: 200, headers: [['content-type', 'text/plain']] });
    ports[0]!.hostSends({ type: 'event', event: 'proxy.chunk', requestId: 'request-0002', data: 'aGk=' });
    stop();
    ports[0]!.hostSends({ type: 'event', event: 'proxy.end', requestId: 'request-0002' });
    ports[0]!.hostSends({ type: 'event', event: 'proxy.chunk', requestId: 'request-0001', data: 'not base64!' });
    expect(first).toEqual([{ type: 'event', event: 'proxy.head', requestId: 'request-0001', status: 200, headers: [['content-type', 'text/plain']] }]);
    expect(second).toEqual([{ type: 'event', event: 'proxy.chunk', requestId: 'request-0002', data: 'aGk=' }]);
    expect(general).toEqual([]);
  });

  it('a posted frame waits for no reply: a refusal of it reaches its request as a proxy.error, and nothing is kept once the request stops listening', () => {
    const { link, ports } = createLink();
    link.connect();
    ports[0]!.answerHello();
    const events: unknown[] = [];
    const stop = link.onBridgeEvents('request-0001', (event) => events.push(event));
    link.post('proxy.request', { requestId: 'request-0001', grantId: 'grant-1', method: 'GET', path: '/x', headers: [], hasBody: false });
    link.post('proxy.credit', { requestId: 'request-0001', chunks: 1 });
    const [opened, credited] = ports[0]!.sent.slice(-2);
    expect(opened).toMatchObject({ type: 'proxy.request', requestId: 'request-0001' });
    ports[0]!.hostSends({ id: opened!.id, ok: false, error: { code: 'RATE_LIMITED', message: 'At most 64 bridged requests may be open at once.' } });
    expect(events).toEqual([{ type: 'event', event: 'proxy.error', requestId: 'request-0001', error: { code: 'RATE_LIMITED', message: 'At most 64 bridged requests may be open at once.' } }]);
    stop();
    const log: string[] = [];
    (link as unknown as { log: (line: string) => void }).log = (line) => log.push(line);
    ports[0]!.hostSends({ id: credited!.id, ok: false, error: { code: 'MESSAGE_INVALID', message: 'late' } });
    expect(events).toHaveLength(1);
    expect(log).toEqual(['Host error without a waiting request: MESSAGE_INVALID']);
  });

  it('a frame posted while no host is connected fails its request at once', () => {
    const { link } = createLink();
    const events: Array<{ event: string; error?: { code: string } }> = [];
    link.onBridgeEvents('request-0001', (event) => events.push(event));
    link.post('proxy.request', { requestId: 'request-0001', grantId: 'grant-1', method: 'GET', path: '/x', headers: [], hasBody: false });
    expect(events).toEqual([expect.objectContaining({ event: 'proxy.error', requestId: 'request-0001', error: expect.objectContaining({ code: 'HOST_EXITED' }) })]);
  });

  it('when the host exits, every open bridged request gets a proxy.error with the reason: no page waits forever', () => {
    const { link, ports } = createLink('Native host has exited.');
    link.connect();
    ports[0]!.answerHello();
    const events: Array<{ event: string; error?: { code: string } }> = [];
    link.onBridgeEvents('request-0001', (event) => events.push(event));
    ports[0]!.hostExits();
    expect(events).toEqual([expect.objectContaining({ event: 'proxy.error', requestId: 'request-0001', error: expect.objectContaining({ code: 'HOST_EXITED' }) })]);
  });
});

import { describe, expect, it } from 'vitest';
import type { AgentPort } from '../../lib/browser-agents/bridge-relay';
import { type PageEnvelope, splitPagePort } from '../../lib/browser-agents/page-line';
import { connectedPorts } from '../support/fake-runtime-ports';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The background's side of a page port, recording what each request's port hears. */
function split() {
  const [contentScript, background] = connectedPorts('keygate-page');
  const opened: Array<{ port: AgentPort; heard: unknown[]; hungUp: boolean }> = [];
  splitPagePort(background, (port) => {
    const line = { port, heard: [] as unknown[], hungUp: false };
    port.onMessage.addListener((message) => line.heard.push(message));
    port.onDisconnect.addListener(() => (line.hungUp = true));
    opened.push(line);
  });
  const toPage: PageEnvelope[] = [];
  contentScript.onMessage.addListener((message) => toPage.push(message as PageEnvelope));
  const send = (rid: number, message: unknown) => contentScript.postMessage({ rid, message });
  return { contentScript, background, opened, toPage, send };
}

const REQUEST = { type: 'request', method: 'GET', path: '/openai/v1/models', headers: [], hasBody: false };

describe('a page port split into one port per request', () => {
  it('opens a request only with a request message under a new, higher number; late messages for an ended request open nothing', async () => {
    const { opened, send } = split();
    send(1, { type: 'credit', chunks: 1 });
    send(0, REQUEST);
    send(-3, REQUEST);
    await tick();
    expect(opened).toHaveLength(0);

    send(2, REQUEST);
    send(2, { type: 'credit', chunks: 1 });
    await tick();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.heard).toEqual([REQUEST, { type: 'credit', chunks: 1 }]);

    opened[0]!.port.postMessage({ type: 'end' });
    send(2, { type: 'credit', chunks: 1 });
    send(2, REQUEST);
    send(1, REQUEST);
    await tick();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.heard).toHaveLength(2);
  });

  it('wraps each answer with its request number and says nothing more after the last message', async () => {
    const { opened, send, toPage } = split();
    send(1, REQUEST);
    send(2, REQUEST);
    await tick();
    opened[1]!.port.postMessage({ type: 'answer', status: 200, headers: [], data: 'AQI=' });
    opened[1]!.port.postMessage({ type: 'end' });
    opened[0]!.port.postMessage({ type: 'head', status: 200, headers: [] });
    await tick();
    expect(toPage).toEqual([
      { rid: 2, message: { type: 'answer', status: 200, headers: [], data: 'AQI=' } },
      { rid: 1, message: { type: 'head', status: 200, headers: [] } },
    ]);
  });

  it('a cancel reaches its request and ends it; the port closing ends every request still open', async () => {
    const { opened, send, contentScript } = split();
    send(1, REQUEST);
    send(2, REQUEST);
    send(3, REQUEST);
    await tick();
    send(2, { type: 'cancel' });
    send(2, { type: 'credit', chunks: 1 });
    opened[2]!.port.postMessage({ type: 'end' });
    await tick();
    expect(opened[1]!.heard.at(-1)).toEqual({ type: 'cancel' });
    expect(opened[1]!.heard).toHaveLength(2);
    contentScript.disconnect();
    await tick();
    expect(opened.map((line) => line.hungUp)).toEqual([true, false, false]);
  });
});

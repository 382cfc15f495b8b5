/**
 * Who gets the background's live state port (vault, host, credentials and their health): Keygate's
 * own pages, as its page requests already were. A content script runs in the web page's renderer,
 * so a port from one (its sender URL is the page's) is cut off with nothing sent: a granted page
 * learns what `keygate.status()` says and no more.
 */
import { describe, expect, it } from 'vitest';
import { STATE_PORT_NAME } from '../../lib/extension-messages';
import { type BackgroundServices, servePageBridge } from '../../lib/page-bridge';
import { connectedPorts } from '../support/fake-runtime-ports';

const OWN_ID = 'ljfinjkkblfipmgadfpfgephgogcoghg';
const OWN_ORIGIN = `chrome-extension://${OWN_ID}/`;

function bridge() {
  const connect: Array<(port: unknown) => void> = [];
  const runtime = {
    id: OWN_ID,
    getURL: (path: string) => `chrome-extension://${OWN_ID}${path}`,
    onConnect: { addListener: (listener: (port: unknown) => void) => void connect.push(listener) },
    onMessage: { addListener: () => undefined },
  };
  const unsubscribe = () => () => undefined;
  const services = {
    hostLink: { currentState: { status: 'connected' }, onStateChange: unsubscribe },
    session: { currentState: { status: 'unlocked' }, onStateChange: unsubscribe },
    hostSync: { proxyStatus: null, binanceKeyRestrictions: {}, credentialHealth: { 'cred-openai-1': 'failing' }, lastCredentialUseAt: {}, onChange: unsubscribe },
  } as unknown as BackgroundServices;
  servePageBridge(runtime as never, Promise.resolve(services));
  /** Opens the state port as `sender`: did the first state come, or the port close first. */
  const stateFor = async (sender: object) => {
    const [page, background] = connectedPorts(STATE_PORT_NAME, sender);
    const received: unknown[] = [];
    page.onMessage.addListener((pushed) => received.push(pushed));
    const closed = new Promise<'closed'>((resolve) => page.onDisconnect.addListener(() => resolve('closed')));
    connect[0]!(background);
    const first = new Promise<'state'>((resolve) => page.onMessage.addListener(() => resolve('state')));
    return { outcome: await Promise.race([closed, first]), received };
  };
  return { stateFor };
}

describe('the state port serves Keygate\'s own pages only', () => {
  const contentScript = { id: OWN_ID, url: 'http://localhost:3000/chat', origin: 'http://localhost:3000', tab: { id: 7 } };
  const optionsPage = { id: OWN_ID, url: `${OWN_ORIGIN}options.html`, origin: OWN_ORIGIN.slice(0, -1) };

  it('the state port: a content script (a granted page\'s renderer) is cut off with nothing sent; the options page gets the state', async () => {
    const { stateFor } = bridge();
    const fromPage = await stateFor(contentScript);
    expect(fromPage).toEqual({ outcome: 'closed', received: [] });
    const fromOptions = await stateFor(optionsPage);
    expect(fromOptions.outcome).toBe('state');
    expect(fromOptions.received[0]).toMatchObject({ type: 'state', state: { vault: { status: 'unlocked' }, credentialHealth: { 'cred-openai-1': 'failing' } } });
  });
});

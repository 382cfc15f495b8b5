/**
 * The main-world script's job: once the relay is there, define `window.keygate = { fetch, status }`
 * and fire `keygate:ready`. Nothing secret lives in this world; it only knows how to reach the relay
 * and, through it, its own line to the background (page-direct-line.ts).
 */
import { createKeygateFetch, readKeygateStatus } from './keygate-fetch';
import { whenRelayReady } from './page-channel';
import { directLineOpener } from './page-direct-line';

export const READY_EVENT = 'keygate:ready';

export async function installKeygateApi(win: Window): Promise<void> {
  if (Object.hasOwn(win, 'keygate')) return;
  const fetch = createKeygateFetch(directLineOpener(win, await whenRelayReady(win)));
  const api = Object.freeze({ fetch, status: () => readKeygateStatus(fetch) });
  Object.defineProperty(win, 'keygate', { value: api, enumerable: true });
  win.dispatchEvent(new Event(READY_EVENT));
}

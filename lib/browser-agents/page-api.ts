/**
 * The main-world script's job: once the relay is there, define `window.keygate = { fetch, status }`
 * and fire `keygate:ready`. Nothing secret lives in this world; it only knows how to reach the relay.
 */
import { createKeygateFetch, readKeygateStatus } from './keygate-fetch';
import { whenRelayReady } from './page-channel';

export const READY_EVENT = 'keygate:ready';

export async function installKeygateApi(win: Window): Promise<void> {
  if (Object.hasOwn(win, 'keygate')) return;
  const fetch = createKeygateFetch(await whenRelayReady(win));
  const api = Object.freeze({ fetch, status: () => readKeygateStatus(fetch) });
  Object.defineProperty(win, 'keygate', { value: api, enumerable: true });
  win.dispatchEvent(new Event(READY_EVENT));
}

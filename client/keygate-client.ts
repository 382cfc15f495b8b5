/**
 * Keygate's client for other browser extensions: the same `fetch` and `status` a granted web page
 * gets as `window.keygate`, over `runtime.connect(KEYGATE_ID, { name: 'keygate' })`, and `call`, the
 * same contract in one `runtime.sendMessage` for answers that need not stream. Built to one
 * ESM file (dist/keygate-client.mjs, `npm run build:client`) to drop into an extension; see
 * docs/browser-agents.md. The user grants the extension's id in Keygate first; until then every
 * call answers 403 GRANT_MISSING and Keygate's popup offers to grant it.
 */
import { DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID } from '../shared/identity';
import { AGENT_PORT_NAME } from '../lib/browser-agents/agent-messages';
import { createKeygateCall } from '../lib/browser-agents/keygate-call';
import { createKeygateFetch, type KeygateFetch, readKeygateStatus } from '../lib/browser-agents/keygate-fetch';
import { type RuntimePort, runtimePortChannel } from '../lib/browser-agents/runtime-port-channel';

export { keygateError } from '../lib/browser-agents/keygate-fetch';

/** The part of `runtime` the client needs (`chrome.runtime` or Firefox's `browser.runtime`). */
export interface ClientRuntime {
  connect(extensionId: string, connectInfo: { name: string }): RuntimePort;
  sendMessage(extensionId: string, message: unknown): Promise<unknown>;
  /** Firefox only; its presence is how the client tells Firefox from Chromium. */
  getBrowserInfo?: unknown;
}

export interface KeygateClientOptions {
  /** Keygate's id; by default the published one for this browser. */
  extensionId?: string;
  runtime?: ClientRuntime;
}

export interface KeygateClient {
  /** Streams: one port per request, the body as the upstream sends it, aborting cancels the upstream call. */
  fetch: KeygateFetch;
  /** One message per request: the whole answer at once (at most 8 MiB), and no cancelling once sent. */
  call: KeygateFetch;
  status: () => Promise<unknown>;
}

/** Keygate's published id in this browser: Chromium derives it from the manifest key, Firefox uses the gecko id. */
export function keygateExtensionId(runtime: ClientRuntime): string {
  return runtime.getBrowserInfo === undefined ? DEFAULT_EXTENSION_ID : GECKO_EXTENSION_ID;
}

function defaultRuntime(): ClientRuntime {
  const scope = globalThis as { browser?: { runtime?: ClientRuntime }; chrome?: { runtime?: ClientRuntime } };
  const runtime = scope.browser?.runtime ?? scope.chrome?.runtime;
  if (runtime === undefined) throw new Error('keygate-client runs in a browser extension (no runtime API here).');
  return runtime;
}

export function createKeygateClient(options: KeygateClientOptions = {}): KeygateClient {
  const runtime = options.runtime ?? defaultRuntime();
  const extensionId = options.extensionId ?? keygateExtensionId(runtime);
  const fetch = createKeygateFetch(() => runtimePortChannel(runtime.connect(extensionId, { name: AGENT_PORT_NAME })));
  const call = createKeygateCall((message) => runtime.sendMessage(extensionId, message));
  return { fetch, call, status: () => readKeygateStatus(fetch) };
}

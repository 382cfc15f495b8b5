import { type ErrorBody, errorBody, KeygateError } from '../../shared/errors';
import {
  type EventFrame,
  type MessageId,
  parseJsonSafely,
  type RequestMap,
  type RequestType,
  validateHostFrame,
} from '../../shared/protocol';
import type { BridgeEventMap, BridgePostType, BridgeRequestMap } from '../../shared/bridge-messages';
import { ChunkAssembler } from './chunk-assembler';
import { classifyDisconnect } from './disconnect-reason';
import { type HostState, reconnectDelayMs } from './host-state';

/** The part of `runtime.Port` the link uses, so tests can hand it any port-shaped object. */
export interface NativePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export interface HostLinkOptions {
  connect: () => NativePort;
  /** Why the port closed, as the browser words it (`runtime.lastError` or Firefox's `port.error`). */
  disconnectMessage: (port: NativePort) => string | undefined;
  extensionVersion: string;
  requestTimeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

/** Everything the link can ask the host, the browser-agent bridge included. */
export type LinkRequestMap = RequestMap & BridgeRequestMap;
export type LinkRequestType = RequestType | keyof BridgeRequestMap;

/** The host's answer to one bridged browser-agent request (`proxy.head`, `.chunk`, `.end`, `.error`, `.answer`, `.bulk`). */
export type BridgeEvent = EventFrame<keyof BridgeEventMap>;

function isBridgeEvent(frame: EventFrame): frame is BridgeEvent {
  return frame.event === 'proxy.head' || frame.event === 'proxy.chunk' || frame.event === 'proxy.end' || frame.event === 'proxy.error' || frame.event === 'proxy.answer' || frame.event === 'proxy.bulk';
}

interface PendingRequest {
  resolve: (result: unknown) => void;
  reject: (error: KeygateError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The background worker's connection to keygate-host: correlates replies with requests by id,
 * times requests out, reassembles chunked frames, and reconnects with back-off when the host exits.
 */
export class HostLink {
  private port: NativePort | null = null;
  private state: HostState = { status: 'connecting', attempt: 0 };
  /** Failures since the host last answered hello; drives the back-off. */
  private failures = 0;
  private nextId = 1;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private fatalError: ErrorBody | null = null;
  private readonly pending = new Map<MessageId, PendingRequest>();
  private readonly chunks = new ChunkAssembler();
  private readonly stateListeners = new Set<(state: HostState) => void>();
  private readonly eventListeners = new Set<(event: EventFrame) => void>();
  /** One listener per open bridged request, by requestId: its events go to it alone. */
  private readonly bridgeListeners = new Map<string, (event: BridgeEvent) => void>();
  /** Frames posted without waiting (post): which request a refusal of each would be for, until that request stops listening. */
  private readonly posted = new Map<MessageId, string>();
  private readonly postedByRequest = new Map<string, MessageId[]>();
  private readonly requestTimeoutMs: number;
  private readonly reconnectInitialMs: number;
  private readonly reconnectMaxMs: number;
  private readonly now: () => number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: HostLinkOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.reconnectInitialMs = options.reconnectInitialMs ?? 250;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((message) => console.warn(`[keygate] ${message}`));
  }

  get currentState(): HostState {
    return this.state;
  }

  onStateChange(listener: (state: HostState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onEvent(listener: (event: EventFrame) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * Hands the host's events for one bridged request to `listener` until the returned stop is called.
   * If the host goes away meanwhile, the listener gets a `proxy.error` with the reason, so no
   * browser agent waits for an answer that cannot come.
   */
  onBridgeEvents(requestId: string, listener: (event: BridgeEvent) => void): () => void {
    this.bridgeListeners.set(requestId, listener);
    return () => {
      if (this.bridgeListeners.get(requestId) !== listener) return;
      this.bridgeListeners.delete(requestId);
      for (const id of this.postedByRequest.get(requestId) ?? []) this.posted.delete(id);
      this.postedByRequest.delete(requestId);
    };
  }

  /**
   * Sends a bridge frame the host answers only when it refuses it (BRIDGE_REPLY_ON_FAILURE_ONLY). A
   * refusal reaches the request's event listener as a `proxy.error`; without a host it does at once.
   */
  post<T extends BridgePostType>(type: T, params: BridgeRequestMap[T]['params']): void {
    const port = this.port;
    if (port === null) {
      const error = this.state.status === 'unavailable' ? this.state.error : errorBody('HOST_EXITED');
      this.bridgeListeners.get(params.requestId)?.({ type: 'event', event: 'proxy.error', requestId: params.requestId, error });
      return;
    }
    const id = this.nextId++;
    this.posted.set(id, params.requestId);
    const ids = this.postedByRequest.get(params.requestId);
    if (ids === undefined) this.postedByRequest.set(params.requestId, [id]);
    else ids.push(id);
    port.postMessage({ ...params, id, type });
  }

  /**
   * Tells the host of a browser agent's call the background refused itself, for its audit line. No
   * request waits on it: without a host it goes nowhere, and a refusal of the frame is only logged.
   */
  reportRefusal(params: BridgeRequestMap['proxy.refused']['params']): void {
    this.port?.postMessage({ ...params, id: this.nextId++, type: 'proxy.refused' });
  }

  /** Connects now, dropping any scheduled retry (also the popup's "Retry now"). */
  connect(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.port !== null) {
      this.port.disconnect();
      this.failPending(errorBody('HOST_EXITED', 'Reconnecting.'));
    }
    this.fatalError = null;
    this.chunks.reset();
    this.setState({ status: 'connecting', attempt: this.failures + 1 });

    let port: NativePort;
    try {
      port = this.options.connect();
    } catch (error) {
      this.port = null;
      this.becomeUnavailable(errorBody(classifyDisconnect(String(error))));
      return;
    }
    this.port = port;
    port.onMessage.addListener((message) => this.receive(message));
    port.onDisconnect.addListener(() => this.handleDisconnect(port));
    void this.greet(port);
  }

  request<T extends LinkRequestType>(
    type: T,
    params: LinkRequestMap[T]['params'],
    timeoutMs = this.requestTimeoutMs,
  ): Promise<LinkRequestMap[T]['result']> {
    const port = this.port;
    if (port === null) {
      const error = this.state.status === 'unavailable' ? this.state.error : errorBody('HOST_EXITED');
      return Promise.reject(KeygateError.fromBody(error));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new KeygateError('HOST_TIMEOUT', `No reply to "${type}" within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      port.postMessage({ ...params, id, type });
    });
  }

  private async greet(port: NativePort): Promise<void> {
    try {
      const hello = await this.request('hello', { extensionVersion: this.options.extensionVersion });
      if (port !== this.port) return;
      this.failures = 0;
      this.setState({ status: 'connected', ...hello, connectedAt: this.now() });
    } catch (error) {
      if (port !== this.port) return;
      // A host that never answers hello is as good as absent: drop it and retry later.
      const body = error instanceof KeygateError ? error.toBody() : errorBody('INTERNAL_ERROR');
      this.port = null;
      port.disconnect();
      this.failPending(body);
      this.becomeUnavailable(body);
    }
  }

  private receive(raw: unknown): void {
    const frame = validateHostFrame(raw);
    if (frame === null) {
      this.log('Ignored a malformed frame from the native host.');
      return;
    }
    if ('type' in frame && frame.type === 'chunk') {
      const text = this.chunks.add(frame);
      if (text !== null) this.receive(parseJsonSafely(text));
      return;
    }
    if ('type' in frame && isBridgeEvent(frame)) {
      this.bridgeListeners.get(frame.requestId)?.(frame);
      return;
    }
    if ('type' in frame) {
      if (frame.event === 'fatal' && frame.error) this.fatalError = frame.error as ErrorBody;
      for (const listener of this.eventListeners) listener(frame);
      return;
    }
    const postedFor = frame.id === null ? undefined : this.posted.get(frame.id);
    if (postedFor !== undefined && !frame.ok) {
      this.bridgeListeners.get(postedFor)?.({ type: 'event', event: 'proxy.error', requestId: postedFor, error: frame.error });
      return;
    }
    const pending = frame.id === null ? undefined : this.pending.get(frame.id);
    if (pending === undefined) {
      if (!frame.ok) this.log(`Host error without a waiting request: ${frame.error.code}`);
      return;
    }
    this.pending.delete(frame.id as MessageId);
    clearTimeout(pending.timer);
    if (frame.ok) pending.resolve(frame.result);
    else pending.reject(KeygateError.fromBody(frame.error));
  }

  private handleDisconnect(port: NativePort): void {
    if (port !== this.port) return;
    const browserMessage = this.options.disconnectMessage(port);
    this.port = null;
    const body = this.fatalError ?? errorBody(classifyDisconnect(browserMessage), browserMessage);
    this.failPending(body);
    this.becomeUnavailable(body);
  }

  private failPending(body: ErrorBody): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(KeygateError.fromBody(body));
      this.pending.delete(id);
    }
    const bridged = [...this.bridgeListeners];
    this.bridgeListeners.clear();
    this.posted.clear();
    this.postedByRequest.clear();
    for (const [requestId, listener] of bridged) listener({ type: 'event', event: 'proxy.error', requestId, error: body });
  }

  private becomeUnavailable(error: ErrorBody): void {
    this.failures += 1;
    const delay = reconnectDelayMs(this.failures, this.reconnectInitialMs, this.reconnectMaxMs);
    this.setState({ status: 'unavailable', error, attempt: this.failures, retryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private setState(state: HostState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

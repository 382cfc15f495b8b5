/**
 * The host's side of the browser-agent bridge as the background sees it through HostLink: it takes
 * `proxy.request` / `.body` / `.credit` / `.cancel` and answers with head, chunks and end, sending
 * at most BRIDGE_CREDIT_WINDOW chunks ahead of the credits, as the contract says the host must.
 */
import { BRIDGE_CREDIT_WINDOW } from '../../shared/bridge-messages';
import type { RelayHost } from '../../lib/browser-agents/bridge-relay';
import type { BridgeEvent, HostLink } from '../../lib/host-link/host-link';

interface OpenRequest {
  params: Record<string, unknown>;
  body: string[];
  bodyEnded: boolean;
  pending: string[];
  sent: number;
  credits: number;
  cancelled: boolean;
  end: boolean;
}

export class FakeBridgeHost {
  /** The host link's state, as the gateway checks it before forwarding. */
  currentState: { status: string } = { status: 'connected' };
  readonly requests = new Map<string, OpenRequest>();
  readonly calls: Array<{ type: string; params: Record<string, unknown> }> = [];
  private readonly listeners = new Map<string, (event: BridgeEvent) => void>();
  private waiters: Array<() => void> = [];
  /** Set, `proxy.body` replies wait for `takeHeldBodies()`: a host whose upstream is slow to read. */
  holdBodies = false;
  private readonly heldBodies: Array<() => void> = [];

  /** The pipeline takes every body piece held so far. */
  takeHeldBodies(): void {
    for (const take of this.heldBodies.splice(0)) take();
  }

  onBridgeEvents(requestId: string, listener: (event: BridgeEvent) => void): () => void {
    this.listeners.set(requestId, listener);
    return () => this.listeners.delete(requestId);
  }

  async request(type: string, params: Record<string, unknown>): Promise<never> {
    this.calls.push({ type, params });
    const id = params.requestId as string;
    const open = this.requests.get(id);
    try {
      switch (type) {
        case 'proxy.request':
          this.requests.set(id, { params, body: [], bodyEnded: false, pending: [], sent: 0, credits: BRIDGE_CREDIT_WINDOW, cancelled: false, end: false });
          return {} as never;
        case 'proxy.body':
          open!.body.push(params.data as string);
          open!.bodyEnded = params.end as boolean;
          if (this.holdBodies) {
            this.wakeWaiters();
            await new Promise<void>((take) => this.heldBodies.push(take));
          }
          return {} as never;
        case 'proxy.credit':
          open!.credits += params.chunks as number;
          this.pump(id);
          return {} as never;
        case 'proxy.cancel':
          if (open) open.cancelled = true;
          return { cancelled: open !== undefined } as never;
        default:
          throw new Error(`unexpected ${type}`);
      }
    } finally {
      this.wakeWaiters();
    }
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Frames the host replies to only when refusing them (the double never refuses one). */
  post(type: string, params: Record<string, unknown>): void {
    void this.request(type, params);
  }

  /** This double where the background wants the host link (its request() is typed per message there). */
  get link(): RelayHost & Pick<HostLink, 'currentState'> {
    return this as unknown as RelayHost & Pick<HostLink, 'currentState'>;
  }

  /** Answers a request: the head now, then the chunks as credits allow, then the end. */
  respond(requestId: string, status: number, headers: [string, string][], chunks: string[]): void {
    const open = this.requests.get(requestId)!;
    this.emit({ type: 'event', event: 'proxy.head', requestId, status, headers });
    open.pending.push(...chunks);
    open.end = true;
    this.pump(requestId);
  }

  emit(event: BridgeEvent): void {
    this.listeners.get(event.requestId)?.(event);
  }

  /** Resolves when `check` holds, re-checked after every call the background makes. */
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  only(): [string, OpenRequest] {
    const entries = [...this.requests];
    if (entries.length !== 1) throw new Error(`expected one request, got ${entries.length}`);
    return entries[0]!;
  }

  private pump(requestId: string): void {
    const open = this.requests.get(requestId)!;
    while (!open.cancelled && open.credits > 0 && open.pending.length > 0) {
      open.credits -= 1;
      open.sent += 1;
      this.emit({ type: 'event', event: 'proxy.chunk', requestId, data: open.pending.shift()! });
    }
    if (!open.cancelled && open.end && open.pending.length === 0) {
      open.end = false;
      this.emit({ type: 'event', event: 'proxy.end', requestId });
    }
  }
}

/**
 * A pair of connected `runtime.Port`s and a page window, the browser parts between a page, its
 * content script and the background. Messages are JSON-copied and delivered on a later task, as
 * Chromium's extension messaging does; disconnecting one end tells only the other.
 */
interface PortEnd {
  name: string;
  sender?: { id?: string; url?: string; origin?: string; tab?: unknown };
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
  readonly disconnected: boolean;
}

export function connectedPorts(name: string, sender?: PortEnd['sender']): [PortEnd, PortEnd] {
  const make = (): PortEnd & { deliver(message: unknown): void; hangUp(): void; peer?: PortEnd & { deliver(message: unknown): void; hangUp(): void } } => {
    const messageListeners: Array<(message: unknown) => void> = [];
    const disconnectListeners: Array<() => void> = [];
    let disconnected = false;
    const end = {
      name,
      sender,
      get disconnected() {
        return disconnected;
      },
      postMessage(message: unknown) {
        if (disconnected) throw new Error('Attempting to use a disconnected port object');
        const copy = JSON.parse(JSON.stringify(message)) as unknown;
        setTimeout(() => end.peer?.deliver(copy), 0);
      },
      disconnect() {
        if (disconnected) return;
        disconnected = true;
        setTimeout(() => end.peer?.hangUp(), 0);
      },
      onMessage: { addListener: (listener: (message: unknown) => void) => void messageListeners.push(listener) },
      onDisconnect: { addListener: (listener: () => void) => void disconnectListeners.push(listener) },
      deliver(message: unknown) {
        if (!disconnected) for (const listener of messageListeners) listener(message);
      },
      hangUp() {
        if (disconnected) return;
        disconnected = true;
        for (const listener of disconnectListeners) listener();
      },
      peer: undefined as (PortEnd & { deliver(message: unknown): void; hangUp(): void }) | undefined,
    };
    return end;
  };
  const client = make();
  const background = make();
  client.peer = background;
  background.peer = client;
  return [client, background];
}

/** A page's window: `postMessage` to itself, delivered later with `source` and `ports`, to every listener. */
export class FakeWindow extends EventTarget {
  postMessage(data: unknown, _targetOrigin: string, transfer: Transferable[] = []): void {
    const copy = structuredClone(data);
    setTimeout(() => {
      const event = Object.assign(new Event('message'), { data: copy, source: this, ports: transfer });
      this.dispatchEvent(event);
    }, 0);
  }
}

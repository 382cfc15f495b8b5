/**
 * Extensions that tried Keygate without a grant, newest first, so the popup can say "Extension X
 * asked to use Keygate" and offer the grant form. Kept in the worker's memory only: an ask is a
 * prompt for the user's next look at the popup, not a record worth a database.
 */
const MAX_ASKS = 10;

export interface ExtensionAsk {
  extensionId: string;
  at: number;
}

export class ExtensionAsks {
  private asks: ExtensionAsk[] = [];
  private readonly listeners = new Set<() => void>();

  note(extensionId: string, at: number): void {
    this.asks = [{ extensionId, at }, ...this.asks.filter((ask) => ask.extensionId !== extensionId)].slice(0, MAX_ASKS);
    this.notify();
  }

  forget(extensionId: string): void {
    const before = this.asks.length;
    this.asks = this.asks.filter((ask) => ask.extensionId !== extensionId);
    if (this.asks.length !== before) this.notify();
  }

  list(): ExtensionAsk[] {
    return [...this.asks];
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * The bulk lane's tickets: a 256-bit random token per answer handed to the background in
 * `proxy.bulk`, good for one fetch within its lifetime. A local process that can reach the loopback
 * listener cannot guess one, and a token seen once (in a log, a proxy, a crash dump) is spent.
 * Tokens are kept by their SHA-256, so looking one up compares digests, never the secret itself.
 * Pure: the clock is the caller's.
 */
import { createHash, randomBytes } from 'node:crypto';

interface Ticket<T> {
  holder: T;
  expiresAt: number;
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64');

export class BulkTickets<T> {
  private readonly tickets = new Map<string, Ticket<T>>();

  constructor(private readonly lifetimeMs: number) {}

  get size(): number {
    return this.tickets.size;
  }

  /** A new token for `holder` (43 base64url characters). */
  issue(holder: T, now: number): string {
    const token = randomBytes(32).toString('base64url');
    this.tickets.set(digest(token), { holder, expiresAt: now + this.lifetimeMs });
    return token;
  }

  /**
   * The holder the token was issued for, once: the ticket is spent by the claim. Null when unknown,
   * spent or expired; an expired ticket stays for `takeExpired`, so its answer still ends as a broken
   * lane rather than looking claimed by a fetch that came too late.
   */
  claim(token: string, now: number): T | null {
    const key = digest(token);
    const ticket = this.tickets.get(key);
    if (ticket === undefined || now > ticket.expiresAt) return null;
    this.tickets.delete(key);
    return ticket.holder;
  }

  /** Drops the ticket issued for `holder` (its answer ended another way). */
  withdraw(holder: T): void {
    for (const [key, ticket] of this.tickets) if (ticket.holder === holder) this.tickets.delete(key);
  }

  /** Removes and returns the holders whose tickets ran out unclaimed. */
  takeExpired(now: number): T[] {
    const expired: T[] = [];
    for (const [key, ticket] of this.tickets) {
      if (now <= ticket.expiresAt) continue;
      this.tickets.delete(key);
      expired.push(ticket.holder);
    }
    return expired;
  }
}

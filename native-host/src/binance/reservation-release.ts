/**
 * When an order's reserved daily volume may be given back: only when Binance's answer proves the
 * order was not executed. Releasing an order that did execute would let agents trade past the
 * daily cap; keeping one that did not only costs the day some headroom. So anything unclear keeps.
 *
 * Binance's Spot API docs ("HTTP Return Codes", "Error codes"), answer by answer:
 * - 2xx: the order was accepted. Kept.
 * - 400 with a -1xxx/-2xxx code (-1013 filter failure, -1021 timestamp outside recvWindow, -1022
 *   bad signature, -1102 bad parameter, -2010 NEW_ORDER_REJECTED, …): the request was refused
 *   ("4XX return codes are used for malformed requests"). Released.
 * - 401 (-2015 key, IP or permissions) and 403 (the WAF blocked the request before the API saw
 *   it): refused at the door. Released.
 * - 429 (request rate limit, -1003 / -1015) and 418 (IP auto-banned): refused before processing.
 *   Released.
 * - 408, and any answer whose code is -1000 UNKNOWN, -1006 UNEXPECTED_RESP or -1007 TIMEOUT:
 *   "execution status unknown", whatever the HTTP status. Kept.
 * - 409 and any 4xx from cancelReplace: the new order may have been placed although the cancel
 *   failed; released only when `newOrderResult` says it failed or was not attempted.
 * - Any 4xx whose body Keygate cannot read (content-coded although it asked for identity): its
 *   code may be -1007, so it proves nothing. Kept.
 * - 5xx: "It is important to NOT treat this as a failure operation; the execution status is
 *   UNKNOWN and could have been a success." Kept, all of them: a 503 carries "Unknown error, please
 *   check your request or try again later" (sent, no answer in time) as well as "Service
 *   Unavailable." (not sent), and only the message text tells them apart, which Keygate does not
 *   bet the cap on.
 * - No answer at all (timeout, broken connection) once the order was sent: kept.
 */
import { type ErrorCode, KeygateError } from '../../../shared/errors';
import type { VolumeHold } from './order-caps';

/** Binance codes that mean the order may or may not have executed. */
const EXECUTION_UNKNOWN_CODES: ReadonlySet<number> = new Set([-1000, -1006, -1007]);

/** HTTP statuses that say "status unknown" even without a body code. */
const EXECUTION_UNKNOWN_STATUSES: ReadonlySet<number> = new Set([408]);

/** `newOrderResult` values of a cancelReplace that prove the new order is not on the book. */
const NEW_ORDER_NOT_PLACED: ReadonlySet<unknown> = new Set(['FAILURE', 'NOT_ATTEMPTED']);

export interface OrderAnswerVerdict {
  release: boolean;
  /** Why, for the audit line. */
  reason: string;
}

/** Binance's `{"code": -1021, "msg": …}` code, or null when the body is not such a document. */
export function binanceErrorCode(body: unknown): number | null {
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

/** Parses an answer body as JSON; null when it is not JSON (a WAF's HTML page, say). */
export function parseAnswerBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The verdict on Binance's answer to an order placement on `path` (e.g. `/api/v3/order`). */
export function judgeOrderAnswer(path: string, status: number, body: unknown): OrderAnswerVerdict {
  if (status < 400) return { release: false, reason: `HTTP ${status}: accepted` };
  if (status >= 500) return { release: false, reason: `HTTP ${status}: execution status unknown` };
  const code = binanceErrorCode(body);
  if (EXECUTION_UNKNOWN_STATUSES.has(status) || (code !== null && EXECUTION_UNKNOWN_CODES.has(code))) {
    return { release: false, reason: `HTTP ${status}${code === null ? '' : ` (${code})`}: execution status unknown` };
  }
  if (path === '/api/v3/order/cancelReplace' && !cancelReplaceProvesNoNewOrder(body)) {
    return { release: false, reason: `HTTP ${status}: the new order may have been placed` };
  }
  return { release: true, reason: `HTTP ${status}${code === null ? '' : ` (${code})`}: rejected` };
}

/** The verdict on a 4xx whose body is content-coded: unread, it cannot prove the order was refused. */
export function judgeUnreadableOrderAnswer(status: number): OrderAnswerVerdict {
  return { release: false, reason: `HTTP ${status}: compressed answer, execution status unknown` };
}

/**
 * A refused cancelReplace either attempted nothing (a plain error document) or reports, in `data`,
 * what became of the new order; Binance answers 409 when the cancel failed but the order was placed.
 */
function cancelReplaceProvesNoNewOrder(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return true;
  const data = (body as { data?: unknown }).data;
  const report = data === undefined ? body : data;
  if (report === null || typeof report !== 'object') return false;
  const result = (report as { newOrderResult?: unknown }).newOrderResult;
  return result === undefined ? data === undefined : NEW_ORDER_NOT_PLACED.has(result);
}

/** Failures that prove the request never left Keygate: the TLS handshake failed before it was sent. */
const NOTHING_SENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UPSTREAM_CERTIFICATE_INVALID']);

/**
 * Whether an order may have executed although no readable answer came back. Never sent (the clock
 * sync failed, say): it cannot have. Sent, then anything else — a timeout, a broken connection, an
 * answer Keygate refused unread (compressed, a range), the agent hanging up — it may have.
 */
export function mayHaveExecutedWithoutAnswer(sent: boolean, error: unknown): boolean {
  if (!sent) return false;
  return !(error instanceof KeygateError && NOTHING_SENT.has(error.code));
}
/** Gives the reservation back when the verdict allows it, and says which way it went in the audit detail. */
export async function settleReservation(hold: VolumeHold, verdict: OrderAnswerVerdict, detail: Record<string, string | number | boolean | null>): Promise<void> {
  if (hold === null) return;
  if (verdict.release) await hold.release();
  else hold.keep();
  detail.reservationReleased = verdict.release;
  detail.reservationVerdict = verdict.reason;
}

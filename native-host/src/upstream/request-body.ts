/**
 * An agent's request body on its way upstream: streamed with a byte cap, or read whole (capped) when
 * a retry with another key may need it again. The body is any async iterable of bytes, so the HTTP
 * front door and the native bridge feed it the same way. When the agent goes away mid-body the
 * iteration fails; that is the agent leaving (CLIENT_DISCONNECTED), not a broken request.
 */
import { KeygateError } from '../../../shared/errors';

export interface RequestBody extends AsyncIterable<Uint8Array> {
  /**
   * The whole body, capped (REQUEST_TOO_LARGE past `maxBytes`), bytes counted as they arrive: a front
   * door that can read it more cheaply than chunk by chunk through async iterators offers this.
   */
  readWhole?: (maxBytes: number, onBytes: (count: number) => void) => Promise<Buffer>;
}

export function tooLarge(maxBytes: number): KeygateError {
  return new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`);
}

/** Failures while reading: our own errors stay, anything else means the agent's side broke off. */
function readFailure(error: unknown): KeygateError {
  return error instanceof KeygateError ? error : new KeygateError('CLIENT_DISCONNECTED', 'The request body broke off.');
}

/** Passes the body through, failing with REQUEST_TOO_LARGE past `maxBytes`; counts bytes. */
export async function* limitBody(body: RequestBody, maxBytes: number, onBytes: (count: number) => void): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      onBytes(total);
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (error) {
    throw readFailure(error);
  }
}

/** Reads a whole body into memory (to sign it, or to send it with its head in one write), capped. */
export function readBodyCapped(body: RequestBody, maxBytes: number, onBytes: (count: number) => void): Promise<Buffer> {
  return body.readWhole?.(maxBytes, onBytes) ?? collectBody(limitBody(body, maxBytes, onBytes));
}

/** A body (already capped) read whole into one buffer. */
export async function collectBody(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * Bodies up to this size that announce their length are read whole before they are sent: the upstream
 * gets head and body in one write (a typical chat completion is a few KiB), and the wait is one
 * loopback read. Larger or unannounced bodies stream.
 */
export const ONE_WRITE_BODY_BYTES = 64 * 1024;

export function announcesSmallBody(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  if (headers['transfer-encoding'] !== undefined) return false;
  const declared = Number(headers['content-length']);
  return Number.isSafeInteger(declared) && declared <= ONE_WRITE_BODY_BYTES;
}

/**
 * Whether a request has a body to send on. Every method but GET and HEAD does (an empty one is sent
 * as such). A GET does when it announces one (a length above zero, or a transfer-coding): some APIs
 * take their query in a GET body (Elasticsearch's `_search`), and dropping it would have the upstream
 * answer another question than the one asked. A HEAD's body means nothing and is never sent.
 */
export function hasBodyToSend(method: string, headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  if (method === 'HEAD') return false;
  if (method !== 'GET') return true;
  if (headers['transfer-encoding'] !== undefined) return true;
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) && declared > 0;
}

/** A request that announces a body larger than the cap is refused before any of it is read. */
export function declaredLengthExceeds(headers: Readonly<Record<string, string | string[] | undefined>>, maxBytes: number): boolean {
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}

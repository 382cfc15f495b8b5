import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { KeygateError } from '../../../shared/errors';

/** Passes a request body through, failing with REQUEST_TOO_LARGE past `maxBytes`; counts bytes. */
export function limitBody(maxBytes: number, onBytes: (count: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onBytes(total);
      if (total > maxBytes) callback(new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`));
      else callback(null, chunk);
    },
  });
}

/** Reads a whole body into memory (for a request that may be retried with another key), capped. */
export async function readBodyCapped(req: IncomingMessage, maxBytes: number, onBytes: (count: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    onBytes(total);
    if (total > maxBytes) throw new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A request that announces a body larger than the cap is refused before any of it is read. */
export function declaredLengthExceeds(req: IncomingMessage, maxBytes: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}

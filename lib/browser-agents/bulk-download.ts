/**
 * The background's side of the bulk lane: it fetches the loopback URL the host named in `proxy.bulk`
 * and hands the bytes to the agent as `chunk` messages, after the chunks that came over the native
 * port. The agent's credits pace it exactly as they pace the host: at most `window` chunks go out
 * unacknowledged, and past that the background stops reading, so TCP's back-pressure reaches the
 * host, which stops reading the upstream. Bytes are gathered into chunks of up to BRIDGE_CHUNK_BYTES
 * while chunks are on their way (every chunk costs the agent a message whatever its size); a lone
 * piece goes at once, so a server-sent event after a pause is not held back.
 */
import { BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW } from '../../shared/bridge-messages';
import { encodeChunk } from './body-chunks';

/** The background's fetch of a bulk URL (its host permission for http://127.0.0.1/* lets it read the answer). */
export type FetchBulk = (url: string, signal: AbortSignal) => Promise<Response>;

export interface BulkDownloadEvents {
  /** One chunk of base64 for the agent. */
  chunk: (data: string) => void;
  /** Every byte went to the agent. */
  done: () => void;
  /** The stream broke: `opened` says whether the host had started to send it. */
  broke: (opened: boolean) => void;
}

export class BulkDownload {
  private readonly stop = new AbortController();
  private readonly gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  private unacknowledged = 0;
  private readerDone = false;
  private finished = false;
  private wakeReader: (() => void) | null = null;

  constructor(
    url: string,
    fetchBulk: FetchBulk,
    private readonly events: BulkDownloadEvents,
    private readonly window = BRIDGE_CREDIT_WINDOW,
  ) {
    void this.read(url, fetchBulk);
  }

  /** The agent took `chunks` more chunks of this stream. */
  credit(chunks: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - chunks);
    this.pump();
  }

  /** The request ended another way: the fetch is aborted (the host sees its socket close). */
  cancel(): void {
    this.finished = true;
    this.stop.abort();
    this.wakeReader?.();
  }

  private async read(url: string, fetchBulk: FetchBulk): Promise<void> {
    let opened = false;
    try {
      const response = await fetchBulk(url, this.stop.signal);
      if (!response.ok || response.body === null) throw new TypeError(`bulk lane answered ${response.status}`);
      opened = true;
      const reader = response.body.getReader();
      for (;;) {
        // A full chunk waiting for credit: read no further until it went.
        while (this.gatheredBytes >= BRIDGE_CHUNK_BYTES && !this.finished) await new Promise<void>((wake) => (this.wakeReader = wake));
        if (this.finished) return;
        const { done, value } = await reader.read();
        if (done) break;
        this.gathered.push(value);
        this.gatheredBytes += value.length;
        this.pump();
      }
      this.readerDone = true;
      this.pump();
    } catch {
      if (this.finished) return;
      this.finished = true;
      this.events.broke(opened);
    }
  }

  private pump(): void {
    if (this.finished) return;
    while (this.gatheredBytes > 0 && this.unacknowledged < this.window) {
      if (this.unacknowledged > 0 && this.gatheredBytes < BRIDGE_CHUNK_BYTES && !this.readerDone) break;
      this.unacknowledged += 1;
      this.events.chunk(encodeChunk(this.takeChunk()));
    }
    if (this.gatheredBytes < BRIDGE_CHUNK_BYTES) {
      const wake = this.wakeReader;
      this.wakeReader = null;
      wake?.();
    }
    if (this.readerDone && this.gatheredBytes === 0) {
      this.finished = true;
      this.events.done();
    }
  }

  private takeChunk(): Uint8Array {
    const chunk = new Uint8Array(Math.min(this.gatheredBytes, BRIDGE_CHUNK_BYTES));
    let size = 0;
    while (size < chunk.length) {
      const first = this.gathered[0]!;
      const room = chunk.length - size;
      if (first.length <= room) {
        chunk.set(first, size);
        this.gathered.shift();
        size += first.length;
      } else {
        chunk.set(first.subarray(0, room), size);
        this.gathered[0] = first.subarray(room);
        size += room;
      }
    }
    this.gatheredBytes -= size;
    return chunk;
  }
}

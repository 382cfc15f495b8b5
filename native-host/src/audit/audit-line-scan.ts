/**
 * Reads an audit file backwards, newest line first, in large blocks, without parsing lines a filter
 * can rule out from their bytes. A 60 MB log is about 200,000 lines: parsing each would cost far
 * more than the 200 ms an Activity page may take, while searching the raw bytes for a field
 * (`"agent":"…"`, written by one formatter in one key order) is a native memory search.
 */
import type { FileHandle } from 'node:fs/promises';

/** A first page needs a few KB; a scan of the whole log is cheaper in few large reads: blocks double. */
const FIRST_BLOCK_BYTES = 64 * 1024;
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;
/** Every line starts `{"time":"` and an ISO time of this length (audit-record.ts writes `time` first). */
const TIME_PREFIX = Buffer.from('{"time":"');
const ISO_LENGTH = 24;

export interface LineVisit {
  /** The line without its newline; valid during the callback only (the block's buffer is reused). */
  bytes: Buffer;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
}

/** What the scan does after a line: go on, or stop the whole scan (the caller has what it needs). */
export type LineVerdict = 'continue' | 'stop';

export interface LineScan {
  /** Only lines containing these bytes reach `visit`; the first drives the search. */
  needles: readonly Buffer[];
  /** Called for each candidate line, newest first. */
  visit: (line: LineVisit) => LineVerdict;
  /**
   * Called with the oldest line of each block once the block is done; 'stop' ends the scan (e.g. the
   * line finished before the window began, so every older line did too).
   */
  afterBlock?: (oldest: LineVisit) => LineVerdict;
}

/** Scans the whole lines of [0, end), last first. Resolves to 'stop' when a callback stopped it. */
export async function scanLinesBackwards(handle: FileHandle, end: number, scan: LineScan): Promise<LineVerdict> {
  let position = end;
  let blockBytes = FIRST_BLOCK_BYTES;
  let newest = true;
  // One buffer for every block: callbacks use a line before the next block is read, never after.
  let space = Buffer.allocUnsafe(Math.min(blockBytes, end));
  while (position > 0) {
    const start = Math.max(0, position - blockBytes);
    if (space.length < position - start) space = Buffer.allocUnsafe(position - start);
    const buffer = space.subarray(0, position - start);
    await readFully(handle, buffer, start);
    // A block starts at the first whole line in it; the part before belongs to the next block.
    const firstLine = start === 0 ? 0 : buffer.indexOf(NEWLINE) + 1;
    if (firstLine === 0 && start > 0) {
      // One line longer than the block: read a larger one.
      blockBytes *= 2;
      continue;
    }
    let lines = buffer.subarray(firstLine);
    // The newest line may still be being written: only lines ending in a newline are whole.
    if (newest) lines = lines.subarray(0, lines.lastIndexOf(NEWLINE) + 1);
    newest = false;
    if (scanBlock(lines, start + firstLine, scan) === 'stop') return 'stop';
    if (lines.length > 0 && scan.afterBlock !== undefined) {
      const oldestEnd = lines.indexOf(NEWLINE);
      if (scan.afterBlock({ bytes: lines.subarray(0, oldestEnd), offset: start + firstLine }) === 'stop') return 'stop';
    }
    position = start + firstLine;
    blockBytes = Math.max(blockBytes, Math.min(blockBytes * 2, MAX_BLOCK_BYTES));
  }
  return 'continue';
}

/** The ISO time a line starts with, read from its bytes; null for a line not written by formatAuditLine. */
export function lineTime(bytes: Buffer): string | null {
  if (bytes.length < TIME_PREFIX.length + ISO_LENGTH || !bytes.subarray(0, TIME_PREFIX.length).equals(TIME_PREFIX)) return null;
  return bytes.toString('latin1', TIME_PREFIX.length, TIME_PREFIX.length + ISO_LENGTH);
}

/** `lines` holds whole lines, each ending in a newline; `base` is its offset in the file. */
function scanBlock(lines: Buffer, base: number, scan: LineScan): LineVerdict {
  const [driver, ...others] = scan.needles;
  // `end` is the offset just past the newline of the newest line not yet looked at.
  let end = lines.length;
  while (end > 0) {
    let lineStart: number;
    let lineEnd: number;
    if (driver === undefined) {
      lineEnd = end - 1;
      lineStart = lineEnd === 0 ? 0 : lines.lastIndexOf(NEWLINE, lineEnd - 1) + 1;
    } else {
      const from = end - 1 - driver.length;
      // A negative offset would count from the buffer's end.
      const hit = from < 0 ? -1 : lines.lastIndexOf(driver, from);
      if (hit === -1) return 'continue';
      lineStart = hit === 0 ? 0 : lines.lastIndexOf(NEWLINE, hit - 1) + 1;
      lineEnd = lines.indexOf(NEWLINE, hit);
    }
    const bytes = lines.subarray(lineStart, lineEnd);
    end = lineStart;
    if (!others.every((needle) => bytes.includes(needle))) continue;
    if (scan.visit({ bytes, offset: base + lineStart }) === 'stop') return 'stop';
  }
  return 'continue';
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let read = 0;
  while (read < buffer.length) {
    const { bytesRead } = await handle.read(buffer, read, buffer.length - read, position + read);
    if (bytesRead === 0) throw new Error('the audit file shrank while being read');
    read += bytesRead;
  }
}

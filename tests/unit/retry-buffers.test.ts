import { describe, expect, it } from 'vitest';
import { RetryBuffers } from '../../native-host/src/proxy/retry-buffers';

async function* bodyOf(...sizes: number[]): AsyncGenerator<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size).fill(size);
}

describe('retry buffers: one budget for the bodies held in memory', () => {
  it('holds a body that fits, and gives its bytes back on release', async () => {
    const buffers = new RetryBuffers(() => 100);
    const held = await buffers.hold(bodyOf(30, 30));
    expect(held.kind).toBe('held');
    expect(buffers.held).toBe(60);
    held.release();
    expect(buffers.held).toBe(0);
  });

  it('a body that stops fitting keeps its read bytes counted until each has been passed on, so another request cannot take the budget while they still sit in memory', async () => {
    const buffers = new RetryBuffers(() => 100);
    const first = await buffers.hold(bodyOf(40, 40, 40, 10));
    expect(first.kind).toBe('streaming');
    expect(buffers.held).toBe(80);
    // A second request meets a budget that still counts the first one's unsent bytes.
    const second = await buffers.hold(bodyOf(30));
    expect(second.kind).toBe('streaming');
    if (first.kind !== 'streaming') throw new Error('unreachable');
    const sent: number[] = [];
    const counts: number[] = [];
    for await (const chunk of first.body) {
      sent.push(chunk.length);
      counts.push(buffers.held);
    }
    expect(sent).toEqual([40, 40, 40, 10]);
    // Each read chunk is given back once the next one is asked for (the one before was sent).
    expect(counts).toEqual([80, 40, 0, 0]);
    expect(buffers.held).toBe(0);
    second.release();
    expect(buffers.held).toBe(0);
  });

  it('a streaming body never read (the request failed first) gives its bytes back on release, once', async () => {
    const buffers = new RetryBuffers(() => 50);
    const unread = await buffers.hold(bodyOf(30, 30));
    expect(unread.kind).toBe('streaming');
    expect(buffers.held).toBe(30);
    unread.release();
    unread.release();
    expect(buffers.held).toBe(0);
    const next = await buffers.hold(bodyOf(50));
    expect(next.kind).toBe('held');
  });
});

import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { BodyDeadlines, SWEEP_MS } from '../../native-host/src/http/body-deadlines';
import { httpRequestBody } from '../../native-host/src/http/http-request-body';
import { manualTime } from '../support/manual-time';

describe('BodyDeadlines', () => {
  it('tells a late read once, after its deadline and within one sweep of it, never before', () => {
    const time = manualTime();
    const deadlines = new BodyDeadlines(time.now, time.timers);
    const lateAt: number[] = [];
    deadlines.watch({ at: 1_000, late: () => lateAt.push(time.now()) });
    time.advance(999);
    expect(lateAt).toEqual([]);
    time.advance(SWEEP_MS);
    expect(lateAt).toHaveLength(1);
    expect(lateAt[0]).toBeGreaterThanOrEqual(1_000);
    expect(lateAt[0]).toBeLessThanOrEqual(1_000 + SWEEP_MS);
    time.advance(10_000);
    expect(lateAt).toHaveLength(1);
  });

  it('never tells a read that ended in time, and stops sweeping once nothing waits', () => {
    const time = manualTime();
    const deadlines = new BodyDeadlines(time.now, time.timers);
    let late = 0;
    const met = { at: 500, late: () => (late += 1) };
    const slow = { at: 300, late: () => (late += 1) };
    deadlines.watch(met);
    deadlines.watch(slow);
    time.advance(200);
    deadlines.met(met);
    time.advance(1_000);
    expect(late).toBe(1);
    expect(time.pending()).toBe(0);
  });

  it('arms one timer per sweep, not one per read: a thousand reads met at once cost one', () => {
    const time = manualTime();
    const deadlines = new BodyDeadlines(time.now, time.timers);
    for (let read = 0; read < 1_000; read++) {
      const deadline = { at: 60_000, late: () => expect.unreachable('a met read was told it is late') };
      deadlines.watch(deadline);
      deadlines.met(deadline);
    }
    expect(time.armed()).toBe(1);
    time.advance(SWEEP_MS);
    expect(time.pending()).toBe(0);
  });
});

describe('an HTTP body read whole within its deadline', () => {
  /** A server whose one request's body is read with `httpRequestBody`; the client sends the head and part of the body. */
  async function slowUpload(timeoutMs: number) {
    const reading: { body: Promise<Buffer> | null } = { body: null };
    const server = createServer((req) => {
      reading.body = httpRequestBody(req, Date.now() + timeoutMs, Date.now, new BodyDeadlines()).readWhole!(1_000, () => undefined);
      reading.body.catch(() => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    while (reading.body === null) await new Promise((resolve) => setTimeout(resolve, 5));
    const settled = { value: null as Buffer | Error | null };
    reading.body.then((body) => (settled.value = body), (error: Error) => (settled.value = error));
    return { settled, finish: () => socket.write('defghij'), close: () => (socket.destroy(), server.close()) };
  }

  it('is not cut when the wall clock is set forward: the wait is on a monotonic clock', async () => {
    const realNow = Date.now;
    let setForward = 0;
    const wallClock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + setForward);
    const upload = await slowUpload(5_000);
    setForward = 3_600_000;
    try {
      await new Promise((resolve) => setTimeout(resolve, 3 * SWEEP_MS));
      expect(upload.settled.value).toBeNull();
      upload.finish();
      for (let tries = 0; upload.settled.value === null && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(upload.settled.value).toEqual(Buffer.from('abcdefghij'));
    } finally {
      wallClock.mockRestore();
      upload.close();
    }
  });

  it('is cut with REQUEST_TIMEOUT once its deadline has passed', async () => {
    const upload = await slowUpload(200);
    try {
      for (let tries = 0; upload.settled.value === null && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(upload.settled.value).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    } finally {
      upload.close();
    }
  });
});

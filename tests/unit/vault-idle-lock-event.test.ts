import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameDecoder } from '../../native-host/src/native/frame-decoder';
import { lengthPrefixed } from '../../native-host/src/native/frame-encoder';
import { runNativeHost } from '../../native-host/src/native/run-native-host';
import { DEFAULT_EXTENSION_ID } from '../../shared/identity';
import { validateHostFrame } from '../../shared/protocol';
import { bytesToBase64 } from '../../shared/vault/base64';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { newRecordId } from '../../shared/vault/format';

// Only the clock and timers are faked: the streams still need real ticks and microtasks.
beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => void vi.useRealTimers());

/** The host as the browser starts it, over in-memory pipes, with the frames it writes decoded as they come. */
function hostOverPipes(dataDir: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  const frames: unknown[] = [];
  const logs: string[] = [];
  const decoder = new FrameDecoder();
  output.on('data', (chunk: Buffer) => {
    for (const item of decoder.push(chunk)) if (item.kind === 'frame') frames.push(validateHostFrame(JSON.parse(item.body.toString('utf8'))));
  });
  const exitCode = runNativeHost({
    browserArgs: [`chrome-extension://${DEFAULT_EXTENSION_ID}/`],
    env: { KEYGATE_DATA_DIR: dataDir },
    input,
    output,
    log: (line) => logs.push(line),
  });
  const send = (message: object) => input.write(lengthPrefixed(Buffer.from(JSON.stringify(message), 'utf8')));
  return { input, frames, logs, exitCode, send };
}

async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Real file I/O (the audit log opening) finishes in its own time; timers here are fake. Bounded by
 * real time (performance.now is not faked), not by a count of ticks: on a loaded CI machine the file
 * system takes longer than any fixed number of ticks.
 */
async function settleUntil(done: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!done() && performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'keygate-idle-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the native host locks an idle vault on its own', () => {
  it('wipes after the idle time and tells the extension with a vault.locked event', async () => {
    const host = hostOverPipes(dataDir);
    const dataKey = generateDataKey();
    const id = newRecordId();
    const record = {
      id,
      service: 'openai',
      name: 'Idle key',
      kind: 'api_key',
      createdAt: 1_700_000_000_000,
      lastUsedAt: null,
      sealed: sealSecret(dataKey, id, new TextEncoder().encode('sk-test-FAKE-0001')),
    };
    host.send({ id: 1, type: 'vault.unlock', dataKey: bytesToBase64(dataKey), formatVersion: 1, credentials: [record], idleLockMinutes: 1 });
    await settleUntil(() => host.frames.length > 0);
    expect(host.frames).toEqual([{ id: 1, ok: true, result: { credentials: [{ id, ok: true }] } }]);

    vi.advanceTimersByTime(59_999);
    await settle();
    expect(host.frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await settle();
    expect(host.frames[1]).toEqual({ type: 'event', event: 'vault.locked', reason: 'idle' });

    host.send({ id: 2, type: 'status' });
    await settle();
    expect(host.frames[2]).toMatchObject({ id: 2, result: { vault: { state: 'locked', credentialCount: 0 } } });

    host.input.end();
    expect(await host.exitCode).toBe(0);
    expect(host.logs).toEqual(['keygate-host: vault locked (idle).']);
  });
});

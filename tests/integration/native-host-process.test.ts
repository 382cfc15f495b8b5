import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { joinChunkData } from '../../shared/chunks';
import { DEFAULT_EXTENSION_ID, KEYGATE_VERSION } from '../../shared/identity';
import type { ChunkFrame } from '../../shared/protocol';
import { type HostProcess, requireHostBundle, startHost } from './host-process';

const run = promisify(execFile);
const ORIGIN = `chrome-extension://${DEFAULT_EXTENSION_ID}/`;
let bundle: string;
let host: HostProcess | undefined;
const temps: string[] = [];

beforeAll(() => {
  bundle = requireHostBundle();
});

afterEach(async () => {
  host?.child.kill('SIGKILL');
  host = undefined;
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-host-it-'));
  temps.push(dir);
  return dir;
}

describe('keygate-host as the browser starts it', () => {
  it('answers hello and status, then exits cleanly when stdin closes', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    host.send({ id: 1, type: 'hello', extensionVersion: '0.1.0' });
    const hello = await host.nextFrame();
    expect(hello).toEqual({ id: 1, ok: true, result: { version: KEYGATE_VERSION, capabilities: expect.arrayContaining(['hello', 'status']), pid: host.child.pid } });

    host.send({ id: 'two', type: 'status' });
    expect(await host.nextFrame()).toMatchObject({ id: 'two', ok: true, result: { version: KEYGATE_VERSION, caller: DEFAULT_EXTENSION_ID } });

    host.child.stdin.end();
    expect(await host.exited).toBe(0);
  });

  it('keeps serving after malformed, unknown and oversized frames', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(3, 0);
    host.sendRaw(Buffer.concat([header, Buffer.from('{x}')]));
    expect(await host.nextFrame()).toMatchObject({ id: null, ok: false, error: { code: 'FRAME_MALFORMED' } });

    host.send({ id: 2, type: 'vault.explode' });
    expect(await host.nextFrame()).toMatchObject({ id: 2, ok: false, error: { code: 'MESSAGE_TYPE_UNKNOWN' } });

    const huge = Buffer.alloc(9 * 1024 * 1024, 0x20);
    host.send({ id: 3, type: 'ping', pad: huge.toString('latin1') });
    expect(await host.nextFrame()).toMatchObject({ id: null, ok: false, error: { code: 'FRAME_TOO_LARGE' } });

    host.send({ id: 4, type: 'ping' });
    expect(await host.nextFrame()).toMatchObject({ id: 4, ok: true });
    expect(host.child.exitCode).toBeNull();
  });

  it('splits a 3 MB reply into chunk frames under Chromium’s 1 MB limit', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    host.send({ id: 7, type: 'diagnostics.payload', bytes: 3_000_000 });
    const first = (await host.nextFrame()) as unknown as ChunkFrame;
    expect(first.type).toBe('chunk');
    const chunks = [first];
    while (chunks.length < first.count) chunks.push((await host.nextFrame()) as unknown as ChunkFrame);
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThan(1_000_000);
    const reply = JSON.parse(joinChunkData(chunks));
    expect(reply.id).toBe(7);
    expect(reply.result.data).toHaveLength(3_000_000);
  });

  it('refuses a caller it was not installed for, with a reason the extension can show', async () => {
    host = startHost(process.execPath, [bundle, 'native', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/']);
    expect(await host.nextFrame()).toMatchObject({ type: 'event', event: 'fatal', error: { code: 'CALLER_NOT_ALLOWED' } });
    expect(await host.exited).toBe(1);
  });

  it('writes nothing but frames to stdout', async () => {
    host = startHost(process.execPath, [bundle, 'native', ORIGIN]);
    host.send({ id: 1, type: 'hello', extensionVersion: 'x' });
    host.sendRaw(Buffer.from([5, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b]));
    host.send({ id: 2, type: 'ping' });
    await host.nextFrame((frame) => frame.id === 2);
    host.child.stdin.end();
    await host.exited;
    // Every byte of stdout was consumed as a well-formed frame by the decoder.
    expect(host.frames.every((frame) => typeof frame === 'object' && frame !== null && !('oversizedFromHost' in frame))).toBe(true);
    expect(host.frames).toHaveLength(3);
    expect(host.stderr()).toContain('FRAME_MALFORMED');
  });
});

describe('keygate-host install, doctor and the wrapper', () => {
  it('registers the host in a profile folder; the wrapper runs with an empty environment; doctor approves', async () => {
    const root = await tempDir();
    const manifestDir = join(root, 'profile', 'NativeMessagingHosts');
    const dataDir = join(root, 'data');
    const installed = await run(process.execPath, [bundle, 'install', '--browser', 'chromium', '--manifest-dir', manifestDir, '--data-dir', dataDir]);
    expect(installed.stdout).toContain(`wrote ${join(manifestDir, 'dev.keygate.host.json')}`);

    const manifestPath = join(manifestDir, 'dev.keygate.host.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    expect(manifest).toMatchObject({ name: 'dev.keygate.host', type: 'stdio', allowed_origins: [ORIGIN] });
    expect((await stat(manifestPath)).mode & 0o777).toBe(0o644);

    host = startHost(manifest.path, [ORIGIN], {});
    host.send({ id: 1, type: 'hello', extensionVersion: '0.1.0' });
    expect(await host.nextFrame()).toMatchObject({ id: 1, ok: true, result: { version: KEYGATE_VERSION } });

    const doctor = await run(process.execPath, [bundle, 'doctor', '--browser', 'chromium', '--manifest-dir', manifestDir, '--data-dir', dataDir]);
    expect(doctor.stdout).toContain(KEYGATE_VERSION);
    expect(doctor.stdout).not.toContain('✘');
  });

  it('doctor fails with a next step when nothing is installed', async () => {
    const root = await tempDir();
    const failure = await run(process.execPath, [bundle, 'doctor', '--browser', 'chromium', '--manifest-dir', join(root, 'none'), '--data-dir', root]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect('code' in failure && failure.code).toBe(1);
    expect(failure.stdout).toContain('keygate-host install');
  });

  it('rejects a bad extension id and writes nothing', async () => {
    const root = await tempDir();
    const failure = await run(process.execPath, [bundle, 'install', '--browser', 'chromium', '--manifest-dir', join(root, 'm'), '--data-dir', join(root, 'd'), '--extension-id', 'NOT-AN-ID']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect('code' in failure && failure.code).toBe(2);
    await expect(stat(join(root, 'm'))).rejects.toThrow();
    await expect(stat(join(root, 'd'))).rejects.toThrow();
  });
});

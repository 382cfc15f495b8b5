/**
 * Starts an installed host the way a browser would and asks it `hello`. Frames go through the
 * host's own codec (frame-encoder, frame-decoder, shared/protocol), so the probe can only pass when
 * the host speaks the protocol the extension expects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CHUNK_THRESHOLD_BYTES, parseJsonSafely, type Request, validateHostFrame } from '../../../shared/protocol';
import { isPlainObject } from '../../../shared/validate';
import { FrameDecoder } from '../native/frame-decoder';
import { lengthPrefixed } from '../native/frame-encoder';
import type { PathContext } from './browser-locations';

export type HostProbeResult = { ok: true; version: string } | { ok: false; reason: string };

const HELLO: Request<'hello'> = { id: 1, type: 'hello', extensionVersion: 'doctor' };

/** What one frame says about the hello: null for events and chunks, which may come before the reply. */
function helloVerdict(body: Buffer): HostProbeResult | null {
  const text = body.toString('utf8');
  let frame;
  try {
    frame = validateHostFrame(parseJsonSafely(text));
  } catch {
    frame = null;
  }
  if (frame === null) return { ok: false, reason: `it sent a frame that is not valid JSON protocol: ${text.slice(0, 120)}` };
  if ('type' in frame || frame.id !== HELLO.id) return null;
  if (!frame.ok) return { ok: false, reason: `it answered ${frame.error.code}: ${frame.error.message}` };
  const version = isPlainObject(frame.result) ? frame.result.version : undefined;
  return typeof version === 'string' ? { ok: true, version } : { ok: false, reason: 'its hello reply has no version' };
}

/** Feeds the host's stdout through a decoder; each call returns the hello verdict, or null while it is still to come. */
function helloReplyReader(): (stdout: Buffer) => HostProbeResult | null {
  // No host→browser frame may exceed the chunk threshold, so a larger length means stdout carries text.
  const decoder = new FrameDecoder(CHUNK_THRESHOLD_BYTES);
  // The bytes since the last whole frame, to quote when the next "frame" turns out to be text.
  let sinceLastFrame = Buffer.alloc(0);
  return (stdout) => {
    sinceLastFrame = Buffer.concat([sinceLastFrame, stdout]);
    for (const frame of decoder.push(stdout)) {
      if (frame.kind === 'oversized') {
        const start = JSON.stringify(sinceLastFrame.subarray(0, 24).toString('latin1'));
        return { ok: false, reason: `its stdout is not a frame (starts ${start}); the host must log to stderr only` };
      }
      sinceLastFrame = sinceLastFrame.subarray(4 + frame.body.length); // the uint32 length header, then the body
      const verdict = helloVerdict(frame.body);
      if (verdict !== null) return verdict;
    }
    return null;
  };
}

function startHostLikeABrowser(hostPath: string, args: readonly string[], options: PathContext): ChildProcess {
  if (options.platform !== 'win32') {
    // A bare PATH, so a wrapper that relies on the user's shell setup (nvm, Homebrew) fails here too.
    return spawn(hostPath, args, { env: { PATH: '/usr/bin:/bin', HOME: options.home }, stdio: 'pipe' });
  }
  // Node refuses to spawn .bat files directly (CVE-2024-27980); Chrome also goes through cmd.exe.
  const line = [hostPath, ...args].map((word) => `"${word}"`).join(' ');
  return spawn(options.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `"${line}"`], {
    env: { ...options.env },
    stdio: 'pipe',
    windowsVerbatimArguments: true,
  });
}

/** Starts the host as a browser would, sends one hello frame and waits for the reply. */
export function probeHost(hostPath: string, args: readonly string[], options: PathContext & { timeoutMs: number }): Promise<HostProbeResult> {
  return new Promise((resolve) => {
    const child = startHostLikeABrowser(hostPath, args, options);
    const readHelloReply = helloReplyReader();
    let stderr = '';
    let settled = false;
    const finish = (result: HostProbeResult): void => {
      if (settled) return; // the kill below fires 'close' too
      settled = true;
      clearTimeout(timer);
      child.stdin?.destroy();
      child.kill();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `it did not answer within ${options.timeoutMs / 1000} s` }), options.timeoutMs);
    child.on('error', (error) => finish({ ok: false, reason: `it could not be started: ${error.message}` }));
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-300)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const verdict = readHelloReply(chunk);
      if (verdict !== null) finish(verdict);
    });
    child.on('close', (code, signal) => {
      const said = stderr.trim() ? `; stderr: ${stderr.trim()}` : '';
      finish({ ok: false, reason: `it exited (${code ?? signal}) before answering${said}` });
    });
    child.stdin?.on('error', () => undefined); // EPIPE when the host exits before reading
    child.stdin?.write(lengthPrefixed(Buffer.from(JSON.stringify(HELLO), 'utf8')));
  });
}

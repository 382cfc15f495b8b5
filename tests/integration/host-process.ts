/** Runs the built keygate-host as a browser would and speaks frames to it. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FrameDecoder } from '../../native-host/src/native/frame-decoder';
import { lengthPrefixed } from '../../native-host/src/native/frame-encoder';
import { HOST_BUNDLE_PATH } from '../../scripts/paths';

export interface HostProcess {
  child: ChildProcessWithoutNullStreams;
  frames: unknown[];
  stderr: () => string;
  send: (message: unknown) => void;
  sendRaw: (bytes: Buffer) => void;
  nextFrame: (predicate?: (frame: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** Every frame from now on, as it arrives (for a HostLink speaking to this host, as the browser's port would). */
  onFrame: (listener: (frame: unknown) => void) => void;
  exited: Promise<number | null>;
}

export function requireHostBundle(): string {
  if (!existsSync(HOST_BUNDLE_PATH)) throw new Error(`${HOST_BUNDLE_PATH} is missing: run \`npm run build\` first (npm test does).`);
  return HOST_BUNDLE_PATH;
}

export function startHost(command: string, args: readonly string[], env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' }): HostProcess {
  const child = spawn(command, args, { env, stdio: 'pipe' });
  const decoder = new FrameDecoder(64 * 1024 * 1024);
  const frames: unknown[] = [];
  let consumed = 0;
  let stderr = '';
  const waiters = new Set<() => void>();
  const frameListeners: Array<(frame: unknown) => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    for (const decoded of decoder.push(chunk)) {
      if (decoded.kind === 'frame') frames.push(JSON.parse(decoded.body.toString('utf8')));
      else frames.push({ oversizedFromHost: decoded.declaredBytes });
      for (const listener of frameListeners) listener(frames.at(-1));
    }
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const nextFrame: HostProcess['nextFrame'] = (predicate = () => true, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`No matching frame within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      function check() {
        while (consumed < frames.length) {
          const frame = frames[consumed++] as Record<string, unknown>;
          if (predicate(frame)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(frame);
            return;
          }
        }
      }
      waiters.add(check);
      check();
    });

  return {
    child,
    frames,
    stderr: () => stderr,
    send: (message) => child.stdin.write(lengthPrefixed(Buffer.from(JSON.stringify(message), 'utf8'))),
    sendRaw: (bytes) => child.stdin.write(bytes),
    nextFrame,
    onFrame: (listener) => void frameListeners.push(listener),
    exited,
  };
}

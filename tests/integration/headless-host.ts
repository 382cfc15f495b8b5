/**
 * Runs the built keygate-host's headless commands as a shell would: arguments, environment, stdin
 * in; exit code, stdout and stderr out. No terminal is attached, so the password comes from
 * KEYGATE_PASSWORD and a prompt is refused.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { requireHostBundle } from './host-process';

/** Strong enough for the popup's rule; obviously a test password. */
export const TEST_PASSWORD = 'correct horse battery staple 42';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/bin:/bin', KEYGATE_PASSWORD: TEST_PASSWORD, ...extra };
}

function spawnHost(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [requireHostBundle(), ...args], { env, stdio: 'pipe' });
}

export function runHostCommand(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  const child = spawnHost(args, options.env ?? hostEnv());
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line, or rejects when the process exits before writing one. */
  firstLine: Promise<string>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function startServe(args: readonly string[], env: NodeJS.ProcessEnv = hostEnv()): ServeProcess {
  const child = spawnHost(['serve', ...args], env);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before its first line; stderr: ${stderr}`)));
  });
  // A test that expects no line (a refused start) need not await it.
  firstLine.catch(() => undefined);
  child.stdin.end();
  return { child, firstLine, stdout: () => stdout, stderr: () => stderr, exited };
}

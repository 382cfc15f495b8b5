/** Starts one of the benchmark's helper servers (mock upstream, relay, pass-through) as its own process. */
import { type ChildProcess, fork } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcess;
  origin: string;
  stop: () => Promise<void>;
}

/** Forks `script`, which reports its port over IPC; rejects if it exits first. */
export async function startServerProcess(script: string, args: string[] = []): Promise<ServerProcess> {
  // fork() reuses this process's execArgv, so under tsx the child loads TypeScript too.
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    origin: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export const MOCK_UPSTREAM_SERVER = new URL('./mock-upstream-server.ts', import.meta.url);

/** Starts the benchmark's helper servers (mock upstream, relay, pass-through) as processes of their own, and stops them. */
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
  return listeningProcess(child, port);
}

/** A started child listening on 127.0.0.1:`port`; `stop` sends SIGTERM and waits for the exit. */
export function listeningProcess(child: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
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

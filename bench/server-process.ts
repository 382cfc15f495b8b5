/** Starts the benchmark's helper servers (mock upstream, relay, pass-through) as processes of their own, and stops them. */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface ServerProcess {
  child: ChildProcess;
  origin: string;
  stop: () => Promise<void>;
}

/** Forks `script`, which reports its port over IPC; rejects if it exits first. */
export async function startServerProcess(script: string, args: string[] = [], execArgv?: string[]): Promise<ServerProcess> {
  // fork() reuses this process's execArgv unless told otherwise, so under tsx the child loads TypeScript too.
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
  });
  return listeningProcess(child, port);
}

/**
 * `script` bundled into plain JavaScript in `outDir` and run by node alone, as Keygate's host runs:
 * for an arm whose CPU and memory are read. Under tsx the child would carry the TypeScript loader,
 * which makes it start ~30 MiB larger (so its growth under load reads smaller than it is).
 */
export async function startBundledServerProcess(script: string, args: string[], outDir: string): Promise<ServerProcess> {
  const outfile = join(outDir, `${script.replace(/^.*\//, '').replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [script],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return startServerProcess(outfile, args, []);
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

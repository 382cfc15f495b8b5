/**
 * Windows browsers find a native host through an HKCU registry key whose default value names the
 * manifest file. Keygate edits those keys with `reg`, run through a replaceable command runner so
 * tests on any platform can see the exact invocations.
 */
import { execFile } from 'node:child_process';
import type { ManifestLocation } from './browser-locations';

export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandOutcome>;

export type RegistryCommand = readonly ['reg', string, string, ...string[]];

/** The `reg` invocations that register, unregister or read each location's key (Windows only). */
export function windowsRegistryCommands(
  action: 'add' | 'delete' | 'query',
  locations: readonly ManifestLocation[],
): RegistryCommand[] {
  return locations.flatMap(({ registryKey: key, manifestPath }): RegistryCommand[] => {
    if (key === undefined) return [];
    if (action === 'add') return [['reg', 'add', key, '/ve', '/t', 'REG_SZ', '/d', manifestPath, '/f']];
    if (action === 'delete') return [['reg', 'delete', key, '/f']];
    return [['reg', 'query', key, '/ve']];
  });
}

const runWithExecFile: CommandRunner = (command, args) =>
  new Promise((resolve) => {
    execFile(command, [...args], { windowsHide: true }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ exitCode, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });

/** Runs one `reg` command with the caller's runner, else {@link runWithExecFile}. */
export function runRegistryCommand(options: { runCommand?: CommandRunner }, argv: RegistryCommand): Promise<CommandOutcome> {
  const [command, ...args] = argv;
  return (options.runCommand ?? runWithExecFile)(command, args);
}

/**
 * The headless command groups (`vault`, `agent`, `serve`) behind one entry: subcommand lookup,
 * process wiring (stdin, stdout, stderr, signals) and one way of reporting a failure.
 */
import { AGENT_COMMANDS } from './agent-commands';
import { type CommandIo, describeFailure, exitCodeOf, usageError } from './command-io';
import { serve } from './serve-command';
import { listenForServeSignals } from './serve-signals';
import { VAULT_COMMANDS } from './vault-commands';

export type HeadlessGroup = 'vault' | 'agent' | 'serve';

const GROUPS: Readonly<Record<Exclude<HeadlessGroup, 'serve'>, Readonly<Record<string, (args: readonly string[], io: CommandIo) => Promise<void>>>>> = {
  vault: VAULT_COMMANDS,
  agent: AGENT_COMMANDS,
};

function processIo(): CommandIo {
  return {
    env: process.env,
    stdin: process.stdin,
    print: (line) => process.stdout.write(`${line}\n`),
    say: (line) => process.stderr.write(`${line}\n`),
  };
}

/** Runs `keygate-host GROUP [SUBCOMMAND] ARGS…`; resolves to the exit code, failures said on stderr. */
export async function runHeadlessCommand(group: HeadlessGroup, args: readonly string[], usage: string): Promise<number> {
  const io = processIo();
  const [subcommand = '', ...rest] = args;
  const label = group === 'serve' ? 'keygate-host serve' : `keygate-host ${group} ${subcommand}`.trimEnd();
  try {
    if (group === 'serve') {
      await serve(args, io, listenForServeSignals);
      return 0;
    }
    const commands = GROUPS[group];
    const run = Object.hasOwn(commands, subcommand) ? commands[subcommand] : undefined;
    if (run === undefined) throw usageError(`expected one of: ${Object.keys(commands).join(', ')}.\n\n${usage}`);
    await run(rest, io);
    return 0;
  } catch (error) {
    io.say(`${label}: ${describeFailure(error)}`);
    return exitCodeOf(error);
  }
}

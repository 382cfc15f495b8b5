import { KEYGATE_VERSION } from '../../../shared/identity';
import { enterCallerDirectory } from './caller-directory';
import { helpFor, USAGE, wantsHelp } from './command-help';
import { runHeadlessCommand } from '../headless/headless-cli';
import { runNativeHost } from '../native/run-native-host';
import { runInstallCommand } from './install-commands';

/** A browser that starts the host directly (not through the wrapper) passes its caller first. */
function isBrowserInvocation(args: readonly string[]): boolean {
  const [first] = args;
  return first !== undefined && (first.startsWith('chrome-extension://') || first.endsWith('.json'));
}

/** Dispatches a command line; resolves to the exit code. */
export async function runCli(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'native' || isBrowserInvocation(args)) {
    // stdout belongs to the browser: anything but a frame there breaks the port.
    console.log = console.info = console.debug = console.error;
    return runNativeHost({
      browserArgs: command === 'native' ? rest : args,
      env: process.env,
      input: process.stdin,
      output: process.stdout,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  }
  enterCallerDirectory(process.env);
  if (command !== undefined && wantsHelp(rest)) {
    console.log(helpFor(args));
    return 0;
  }
  switch (command) {
    case 'install':
    case 'uninstall':
    case 'doctor':
      return runInstallCommand(command, rest);
    case 'vault':
    case 'agent':
    case 'serve':
      return runHeadlessCommand(command, rest, USAGE);
    case '--version':
    case 'version':
      console.log(KEYGATE_VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`keygate-host: unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

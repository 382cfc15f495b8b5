import { KEYGATE_VERSION } from '../../../shared/identity';
import { runInstallCommand } from './install-commands';
import { runNativeHost } from '../native/run-native-host';

export const USAGE = `keygate-host ${KEYGATE_VERSION}

Usage:
  keygate-host install   [--browser chrome|chromium|edge|brave|firefox|all] [--extension-id ID]...
                         [--manifest-dir DIR] [--data-dir DIR]
  keygate-host uninstall [--browser ...|all] [--manifest-dir DIR] [--data-dir DIR]
  keygate-host doctor    [--browser ...|all] [--extension-id ID]... [--manifest-dir DIR] [--data-dir DIR]
  keygate-host native    ARGS...   (what the browser runs, through the installed wrapper)
  keygate-host --version

--browser defaults to every browser whose profile folder exists (install) or to all (uninstall, doctor).
--extension-id replaces Keygate's own id (repeat it to allow several).
--manifest-dir registers the host for one browser profile: <user-data-dir>/NativeMessagingHosts.`;

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
  switch (command) {
    case 'install':
    case 'uninstall':
    case 'doctor':
      return runInstallCommand(command, rest);
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

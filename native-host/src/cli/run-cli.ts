import { KEYGATE_VERSION } from '../../../shared/identity';
import { runHeadlessCommand } from '../headless/headless-cli';
import { runNativeHost } from '../native/run-native-host';
import { runInstallCommand } from './install-commands';

export const USAGE = `keygate-host ${KEYGATE_VERSION}

Usage:
  keygate-host install   [--browser chrome|chromium|edge|brave|firefox|all] [--extension-id ID]...
                         [--manifest-dir DIR] [--data-dir DIR] [--extra-ca-certs FILE.pem]
  keygate-host uninstall [--browser ...|all] [--manifest-dir DIR] [--data-dir DIR]
  keygate-host doctor    [--browser ...|all] [--extension-id ID]... [--manifest-dir DIR] [--data-dir DIR]
  keygate-host native    ARGS...   (what the browser runs, through the installed wrapper)
  keygate-host --version

Headless mode (no browser; for servers and CI agents):
  keygate-host vault init   --file FILE
  keygate-host vault add    --file FILE --service SERVICE --name NAME [--kind KIND]   < secret
  keygate-host vault list   --file FILE
  keygate-host vault remove --file FILE (--name NAME | --id ID)
  keygate-host vault passwd --file FILE
  keygate-host agent create  --file FILE --name NAME --scopes SCOPE,... [--expires ISO-DATE]
  keygate-host agent list    --file FILE
  keygate-host agent remove  --file FILE (--name NAME | --id ID)
  keygate-host agent disable --file FILE (--name NAME | --id ID)
  keygate-host agent enable  --file FILE (--name NAME | --id ID)
  keygate-host serve --vault FILE --policy FILE.toml [--port N] [--data-dir DIR]

--browser defaults to every browser whose profile folder exists (install) or to all (uninstall, doctor).
--extension-id replaces Keygate's own id (repeat it to allow several).
--manifest-dir registers the host for one browser profile: <user-data-dir>/NativeMessagingHosts.
--extra-ca-certs makes the browser's host trust these CAs too (NODE_EXTRA_CA_CERTS in its wrapper),
  for a network that inspects TLS; serve takes NODE_EXTRA_CA_CERTS from its own environment.

The vault FILE is the extension's export format (Options → Export vault), written with mode 0600.
The master password comes from KEYGATE_PASSWORD, else a hidden prompt on the terminal; never argv.
  init refuses weak passwords and an existing FILE; prompted, it asks twice.
  add reads the secret from stdin: an API key as one line, or for --service binance the JSON
    {"api_key": "...", "secret_key": "..."} (kind binance_hmac) or {"api_key": "...", "private_key_pem": "..."}
    (binance_ed25519 or binance_rsa, told from the PEM), checked as the popup checks it (64-character
    API and HMAC secret keys). --kind: api_key, binance_hmac, binance_ed25519, binance_rsa.
  passwd asks the current password, then the new one (KEYGATE_NEW_PASSWORD, else typed twice), and
    re-wraps the data key; the records stay. Copies made before still open with the old password.
  list needs no password: it shows only metadata (service, name, kind, id, created, last used),
    which the file holds in cleartext anyway. add, remove and the agent commands that change FILE
    ask for the password: it proves the file is yours before it changes. It does not shield the
    cleartext metadata: anyone who can write FILE can edit its JSON (add an agent key, say), so keep
    FILE private. Edits from several processes take turns (a FILE.lock beside it).
  agent create prints only the new pk_ key on stdout (shown once; the file keeps its SHA-256).
    Scopes: openai, anthropic, custom:NAME, binance:read, binance:trade.
  agent list needs no password: name, id, scopes, state (enabled, disabled or expired), expiry and
    creation time; never a key or its hash. agent disable keeps the key so agent enable can restore
    it; agent remove deletes it.
  serve unlocks FILE, checks the policy (exit 2 with every problem, line and field), and prints
    "keygate listening on http://127.0.0.1:PORT" first on stdout (--port 0 picks a free port).
    The audit log and Binance's daily-volume ledger go to DIR (default: KEYGATE_DATA_DIR, else the
    platform's data folder, as for the browser's host); one process at a time trades on a DIR.
    After [proxy] idle_lock_minutes without requests the vault locks (VAULT_LOCKED) until serve
    restarts; SIGINT or SIGTERM locks it and exits 0. SIGHUP re-reads FILE and the policy without
    the password: agent keys, credentials and rules as they are now (the port stays); a file that
    does not pass changes nothing, and serve says why on stderr. While serving, it writes each
    credential's last use back to FILE (at most once a minute; not if FILE is read-only).`;

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

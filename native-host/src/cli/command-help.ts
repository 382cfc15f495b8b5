/**
 * What `keygate-host --help` and `keygate-host COMMAND [SUBCOMMAND] --help` print. Each command's
 * text is written once here; the full usage is their synopses together, so the two never disagree.
 */
import { KEYGATE_VERSION } from '../../../shared/identity';

interface CommandHelp {
  /** `vault add`, `serve`, … */
  name: string;
  synopsis: string;
  details: string;
}

const VAULT_FILE_NOTE = `The vault FILE is the extension's export format (Options → Backup & security → Export), written
with mode 0600. The master password comes from KEYGATE_PASSWORD, else a hidden prompt on the
terminal; never argv. Relative paths are taken from the directory you ran the command in (also
under \`npm run host -- …\`).`;

const COMMANDS: readonly CommandHelp[] = [
  {
    name: 'install',
    synopsis: 'install   [--browser chrome|chromium|edge|brave|firefox|all] [--extension-id ID]... [--manifest-dir DIR] [--data-dir DIR] [--extra-ca-certs FILE.pem]',
    details: `Registers the native host with your browsers, so the Keygate extension can start it.
--browser defaults to every browser whose profile folder exists.
--extension-id replaces Keygate's own id (repeat it to allow several).
--manifest-dir registers the host for one browser profile: <user-data-dir>/NativeMessagingHosts.
--extra-ca-certs makes the browser's host trust these CAs too (NODE_EXTRA_CA_CERTS in its wrapper),
  for a network that inspects TLS.`,
  },
  {
    name: 'uninstall',
    synopsis: 'uninstall [--browser ...|all] [--manifest-dir DIR] [--data-dir DIR]',
    details: 'Removes what install wrote (all browsers by default). The audit log and data folder stay.',
  },
  {
    name: 'doctor',
    synopsis: 'doctor    [--browser ...|all] [--extension-id ID]... [--manifest-dir DIR] [--data-dir DIR]',
    details: 'Checks the registration, the wrapper, Node and the data folder, and says how to fix what fails (exit 1).',
  },
  {
    name: 'native',
    synopsis: 'native    ARGS...   (what the browser runs, through the installed wrapper)',
    details: 'Speaks native messaging on stdin/stdout. Not for people: the browser starts it.',
  },
  {
    name: 'vault init',
    synopsis: 'vault init   --file FILE',
    details: `Creates a new, empty vault file. Refuses weak passwords and an existing FILE; prompted, it asks
twice.\n\n${VAULT_FILE_NOTE}`,
  },
  {
    name: 'vault add',
    synopsis: 'vault add    --file FILE --service SERVICE --name NAME [--kind KIND]   < secret',
    details: `Adds a credential. The secret comes from stdin: an API key as one line, or for --service binance
the JSON {"api_key": "...", "secret_key": "..."} (kind binance_hmac) or
{"api_key": "...", "private_key_pem": "..."} (binance_ed25519 or binance_rsa, told from the PEM), checked as the popup checks it (64-character
API and HMAC secret keys). --kind: api_key, binance_hmac, binance_ed25519, binance_rsa.
  echo "$OPENAI_API_KEY" | keygate-host vault add --file vault.json --service openai --name main\n\n${VAULT_FILE_NOTE}`,
  },
  {
    name: 'vault list',
    synopsis: 'vault list   --file FILE',
    details: `Lists the credentials' metadata (service, name, kind, id, created, last used); never a secret.
Needs no password: the file holds this metadata in cleartext anyway.`,
  },
  {
    name: 'vault remove',
    synopsis: 'vault remove --file FILE (--name NAME | --id ID)',
    details: 'Deletes one credential (asks for the password). An ambiguous --name lists the ids to choose from.',
  },
  {
    name: 'vault passwd',
    synopsis: 'vault passwd --file FILE',
    details: `Asks the current password, then the new one (KEYGATE_NEW_PASSWORD, else typed twice), and re-wraps
the data key; the records stay. Copies made before still open with the old password.`,
  },
  {
    name: 'agent create',
    synopsis: 'agent create  --file FILE --name NAME --scopes SCOPE,... [--expires ISO-DATE]',
    details: `Prints only the new pk_ key on stdout (shown once; the file keeps its SHA-256).
Scopes: openai, anthropic, custom:NAME, binance:read, binance:trade.`,
  },
  {
    name: 'agent list',
    synopsis: 'agent list    --file FILE',
    details: 'Name, id, scopes, state (enabled, disabled or expired), expiry and creation time; never a key or its hash. No password.',
  },
  {
    name: 'agent remove',
    synopsis: 'agent remove  --file FILE (--name NAME | --id ID)',
    details: 'Deletes an agent key: requests with it are refused (401) once serve reloads (SIGHUP) or restarts.',
  },
  {
    name: 'agent disable',
    synopsis: 'agent disable --file FILE (--name NAME | --id ID)',
    details: 'Keeps the key but refuses it, so agent enable can restore it.',
  },
  {
    name: 'agent enable',
    synopsis: 'agent enable  --file FILE (--name NAME | --id ID)',
    details: 'Accepts a disabled key again.',
  },
  {
    name: 'serve',
    synopsis: 'serve --vault FILE [--policy FILE.toml] [--port N] [--data-dir DIR]',
    details: `Runs the proxy without a browser. Checks the policy (exit 2 with every problem, line and field;
without --policy the defaults apply), unlocks FILE, and prints
"keygate listening on http://127.0.0.1:PORT" first on stdout (--port 0 picks a free port).
The audit log and Binance's daily-volume ledger go to DIR (default: KEYGATE_DATA_DIR, else the
platform's data folder); one process at a time trades on a DIR.
After [proxy] idle_lock_minutes without requests the vault locks (VAULT_LOCKED) until serve
restarts; SIGINT or SIGTERM locks it and exits 0. SIGHUP re-reads FILE and the policy without the
password (the port stays); a file that does not pass changes nothing, and serve says why on stderr.
While serving, it writes each credential's last use back to FILE (at most once a minute).
To run it as a service, see docs/headless.md (systemd user unit, launchd).\n\n${VAULT_FILE_NOTE}`,
  },
];

export const USAGE = `keygate-host ${KEYGATE_VERSION}

Usage:
${COMMANDS.filter((command) => !command.name.includes(' ') && command.name !== 'serve')
  .map((command) => `  keygate-host ${command.synopsis}`)
  .join('\n')}
  keygate-host --version

Headless mode (no browser; for servers and CI agents):
${COMMANDS.filter((command) => command.name.includes(' ') || command.name === 'serve')
  .map((command) => `  keygate-host ${command.synopsis}`)
  .join('\n')}

keygate-host COMMAND --help explains one command (keygate-host vault add --help).
${VAULT_FILE_NOTE}`;

export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/**
 * Help for the words before `--help`: one command (`vault add`), a group (`vault`: its commands'
 * synopses), or, for anything unknown, the full usage.
 */
export function helpFor(words: readonly string[]): string {
  const [group, sub] = words.filter((word) => !word.startsWith('-'));
  const exact = COMMANDS.find((command) => command.name === `${group} ${sub}`) ?? COMMANDS.find((command) => command.name === group);
  if (exact) return `Usage: keygate-host ${exact.synopsis}\n\n${exact.details}`;
  const members = COMMANDS.filter((command) => command.name.startsWith(`${group} `));
  if (members.length > 0) return `Usage:\n${members.map((command) => `  keygate-host ${command.synopsis}`).join('\n')}\n\nkeygate-host ${group} SUBCOMMAND --help explains one.`;
  return USAGE;
}

/**
 * Where the headless host gets the master password: `KEYGATE_PASSWORD` (for servers and CI, where
 * nobody is at a terminal; `KEYGATE_NEW_PASSWORD` for the one `vault passwd` changes to), else a
 * hidden prompt on the terminal. Never from argv, where every user of the machine could read it in
 * the process list.
 */
import { requireStrongPassword } from '../../../shared/vault/master-password';
import { CommandError, type CommandIo } from './command-io';
import { promptHidden } from './terminal-prompt';

export const PASSWORD_ENV = 'KEYGATE_PASSWORD';
export const NEW_PASSWORD_ENV = 'KEYGATE_NEW_PASSWORD';

const noTerminalHint = (env: string) => `set ${env} or run the command in a terminal.`;

function passwordFromEnv(io: CommandIo, env: string): string | null {
  const password = io.env[env];
  return password === undefined || password === '' ? null : password;
}

/** The password of an existing vault. */
export async function readMasterPassword(io: CommandIo): Promise<string> {
  return passwordFromEnv(io, PASSWORD_ENV) ?? promptHidden('Master password: ', { noTerminalHint: noTerminalHint(PASSWORD_ENV) });
}

/**
 * A password to wrap the vault with: a new vault's (from KEYGATE_PASSWORD) or the one `vault passwd`
 * changes to (from KEYGATE_NEW_PASSWORD). Refused when weak (the popup's rule), and typed twice when
 * prompted so a typo does not lock the person out of their own vault.
 */
export async function readNewMasterPassword(io: CommandIo, options: { env: string; nothingDone: string }): Promise<string> {
  const fromEnv = passwordFromEnv(io, options.env);
  if (fromEnv !== null) {
    requireStrongPassword(fromEnv);
    return fromEnv;
  }
  const prompt = { noTerminalHint: noTerminalHint(options.env) };
  const password = await promptHidden('New master password: ', prompt);
  requireStrongPassword(password);
  const again = await promptHidden('Repeat the new master password: ', prompt);
  if (again !== password) throw new CommandError(`The two passwords differ; ${options.nothingDone}.`);
  return password;
}

/**
 * Where the headless host gets the master password: `KEYGATE_PASSWORD` (for servers and CI, where
 * nobody is at a terminal), else a hidden prompt on the terminal. Never from argv, where every
 * user of the machine could read it in the process list.
 */
import { requireStrongPassword } from '../../../shared/vault/master-password';
import { CommandError, type CommandIo } from './command-io';
import { promptHidden } from './terminal-prompt';

export const PASSWORD_ENV = 'KEYGATE_PASSWORD';
const NO_TERMINAL_HINT = `set ${PASSWORD_ENV} or run the command in a terminal.`;

function passwordFromEnv(io: CommandIo): string | null {
  const password = io.env[PASSWORD_ENV];
  return password === undefined || password === '' ? null : password;
}

/** The password of an existing vault. */
export async function readMasterPassword(io: CommandIo): Promise<string> {
  return passwordFromEnv(io) ?? promptHidden('Master password: ', { noTerminalHint: NO_TERMINAL_HINT });
}

/**
 * A new vault's password: refused when weak (the popup's rule), and typed twice when prompted so a
 * typo does not lock the person out of their own vault.
 */
export async function readNewMasterPassword(io: CommandIo): Promise<string> {
  const fromEnv = passwordFromEnv(io);
  if (fromEnv !== null) {
    requireStrongPassword(fromEnv);
    return fromEnv;
  }
  const password = await promptHidden('New master password: ', { noTerminalHint: NO_TERMINAL_HINT });
  requireStrongPassword(password);
  const again = await promptHidden('Repeat the master password: ', { noTerminalHint: NO_TERMINAL_HINT });
  if (again !== password) throw new CommandError('The two passwords differ; nothing was created.');
  return password;
}

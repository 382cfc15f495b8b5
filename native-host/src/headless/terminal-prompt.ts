/**
 * Hidden input from the person at the terminal. The controlling terminal (/dev/tty) is opened
 * directly rather than using stdin, because stdin may carry the secret being added
 * (`… | keygate-host vault add`) while the password is typed. Raw mode keeps what is typed off the
 * screen; nothing is echoed, not even asterisks (they would give away the length).
 */
import { openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import { CommandError, EXIT_USAGE } from './command-io';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);
/** Exit code of a command stopped with Ctrl-C, as shells report it. */
const EXIT_INTERRUPTED = 130;

interface Terminal {
  input: ReadStream;
  output: NodeJS.WriteStream;
  close: () => void;
}

function openTerminal(): Terminal | null {
  if (process.platform === 'win32') {
    // Windows has no /dev/tty; a console on stdin is the terminal there.
    return process.stdin.isTTY ? { input: process.stdin as ReadStream, output: process.stderr, close: () => process.stdin.pause() } : null;
  }
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return null;
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  return { input, output, close: () => input.destroy() };
}

/**
 * Reads one hidden entry: up to Enter, or with `multiline` up to Ctrl-D (Enter then adds a line
 * break). Ctrl-C stops the command. Refused when there is no terminal to ask on.
 */
export function promptHidden(question: string, options: { multiline?: boolean; noTerminalHint: string }): Promise<string> {
  const terminal = openTerminal();
  if (terminal === null) return Promise.reject(new CommandError(`No terminal to ask on: ${options.noTerminalHint}`, EXIT_USAGE));
  const { input, output } = terminal;
  // Raw before the question: whatever is typed once the question shows is never echoed.
  input.setRawMode(true);
  input.setEncoding('utf8');
  output.write(question);
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      output.write('\n');
      terminal.close();
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === CTRL_C) return finish(() => reject(new CommandError('Cancelled.', EXIT_INTERRUPTED)));
        if (char === CTRL_D || ((char === '\r' || char === '\n') && !options.multiline)) return finish(() => resolve(typed));
        if (char === '\r' || char === '\n') typed += '\n';
        else if (BACKSPACES.has(char)) typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

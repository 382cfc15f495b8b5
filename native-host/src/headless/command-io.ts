/**
 * What a headless command may touch besides files: the environment, stdin (secrets arrive there),
 * stdout (results a script reads) and stderr (everything said to the person). Errors carry the exit
 * code: 2 when the command line or an input file is wrong, 1 for everything else.
 */
import type { Readable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { personHint } from '../../../shared/error-hints';
import { KeygateError } from '../../../shared/errors';

export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>;
  stdin: Readable & { isTTY?: boolean };
  /** One line of result on stdout. */
  print: (line: string) => void;
  /** One line for the person on stderr. */
  say: (line: string) => void;
}

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export function usageError(message: string): CommandError {
  return new CommandError(message, EXIT_USAGE);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--id -m2u…` as `--id=-m2u…`. Record ids are random base64url, so one in 64 starts with "-", and a
 * name may too; parseArgs would refuse such a value as ambiguous. A following token that is one of
 * the command's own options (`--file`) is left alone, so a forgotten value is still reported.
 */
function joinDashValues(args: readonly string[], options: Options): string[] {
  const known = (token: string) => token.startsWith('--') && Object.hasOwn(options, token.slice(2).split('=')[0] ?? '');
  const joined: string[] = [];
  for (let at = 0; at < args.length; at++) {
    const token = args[at]!;
    const next = args[at + 1];
    const takesValue = token.startsWith('--') && !token.includes('=') && options[token.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && next.startsWith('-') && !known(next)) {
      joined.push(`${token}=${next}`);
      at += 1;
    } else {
      joined.push(token);
    }
  }
  return joined;
}

/** Strict parsing: an unknown or misspelt option is refused, never ignored. */
export function readOptions<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: joinDashValues(args, options), options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw usageError(`${flag} is required.`);
  return value;
}

/**
 * The line a person reads for a failure, with what to do in headless mode for a catalogue error;
 * MESSAGE_INVALID's catalogue text is about native messages, so only its detail.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof KeygateError && error.code === 'MESSAGE_INVALID' && error.detail) return error.detail;
  if (error instanceof KeygateError) return `${error.message} ${personHint(error.code, 'headless')}`;
  return error instanceof Error ? error.message : String(error);
}

export function exitCodeOf(error: unknown): number {
  return error instanceof CommandError ? error.exitCode : EXIT_FAILED;
}

/**
 * What a headless command may touch besides files: the environment, stdin (secrets arrive there),
 * stdout (results a script reads) and stderr (everything said to the person). Errors carry the exit
 * code: 2 when the command line or an input file is wrong, 1 for everything else.
 */
import type { Readable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
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

/** Strict parsing: an unknown or misspelt option is refused, never ignored. */
export function readOptions<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw usageError(`${flag} is required.`);
  return value;
}

/** The line a person reads for a failure; MESSAGE_INVALID's catalogue text is about native messages, so only its detail. */
export function describeFailure(error: unknown): string {
  if (error instanceof KeygateError && error.code === 'MESSAGE_INVALID' && error.detail) return error.detail;
  return error instanceof Error ? error.message : String(error);
}

export function exitCodeOf(error: unknown): number {
  return error instanceof CommandError ? error.exitCode : EXIT_FAILED;
}

import { CommandError, usageError } from './command-io';

/** What the messages call a kind of record, and how they tell apart records that share a name. */
export interface RecordKind<T> {
  /** Singular, as in "No credential named …"; the plural adds an "s". */
  noun: string;
  /** The `keygate-host` command that lists them, offered when nothing matches. */
  listCommand: string;
  /** Shown in brackets beside each id when a name is ambiguous. */
  describe: (record: T) => string;
}

/**
 * The one record a command such as `vault remove` or `agent disable` means: by --id, or by --name
 * when exactly one has it. Names need not be unique (a second "work" key for rotation), so an
 * ambiguous name lists the ids and exits with the usage code.
 */
export function chooseRecord<T extends { id: string; name: string }>(
  records: readonly T[],
  kind: RecordKind<T>,
  name: string | undefined,
  id: string | undefined,
): T {
  if (name === undefined && id === undefined) throw usageError(`Name the ${kind.noun} with --name NAME (or --id ID).`);
  const matches = records.filter((record) => (id === undefined || record.id === id) && (name === undefined || record.name === name));
  const wanted = id === undefined ? `named "${name}"` : `with id ${id}${name === undefined ? '' : ` and name "${name}"`}`;
  if (matches.length === 0) throw new CommandError(`No ${kind.noun} ${wanted}; \`keygate-host ${kind.listCommand}\` shows them.`);
  if (matches.length > 1) {
    const ids = matches.map((record) => `  ${record.id}  (${kind.describe(record)})`).join('\n');
    throw usageError(`${matches.length} ${kind.noun}s are ${wanted}; choose one with --id:\n${ids}`);
  }
  return matches[0]!;
}

/**
 * Plain-text tables for the headless `… list` commands: columns padded to line up, cells of the
 * same kind written the same way in every table.
 */

/** UTC to the second: the same on every machine the file travels to. `null` (not yet, no limit) reads "never". */
export function tableTime(time: number | null): string {
  return time === null ? 'never' : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One line per row, each column as wide as its widest cell; the last column is not padded, so no line ends in spaces. */
export function alignedTable(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
}

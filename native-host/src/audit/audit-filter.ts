/**
 * An `audit.query` filter in two forms: byte needles that rule lines out before parsing (each field
 * as formatAuditLine writes it, so `"agent":"ab12"` can only match the agent field: a quote inside
 * a value is escaped), and the exact test on the parsed record that has the last word. Pure.
 */
import type { AuditQueryParams, AuditRecord } from '../../../shared/audit-messages';

export interface AuditFilter {
  /** Most selective first: the first drives the byte search. */
  needles: Buffer[];
  /** ISO times for comparing with a line's raw time; null when unbounded. */
  sinceIso: string | null;
  untilIso: string | null;
  since: number | null;
  matches: (record: AuditRecord) => boolean;
}

/** Shorter free text is a poor driver for the byte search: it matches almost every line. */
const SELECTIVE_TEXT_CHARS = 3;

export function compileAuditFilter(params: AuditQueryParams): AuditFilter {
  const { since, until, agent, service, decision, code, status, text } = params;
  const field = (name: string, value: string | number) => Buffer.from(`"${name}":${JSON.stringify(value)}`);
  // JSON text of a value is the JSON text of its characters in turn, so escaping `text` alone finds it.
  const escapedText = text === undefined ? undefined : Buffer.from(JSON.stringify(text).slice(1, -1));
  const selectiveText = escapedText !== undefined && text!.length >= SELECTIVE_TEXT_CHARS;
  const needles: Buffer[] = [
    agent === undefined ? undefined : field('agent', agent),
    // The reason starts with the code; the record test rejects a longer code sharing the prefix.
    code === undefined ? undefined : field('reason', code).subarray(0, -1),
    selectiveText ? escapedText : undefined,
    service === undefined ? undefined : field('service', service),
    status === undefined ? undefined : Buffer.from(`"status":${status},`),
    decision === undefined ? undefined : field('decision', decision),
    selectiveText ? undefined : escapedText,
  ].filter((needle) => needle !== undefined);

  const matches = (record: AuditRecord): boolean => {
    const time = Date.parse(record.time);
    return (
      (since === undefined || time >= since) &&
      (until === undefined || time <= until) &&
      (agent === undefined || record.agent === agent) &&
      (service === undefined || record.service === service) &&
      (decision === undefined || record.decision === decision) &&
      (code === undefined || record.reason === code || (record.reason?.startsWith(`${code}:`) ?? false)) &&
      (status === undefined || record.status === status) &&
      (text === undefined || record.path.includes(text))
    );
  };
  return {
    needles,
    sinceIso: since === undefined ? null : new Date(since).toISOString(),
    untilIso: until === undefined ? null : new Date(until).toISOString(),
    since: since ?? null,
    matches,
  };
}

/**
 * True when a line shows that every line before it in the file is older than `since`: lines are
 * appended when their request ends, so a line whose request ended before `since` comes after only
 * lines whose requests ended earlier still.
 */
export function endedBefore(record: AuditRecord, since: number): boolean {
  return Date.parse(record.time) + record.durationMs < since;
}

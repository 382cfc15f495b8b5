/** The error catalogue as a Markdown table (docs/errors.md is this text; a unit test keeps it so). */
import { ERRORS } from '../shared/errors';

export function errorTableMarkdown(): string {
  const rows = Object.entries(ERRORS).map(([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.message} | ${entry.hint.replaceAll('|', '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Every error Keygate returns comes from one catalogue, [`shared/errors.ts`](../shared/errors.ts). The',
    'proxy answers agents with the HTTP status below and a body `{"error": {"code", "message", "hint"}}`;',
    'the native port uses the same codes in `{"ok": false, "error": {...}}` replies. Regenerate this file',
    'with `npx tsx scripts/write-error-docs.ts`.',
    '',
    '| code | HTTP | message | hint |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

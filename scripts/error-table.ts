/** The error catalogue as a Markdown table (docs/errors.md is this text; a unit test keeps it so). */
import { HEADLESS_AGENT_HINTS, PERSON_HINTS } from '../shared/error-hints';
import { type ErrorCode, ERRORS } from '../shared/errors';

export function errorTableMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = Object.entries(ERRORS).map(([code, entry]) => {
    const person = PERSON_HINTS[code as ErrorCode];
    const headlessAgent = HEADLESS_AGENT_HINTS[code as ErrorCode];
    const agent = headlessAgent === undefined ? entry.hint : `${entry.hint} *Headless:* ${headlessAgent}`;
    return `| \`${code}\` | ${entry.status} | ${entry.message} | ${cell(agent)} | ${cell(person.browser)} | ${cell(person.headless)} |`;
  });
  return [
    '# Error codes',
    '',
    'Every error Keygate returns comes from one catalogue, [`shared/errors.ts`](../shared/errors.ts). The',
    'proxy answers agents with the HTTP status below and a body `{"error": {"code", "message", "hint"}}`;',
    'the native port uses the same codes in `{"ok": false, "error": {...}}` replies. Regenerate this file',
    'with `npx tsx scripts/write-error-docs.ts`.',
    '',
    'The *agent hint* travels in the body to the agent (where it names a browser control, the headless',
    'proxy says the headless alternative). The *person* hints are what the popup and options page show',
    '(browser) and what `keygate-host` says on stderr (headless); each names only controls its mode has.',
    '',
    '| code | HTTP | message | agent hint | person, browser | person, headless |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

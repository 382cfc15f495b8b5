import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import { REPORTS_PER_SECOND, refusalReports } from '../../lib/browser-agents/refusal-reports';

function reporter() {
  const sent: unknown[] = [];
  let now = 1_000_000;
  const report = refusalReports({ reportRefusal: (params) => void sent.push(params) }, () => now);
  return { sent, report, advance: (ms: number) => (now += ms) };
}

const CALL = { method: 'POST', path: '/openai/v1/chat/completions' };

describe('refusal reports to the host', () => {
  it("names the agent as its audit line does and passes the background's own refusals only", () => {
    const { sent, report } = reporter();
    report({ kind: 'site', subject: 'https://app.example' }, CALL, new KeygateError('VAULT_LOCKED'));
    report({ kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop' }, CALL, new KeygateError('GRANT_MISSING'));
    // No host to tell, something that is no catalogue refusal, a refusal the host makes itself: nothing sent.
    report({ kind: 'site', subject: 'https://app.example' }, CALL, new KeygateError('HOST_NOT_CONNECTED'));
    report({ kind: 'site', subject: 'https://app.example' }, CALL, new Error('boom'));
    report({ kind: 'site', subject: 'https://app.example' }, CALL, new KeygateError('SCOPE_DENIED'));
    expect(sent).toEqual([
      { agent: 'site:https://app.example', method: 'POST', path: '/openai/v1/chat/completions', code: 'VAULT_LOCKED' },
      { agent: 'extension:abcdefghijklmnopabcdefghijklmnop', method: 'POST', path: '/openai/v1/chat/completions', code: 'GRANT_MISSING' },
    ]);
  });

  it('an agent refused in a loop sends at most REPORTS_PER_SECOND a second over the native port', () => {
    const { sent, report, advance } = reporter();
    const loop = (times: number) => {
      for (let i = 0; i < times; i++) report({ kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop' }, CALL, new KeygateError('GRANT_MISSING'));
    };
    loop(500);
    expect(sent).toHaveLength(REPORTS_PER_SECOND);
    advance(999);
    loop(10);
    expect(sent).toHaveLength(REPORTS_PER_SECOND);
    advance(1);
    loop(500);
    expect(sent).toHaveLength(2 * REPORTS_PER_SECOND);
  });
});

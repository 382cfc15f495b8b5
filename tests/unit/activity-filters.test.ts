/** The Activity filter form → the host's audit.query fields. */
import { describe, expect, it } from 'vitest';
import { auditQueryParams, NO_FILTERS, narrowsListing, UNAUTHENTICATED } from '../../lib/ui/options/activity/activity-filters';
import { agentLabel } from '../../lib/ui/options/activity/audit-line-format';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

describe('auditQueryParams', () => {
  it('asks for everything when nothing is filtered', () => {
    expect(auditQueryParams(NO_FILTERS, NOW)).toEqual({});
    expect(narrowsListing(NO_FILTERS)).toBe(false);
  });

  it('turns each filter into its field, the range fixed at the time given', () => {
    const params = auditQueryParams({ ...NO_FILTERS, range: 'day', agent: 'agent-1', service: 'openai', decision: 'blocked', code: 'ENDPOINT_BLOCKED', status: ' 403 ', text: ' /v1/files ' }, NOW);
    expect(params).toEqual({ since: NOW - 86_400_000, agent: 'agent-1', service: 'openai', decision: 'blocked', code: 'ENDPOINT_BLOCKED', status: 403, text: '/v1/files' });
  });

  it('reads the unauthenticated file for requests refused at the door', () => {
    expect(auditQueryParams({ ...NO_FILTERS, agent: UNAUTHENTICATED }, NOW)).toEqual({ source: 'unauthenticated' });
  });

  it('drops a refusal code when only forwarded requests are asked for, and a status that is not one', () => {
    expect(auditQueryParams({ ...NO_FILTERS, decision: 'allowed', code: 'RATE_LIMITED', status: '40' }, NOW)).toEqual({ decision: 'allowed' });
  });

  it('includes the whole last minute of a custom range', () => {
    const params = auditQueryParams({ ...NO_FILTERS, range: 'custom', from: '2026-12-01T08:00', to: '2026-12-01T09:30' }, NOW);
    expect(params.since).toBe(new Date('2026-12-01T08:00').getTime());
    expect(params.until).toBe(new Date('2026-12-01T09:30').getTime() + 59_999);
  });
});

describe('agentLabel', () => {
  it('names an agent key by its name, a grant by its identity, and says when no key was valid', () => {
    expect(agentLabel({ agent: 'a1', agentName: 'coding agent' })).toBe('coding agent');
    expect(agentLabel({ agent: 'site:https://app.example', agentName: null })).toBe('site:https://app.example');
    expect(agentLabel({ agent: 'extension:abcdefghijklmnop', agentName: 'Side panel' })).toBe('extension:abcdefghijklmnop');
    expect(agentLabel({ agent: null, agentName: null })).toBe('no valid agent key');
  });
});

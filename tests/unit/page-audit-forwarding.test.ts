/**
 * Pages reach the host's audit.query / audit.stats through the background: the host's own schema
 * checks the fields first, and these timed reads do not postpone the vault's idle lock (an options
 * page left open on Activity must not keep the vault unlocked forever).
 */
import { describe, expect, it } from 'vitest';
import { answerPageMessage } from '../../lib/page-handlers';
import type { BackgroundServices } from '../../lib/page-bridge';
import type { PageMessage } from '../../lib/extension-messages';

function fakeServices() {
  const touches: number[] = [];
  const hostRequests: Array<[string, unknown]> = [];
  const services = {
    session: { touch: async () => void touches.push(1) },
    hostLink: {
      request: async (type: string, params: unknown) => {
        hostRequests.push([type, params]);
        return { records: [], cursor: null };
      },
    },
  } as unknown as BackgroundServices;
  return { services, touches, hostRequests };
}

const ask = (request: string, params: Record<string, unknown>) => ({ type: 'host.request', request, params }) as PageMessage;

describe('audit requests from pages', () => {
  it('forwards audit.query with its filters and audit.stats with its window, without postponing the idle lock', async () => {
    const { services, touches, hostRequests } = fakeServices();
    await answerPageMessage(ask('audit.query', { decision: 'blocked', code: 'ENDPOINT_BLOCKED', limit: 50, cursor: 'abc_DEF-1' }), services);
    await answerPageMessage(ask('audit.stats', { since: 0, until: 3_600_000, bucket: 'hour' }), services);
    expect(hostRequests).toEqual([
      ['audit.query', { decision: 'blocked', code: 'ENDPOINT_BLOCKED', limit: 50, cursor: 'abc_DEF-1' }],
      ['audit.stats', { since: 0, until: 3_600_000, bucket: 'hour' }],
    ]);
    expect(touches).toHaveLength(0);
  });

  it('refuses fields the host would refuse before asking it', async () => {
    const { services, hostRequests } = fakeServices();
    await expect(answerPageMessage(ask('audit.query', { limit: 5000 }), services)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(answerPageMessage(ask('audit.stats', { since: 0, until: 1, bucket: 'week' }), services)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(hostRequests).toHaveLength(0);
  });

  it('still counts other page requests as the user being present', async () => {
    const { services, touches } = fakeServices();
    await answerPageMessage(ask('status', {}), services);
    expect(touches).toHaveLength(1);
  });
});

/**
 * A week of plausible audit lines for the screenshot script, so the Overview's charts and the
 * Activity table are pictured with some history rather than the few calls the script makes. Seeded,
 * so every run draws the same pictures. Never used by the extension or the host.
 */
import type { AuditRecord } from '../shared/audit-messages';

export interface SampleAgent {
  id: string;
  name: string;
}

const HOUR = 3_600_000;

/** A small linear congruential generator: the same seed gives the same history. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

type Call = Pick<AuditRecord, 'service' | 'method' | 'path' | 'status' | 'decision' | 'reason'> & { detail?: AuditRecord['detail'] };

const CALLS: Array<[weight: number, call: Call]> = [
  [30, { service: 'openai', method: 'POST', path: '/openai/v1/chat/completions', status: 200, decision: 'allowed', reason: null }],
  [10, { service: 'openai', method: 'POST', path: '/openai/v1/embeddings', status: 200, decision: 'allowed', reason: null }],
  [18, { service: 'anthropic', method: 'POST', path: '/anthropic/v1/messages', status: 200, decision: 'allowed', reason: null }],
  [8, { service: 'github', method: 'GET', path: '/custom/github/repos/acme/site/pulls', status: 200, decision: 'allowed', reason: null }],
  [3, { service: 'github', method: 'DELETE', path: '/custom/github/repos/acme/site', status: 403, decision: 'blocked', reason: 'ENDPOINT_BLOCKED: DELETE /repos/*' }],
  [3, { service: 'openai', method: 'POST', path: '/openai/v1/chat/completions', status: 429, decision: 'blocked', reason: 'RATE_LIMITED' }],
  [2, { service: 'openai', method: 'GET', path: '/openai/v1/models', status: 403, decision: 'blocked', reason: 'SCOPE_DENIED' }],
  [1, { service: 'anthropic', method: 'POST', path: '/anthropic/v1/messages', status: 502, decision: 'error', reason: 'UPSTREAM_UNREACHABLE' }],
  [
    2,
    {
      service: 'binance',
      method: 'POST',
      path: '/binance/api/v3/order',
      status: 200,
      decision: 'allowed',
      reason: null,
      detail: { orderValueUsd: 245.5, orderValueBasis: 'quantity × price', dailyVolumeUsedUsd: 1_480.25, binanceStatus: 200 },
    },
  ],
];

function pick<T>(random: () => number, weighted: ReadonlyArray<[number, T]>): T {
  const total = weighted.reduce((sum, [weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [weight, item] of weighted) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return weighted.at(-1)![1];
}

/** About `count` lines over the 7 days before `now`, busier in the recent days and in working hours; oldest first. */
export function sampleAuditHistory(agents: readonly SampleAgent[], now: number, count = 900, seed = 7): AuditRecord[] {
  const random = seededRandom(seed);
  const times: number[] = [];
  while (times.length < count) {
    const ago = random() ** 1.6 * 7 * 24 * HOUR + 10 * 60_000;
    const hour = new Date(now - ago).getUTCHours();
    // Fewer calls at night: keep a night-time draw only a third of the time.
    if ((hour < 7 || hour > 20) && random() > 0.33) continue;
    times.push(now - ago);
  }
  times.sort((a, b) => a - b);
  return times.map((time, index) => {
    const call = pick(random, CALLS);
    const agent = agents[Math.floor(random() * agents.length)]!;
    const forwarded = call.decision === 'allowed';
    return {
      time: new Date(time).toISOString(),
      requestId: `sample-${String(index).padStart(5, '0')}`,
      agent: agent.id,
      agentName: agent.name,
      ...call,
      credentialId: forwarded ? 'sample-credential' : null,
      durationMs: forwarded ? Math.round(120 + random() * 1800) : Math.round(1 + random() * 3),
      bytesIn: forwarded ? Math.round(300 + random() * 4000) : 0,
      bytesOut: forwarded ? Math.round(800 + random() * 20_000) : 180,
    };
  });
}

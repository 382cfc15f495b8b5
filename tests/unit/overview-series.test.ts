/** The Overview's series, built from audit.stats buckets: what each chart draws and its legend shows. */
import { describe, expect, it } from 'vitest';
import type { AuditStatsBucket } from '../../shared/audit-messages';
import { bucketLayers, MAX_LAYERS, OTHER_LAYER, stackLayers, STATS_WINDOWS, statsParams, topAgentLayers, totalsByKey, windowTotals } from '../../lib/ui/options/overview/overview-series';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function bucket(start: number, byService: Record<string, number>, refusals: Record<string, number> = {}, errors: Record<string, number> = {}): AuditStatsBucket {
  const requests = Object.values(byService).reduce((sum, count) => sum + count, 0);
  return { start, requests, byService, refusals, errors, p50Ms: null, p95Ms: null, bytesIn: requests * 10, bytesOut: requests * 100 };
}

describe('statsParams', () => {
  const now = Date.parse('2026-12-06T15:42:10.000Z');
  it('asks for the last 24 whole UTC hours, the current one included', () => {
    expect(statsParams(STATS_WINDOWS[0], now)).toEqual({ since: Date.parse('2026-12-05T16:00:00.000Z'), until: now, bucket: 'hour' });
  });
  it('asks for 7 and 30 UTC days by day', () => {
    expect(statsParams(STATS_WINDOWS[1], now)).toEqual({ since: Date.parse('2026-11-30T00:00:00.000Z'), until: now, bucket: 'day' });
    expect(statsParams(STATS_WINDOWS[2], now).since).toBe(Date.parse('2026-11-07T00:00:00.000Z'));
  });
});

describe('stacked series from buckets', () => {
  const buckets = [bucket(0, { openai: 3, anthropic: 1 }), bucket(HOUR, {}), bucket(2 * HOUR, { anthropic: 4, binance: 2 })];

  it('puts the service with most requests at the bottom, one value per bucket, empty buckets as zeros', () => {
    expect(bucketLayers(buckets, (entry) => entry.byService)).toEqual([
      { name: 'anthropic', values: [1, 0, 4] },
      { name: 'openai', values: [3, 0, 0] },
      { name: 'binance', values: [0, 0, 2] },
    ]);
  });

  it('stacks bottom-up and returns the layers top first, each top the sum of the layers at or below it', () => {
    const stacked = stackLayers(bucketLayers(buckets, (entry) => entry.byService));
    expect(stacked.map((layer) => [layer.name, layer.top])).toEqual([
      ['binance', [4, 0, 6]],
      ['openai', [4, 0, 4]],
      ['anthropic', [1, 0, 4]],
    ]);
    // The topmost layer's top is each bucket's total.
    expect(stacked[0]!.top).toEqual(buckets.map((entry) => entry.requests));
    // Each layer keeps its own values for the legend.
    expect(stacked[1]!.values).toEqual([3, 0, 0]);
  });

  it('sums the smallest layers into "other" beyond the most a chart stacks', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_LAYERS + 3 }, (_, index) => [`svc${index}`, 100 - index]));
    const layers = bucketLayers([bucket(0, many)], (entry) => entry.byService);
    expect(layers).toHaveLength(MAX_LAYERS);
    expect(layers.at(-1)).toEqual({ name: OTHER_LAYER, values: [95 + 94 + 93 + 92] });
    expect(layers.reduce((sum, layer) => sum + layer.values[0]!, 0)).toBe(Object.values(many).reduce((sum, count) => sum + count, 0));
  });

  it('totals refusals per code over the window, largest first, and the window’s figures', () => {
    const refused = [bucket(0, { openai: 5 }, { ENDPOINT_BLOCKED: 2, SCOPE_DENIED: 1 }), bucket(DAY, { openai: 2 }, { SCOPE_DENIED: 3 }, { UPSTREAM_UNREACHABLE: 1 })];
    expect(totalsByKey(refused, (entry) => entry.refusals)).toEqual([
      ['SCOPE_DENIED', 4],
      ['ENDPOINT_BLOCKED', 2],
    ]);
    expect(windowTotals(refused)).toEqual({ requests: 7, refused: 6, failed: 1, bytes: 7 * 110 });
  });
});

describe('topAgentLayers', () => {
  it('names keys by name and grants by identity, split into forwarded, refused and failed', () => {
    const { names, layers } = topAgentLayers([
      { agent: 'a1', agentName: 'coding agent', requests: 10, refusals: 3, errors: 1 },
      { agent: 'site:https://app.example', agentName: null, requests: 4, refusals: 0, errors: 0 },
    ]);
    expect(names).toEqual(['coding agent', 'site:https://app.example']);
    expect(layers).toEqual([
      { name: 'forwarded', values: [6, 4] },
      { name: 'refused', values: [3, 0] },
      { name: 'failed', values: [1, 0] },
    ]);
  });
});

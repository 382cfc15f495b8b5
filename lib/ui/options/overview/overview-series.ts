/**
 * The Overview's numbers, built from `audit.stats`: the window it asks for, and the stacked series
 * the charts draw. Pure (the clock is an argument), so what a chart shows is tested without a canvas.
 */
import type { AuditAgentCount, AuditStatsBucket, AuditStatsParams } from '../../../../shared/audit-messages';
import { agentLabel } from '../activity/audit-line-format';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const STATS_WINDOWS = [
  { id: '24h', label: '24 hours', bucket: 'hour', count: 24 },
  { id: '7d', label: '7 days', bucket: 'day', count: 7 },
  { id: '30d', label: '30 days', bucket: 'day', count: 30 },
] as const;

export type StatsWindow = (typeof STATS_WINDOWS)[number];

/** The last `count` whole UTC hours or days (the host's buckets), the current one included. */
export function statsParams(window: StatsWindow, now: number): AuditStatsParams {
  const size = window.bucket === 'hour' ? HOUR_MS : DAY_MS;
  const currentStart = Math.floor(now / size) * size;
  return { since: currentStart - (window.count - 1) * size, until: now, bucket: window.bucket };
}

export interface Layer {
  name: string;
  /** This layer's own value at each x. */
  values: number[];
}

export interface StackedLayer extends Layer {
  /** The top of this layer: its value plus every layer below it (what a stacked chart draws). */
  top: number[];
}

/** The most a chart stacks; smaller layers are summed into "other" so the legend stays readable. */
export const MAX_LAYERS = 6;
export const OTHER_LAYER = 'other';

/**
 * Stacks layers given bottom first; returns them top first, the order a chart draws them in (each
 * bar from zero to its top, taller ones first, so every layer shows its own slice).
 */
export function stackLayers(bottomFirst: readonly Layer[]): StackedLayer[] {
  const stacked: StackedLayer[] = [];
  let below: readonly number[] = [];
  for (const layer of bottomFirst) {
    const floor = below;
    const top = layer.values.map((value, index): number => value + (floor[index] ?? 0));
    stacked.push({ ...layer, top });
    below = top;
  }
  return stacked.reverse();
}

/**
 * One layer per key of `pick(bucket)` (a service, a refusal code), the largest total at the bottom;
 * beyond MAX_LAYERS the smallest are summed into "other".
 */
export function bucketLayers(buckets: readonly AuditStatsBucket[], pick: (bucket: AuditStatsBucket) => Record<string, number>): Layer[] {
  const ranked = totalsByKey(buckets, pick).map(([name]) => name);
  const kept = ranked.length > MAX_LAYERS ? ranked.slice(0, MAX_LAYERS - 1) : ranked;
  const layers = kept.map((name) => ({ name, values: buckets.map((bucket) => pick(bucket)[name] ?? 0) }));
  if (kept.length < ranked.length) {
    const rest = ranked.slice(kept.length);
    layers.push({ name: OTHER_LAYER, values: buckets.map((bucket) => rest.reduce((sum, name) => sum + (pick(bucket)[name] ?? 0), 0)) });
  }
  return layers;
}

/** Each key's total over the window, largest first (ties by name, so the order is stable). */
export function totalsByKey(buckets: readonly AuditStatsBucket[], pick: (bucket: AuditStatsBucket) => Record<string, number>): Array<[string, number]> {
  const totals: Record<string, number> = {};
  for (const bucket of buckets) for (const [key, count] of Object.entries(pick(bucket))) totals[key] = (totals[key] ?? 0) + count;
  return rankedCounts(totals);
}

/** Counts by key, largest first and ties by name; zero counts left out. */
export function rankedCounts(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

export interface WindowTotals {
  requests: number;
  refused: number;
  failed: number;
  bytes: number;
}

export function windowTotals(buckets: readonly AuditStatsBucket[]): WindowTotals {
  const sum = (pick: (bucket: AuditStatsBucket) => number) => buckets.reduce((total, bucket) => total + pick(bucket), 0);
  const counted = (record: Record<string, number>) => Object.values(record).reduce((total, count) => total + count, 0);
  return {
    requests: sum((bucket) => bucket.requests),
    refused: sum((bucket) => counted(bucket.refusals)),
    failed: sum((bucket) => counted(bucket.errors)),
    bytes: sum((bucket) => bucket.bytesIn + bucket.bytesOut),
  };
}

export const TOP_AGENTS = 8;

/** The busiest callers (the host sends them most requests first), split into forwarded / refused / failed. */
export function topAgentLayers(agents: readonly AuditAgentCount[]): { names: string[]; layers: Layer[] } {
  const top = agents.slice(0, TOP_AGENTS);
  return {
    names: top.map(agentLabel),
    layers: [
      { name: 'forwarded', values: top.map((agent) => Math.max(0, agent.requests - agent.refusals - agent.errors)) },
      { name: 'refused', values: top.map((agent) => agent.refusals) },
      { name: 'failed', values: top.map((agent) => agent.errors) },
    ],
  };
}

/** Small statistics helpers shared by the benchmarks. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('No samples.');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export function summarizeLatency(samples: readonly number[]): LatencySummary {
  return { samples: samples.length, p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)) };
}

export interface DurationSummary {
  median: number;
  samples: number[];
}

/** For slow operations measured a handful of times: the median and every sample, in ms. */
export function summarizeDurations(samples: readonly number[]): DurationSummary {
  return { median: round(percentile(samples, 50), 1), samples: samples.map((ms) => round(ms, 1)) };
}

export async function timeMs(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

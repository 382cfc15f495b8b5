/** Small statistics helpers shared by the benchmarks. */
import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/PID/stat; null where there is no
 * /proc (macOS, Windows). Used to say what bounds a figure: CPU-ms per request against the cores.
 */
export function processCpuMs(pid: number, ticksPerSecond = 100): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / ticksPerSecond : null;
}

/** CPU time (user + system, ms) the current process has used so far. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The process ids of `pid` and every descendant (nginx's workers, say), from /proc; [pid] without /proc. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${tree[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children !== '') tree.push(...children.split(' ').map(Number));
      } catch {
        // The task ended while we read.
      }
    }
  }
  return tree;
}

/** CPU time (user + system, ms) of `pid` and its descendants together; null where there is no /proc. */
export function processTreeCpuMs(pid: number): number | null {
  let total = 0;
  for (const member of processTree(pid)) {
    const ms = processCpuMs(member);
    if (ms === null) return member === pid ? null : total;
    total += ms;
  }
  return total;
}

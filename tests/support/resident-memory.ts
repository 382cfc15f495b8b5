/** Resident memory of a process, as the kernel counts it (Linux /proc); shared by tests and benchmarks. */
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in MiB (one decimal), or null where there is no /proc or no such process. */
export function residentMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

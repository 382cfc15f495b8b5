/**
 * Resident memory of a process, as the kernel counts it; shared by tests and benchmarks. Linux's
 * /proc first (no process to start), else `ps` (macOS and the BSDs), so no test has to skip.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const toMiB = (kiB: number) => Math.round((kiB / 1024) * 10) / 10;

/** Resident memory of `pid` in MiB (one decimal), or null when there is no such process. */
export function residentMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) return toMiB(Number(match[1]));
  } catch {
    // No /proc here (or no such process): ask ps.
  }
  try {
    const kiB = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return Number.isFinite(kiB) && kiB > 0 ? toMiB(kiB) : null;
  } catch {
    return null;
  }
}

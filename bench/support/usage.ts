/** What a run costs the process and the machine. */
import { readFile } from 'node:fs/promises';

/** This process's peak resident set so far, in MiB: the whole process, load worker included. */
export function peakRssMiB(): number {
  // Linux reports maxRSS in KiB.
  return process.resourceUsage().maxRSS / 1024;
}

/** Busy CPU time of the whole machine so far, in ms (Linux /proc/stat), or null elsewhere. */
export async function machineBusyMs(): Promise<number | null> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
    return (busy * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

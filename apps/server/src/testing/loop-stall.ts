import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

export interface Stall {
  /** the longest stretch (ms) in which the event loop did not turn, less the full collections in it */
  codeMs: number;
  /** the same stretch, garbage collection included */
  totalMs: number;
  /** the longest full collection (ms) */
  longestGcMs: number;
}

/**
 * How long `work` kept this process's event loop from turning: what one request can make every
 * other request wait. A 1 ms timer samples the loop; each gap between two turns counts as the
 * smaller of its wall time and the process's CPU time, so a loaded machine (this process
 * preempted: wall grows, CPU does not) and the collector's helper threads (CPU grows, wall does
 * not) are not counted against the code. Full (mark-compact) collections on the main thread are
 * reported apart: their length follows from the whole heap, not from what the code did between
 * two turns. Young-generation collections count as the code's: they are the cost of what it
 * allocated.
 */
export async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T } & Stall> {
  const pauses: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) =>
    pauses.push(
      ...list.getEntries().filter((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR),
    ),
  );
  observer.observe({ entryTypes: ['gc'] });
  const gaps: { from: number; to: number; ms: number }[] = [];
  let wall = performance.now();
  let cpu = cpuMs();
  const sample = () => {
    const w = performance.now();
    const c = cpuMs();
    const ms = Math.min(w - wall, c - cpu);
    if (ms > 5) gaps.push({ from: wall, to: w, ms });
    wall = w;
    cpu = c;
  };
  const timer = setInterval(sample, 1);
  let result: T;
  try {
    result = await work();
    sample();
  } finally {
    clearInterval(timer);
  }
  // The observer hears of the last pauses a turn later.
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  let codeMs = 0;
  let totalMs = 0;
  for (const gap of gaps) {
    const collecting = pauses.filter((p) => p.startTime >= gap.from && p.startTime < gap.to).reduce((sum, p) => sum + p.duration, 0);
    codeMs = Math.max(codeMs, gap.ms - collecting);
    totalMs = Math.max(totalMs, gap.ms);
  }
  return { result, codeMs, totalMs, longestGcMs: Math.max(0, ...pauses.map((p) => p.duration)) };
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

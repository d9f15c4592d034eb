import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from '../../apps/server/src/testing/server-process.js';

export interface ChildServer {
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
// A harness that crashes or is interrupted never leaves a server behind.
process.once('exit', () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `node --import tsx <script>` on a free loopback port and waits until `readyPath` answers 200. */
export async function startNodeServer(options: {
  script: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  readyPath: string;
  timeoutMs?: number;
}): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const append = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.script} exited early:\n${output}`);
    try {
      if ((await fetch(`${url}${options.readyPath}`)).status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.script} not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid as number,
    child,
    output: () => output,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident and peak resident size of a process, in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
  } catch {
    return null;
  }
}

/** Samples a process's resident size every `everyMs` until stopped. */
export function sampleMemory(pid: number, everyMs = 200): { stop(): { samples: number; meanMiB: number; maxMiB: number } } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const m = memoryOf(pid);
    if (m) samples.push(m.rssMiB);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const max = samples.length ? Math.max(...samples) : 0;
      const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0;
      return { samples: samples.length, meanMiB: Math.round(mean * 10) / 10, maxMiB: max };
    },
  };
}

function jiffies(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

/** USER_HZ: the unit of the CPU times in /proc (100 on Linux). */
export const CLOCK_TICKS = 100;

/** User + system CPU time of a process so far, in clock ticks. */
export function processJiffies(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * How busy the machine was with other work while a run lasted: CPU time of every process but the
 * benchmark's own (this process, the server, the ceiling), as a share of all cores. Anything above
 * a few percent means the numbers of that run are not the machine's.
 */
export function cpuMeter(pids: () => number[]): { stop(): { foreignShare: number; ownShare: number } } {
  const before = jiffies();
  // Per process: one that exits during the run (a PostgreSQL worker) must not count negative.
  const start = new Map(pids().map((pid) => [pid, processJiffies(pid)]));
  return {
    stop() {
      const after = jiffies();
      if (!before || !after || after.total <= before.total) return { foreignShare: 0, ownShare: 0 };
      const total = after.total - before.total;
      const ownDelta = pids().reduce((n, pid) => n + Math.max(0, processJiffies(pid) - (start.get(pid) ?? 0)), 0);
      const foreign = Math.max(0, after.busy - before.busy - ownDelta);
      return { foreignShare: Math.round((foreign / total) * 1000) / 1000, ownShare: Math.round((ownDelta / total) * 1000) / 1000 };
    },
  };
}

/** The PostgreSQL server's processes: on a PostgreSQL run their work is the benchmark's own. */
export function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

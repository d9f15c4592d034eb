import autocannon, { type Request } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** seconds */
  duration: number;
  requests: Request[];
  /** seconds before a request counts as timed out */
  timeout?: number;
}

/** What one bounded load run measured. Latencies are of every response, in ms. */
export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** mean response size in bytes */
  bytes: number;
  /** share of the machine's CPU used by processes other than the benchmark's during the run (0 to 1) */
  foreignCpu?: number;
  /** CPU time the server process spent per request, in ms (robust to other load, unlike req/s) */
  cpuMsPerRequest?: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Drives `url` with autocannon for `duration` seconds; p95 is computed from every response time (autocannon reports no p95). */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let bytes = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    timeout: options.timeout ?? 30,
    requests: options.requests,
  });
  instance.on('response', (_client: unknown, _status: number, responseBytes: number, responseTime: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTime;
    bytes += responseBytes;
  });
  const result = await instance;
  const sorted = latencies.subarray(0, count).sort();
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  return {
    connections: options.connections,
    seconds: round(seconds),
    requests: count,
    rps: round(count / Math.max(seconds, 0.001), 1),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(percentile(sorted, 100)),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    bytes: count ? Math.round(bytes / count) : 0,
  };
}

/**
 * `npm run bench`: generates a fresh database, starts the real leadbox server and the ceiling
 * server as separate processes on loopback, drives every operation of issue 9 with autocannon
 * from this process, measures the raw database write rates, and writes bench/results/latest.{json,md}.
 *
 *   npm run bench                       # full: 1,000,000 contacts, 10 s per operation, 50 connections
 *   npm run bench -- --smoke            # small dataset, ~1 s per operation (checks the harness, not the speed)
 *   DATABASE_URL=postgres://… npm run bench   # the same on PostgreSQL (a database of its own, dropped after)
 *
 * Options: --only a,b (operations by name) · --dir D (where the SQLite database goes) · --keep
 * (leave the database) · --reuse (run on the database and manifest already in --dir) · --out D ·
 * --profile (the server writes a CPU profile to <out>/profiles) · --no-ceiling · --no-raw ·
 * --contacts N · --duration S · --quiet-wait S
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { generate, type Manifest } from './generate.js';
import { type LoadResult, load } from './lib/load.js';
import {
  type ChildServer,
  CLOCK_TICKS,
  cpuMeter,
  memoryOf,
  postgresPids,
  processJiffies,
  sampleMemory,
  startNodeServer,
} from './lib/processes.js';
import { type BenchTarget, createTarget, existingTarget } from './lib/target.js';
import { buildOperations, type Operation, type OperationSettings } from './operations.js';
import { measureRawRates, type RawRate } from './raw-db.js';
import { evaluateTargets, type OperationResult, type Results, toMarkdown } from './report.js';

const root = path.resolve(import.meta.dirname, '..');

export interface BenchOptions {
  smoke: boolean;
  only?: string[];
  dir?: string;
  keep?: boolean;
  reuse?: boolean;
  out?: string;
  profile?: boolean;
  ceiling?: boolean;
  raw?: boolean;
  contacts?: number;
  duration?: number;
  /** how long to wait for other processes to go quiet before each operation (seconds) */
  quietWait?: number;
  /** PostgreSQL server to create the benchmark database on; SQLite when unset */
  databaseUrl?: string | null;
  log?: (line: string) => void;
}

function settingsFor(smoke: boolean, o: BenchOptions) {
  const contacts = o.contacts ?? (smoke ? 5_000 : 1_000_000);
  return {
    contacts,
    leads: Math.round(contacts / 20),
    seed: 42,
    duration: o.duration ?? (smoke ? 0.5 : 10),
    connections: smoke ? 10 : 50,
    importConnections: smoke ? 1 : 2,
    importDuration: smoke ? 1.5 : 20,
    importRows: smoke ? 1_000 : 10_000,
    mixedDuration: smoke ? 1.5 : 20,
    // autocannon rounds a run up to whole seconds: the smoke mode leaves the one-connection probes out.
    probeSeconds: smoke ? 0 : 3,
    warmupSeconds: smoke ? 0 : 3,
    quietWaitSeconds: o.quietWait ?? (smoke ? 0 : 60),
    rawSeconds: smoke ? 0.3 : 5,
    rawBatchRows: smoke ? 1_000 : 10_000,
  };
}

function machine(postgres: string | null): Results['machine'] {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const memory = new SQLite(':memory:');
  const sqlite = memory.prepare('select sqlite_version() as v').pluck().get() as string;
  memory.close();
  return {
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? (os.cpus()[0]?.model || 'unknown'),
    node: process.version,
    sqlite,
    postgres,
    os: `${os.type()} ${os.release()}`,
  };
}

/** The commit measured, and whether the server's code had uncommitted changes. */
function revision(): Results['revision'] {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    serverChanged: git('status', '--porcelain', '--', 'apps', 'packages') !== '',
  };
}

async function postgresVersion(url: string | null): Promise<string | null> {
  if (!url) return null;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? null;
  } finally {
    await client.end();
  }
}

async function databaseSizeMiB(target: BenchTarget): Promise<number | null> {
  if (target.sqliteFile) {
    const bytes = ['', '-wal'].reduce((n, s) => n + (existsSync(target.sqliteFile + s) ? statSync(target.sqliteFile + s).size : 0), 0);
    return Math.round(bytes / 2 ** 20);
  }
  const client = new pg.Client({ connectionString: target.databaseUrl as string });
  await client.connect();
  try {
    const row = (await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0];
    return row ? Math.round(Number(row.size) / 2 ** 20) : null;
  } finally {
    await client.end();
  }
}

/** Sends one request and checks it is a 2xx with `success: true`; returns the body. */
async function sample(url: string, op: Operation): Promise<string> {
  const s = op.sample();
  const response = await fetch(`${url}${s.path}`, { method: s.method, headers: s.headers, body: s.body });
  const text = await response.text();
  if (!response.ok || !text.includes('"success":true')) {
    throw new Error(`${op.name}: ${s.method} ${s.path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return text;
}

/**
 * Waits until the server has worked through what the last run left queued (requests autocannon
 * gave up on are still served), so one operation's backlog is not measured as the next one's latency.
 */
async function drained(url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const started = performance.now();
    await fetch(`${url}/healthz`).catch(() => undefined);
    if (performance.now() - started < 20) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const line = (name: string, l: LoadResult) =>
  `${name.padEnd(30)} ${l.rps.toFixed(1).padStart(9)} req/s  cpu ${(l.cpuMsPerRequest ?? 0).toFixed(2).padStart(6)} ms/req  p50 ${l.p50.toFixed(1).padStart(7)}  p95 ${l.p95.toFixed(1).padStart(7)}  p99 ${l.p99.toFixed(1).padStart(7)} ms  non-2xx ${l.non2xx}  errors ${l.errors + l.timeouts}${l.foreignCpu ? `  other load ${Math.round(l.foreignCpu * 100)}%` : ''}`;

export async function runBenchmark(o: BenchOptions): Promise<Results> {
  const log = o.log ?? ((s: string) => console.log(s));
  const s = settingsFor(o.smoke, o);
  const adminUrl = o.databaseUrl ?? null;
  const workdir = o.dir ? path.resolve(o.dir) : undefined;
  const name = `leadbox_bench${o.smoke ? '_smoke' : ''}`;
  const manifestFile = (dir: string) => path.join(dir, 'manifest.json');

  let target: BenchTarget;
  let manifest: Manifest;
  if (o.reuse) {
    if (!workdir) throw new Error('--reuse needs --dir (where the database and manifest.json are)');
    manifest = JSON.parse(readFileSync(manifestFile(workdir), 'utf8')) as Manifest;
    const url = adminUrl ? Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString() : null;
    target = existingTarget({ databaseUrl: url, dir: workdir });
    log(`reusing ${target.location}`);
  } else {
    target = await createTarget({ adminUrl, dir: workdir, name });
    log(`generating ${s.contacts.toLocaleString('en')} contacts into ${target.location}`);
    manifest = await generate({ target, contacts: s.contacts, leads: s.leads, seed: s.seed, log });
    log(`generated in ${(manifest.generateMs / 1000).toFixed(1)} s`);
    const dir = workdir ?? (target.sqliteFile ? path.dirname(target.sqliteFile) : null);
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(manifestFile(dir), JSON.stringify(manifest));
    }
  }

  const mainBot = manifest.bots[0] as Manifest['bots'][number];
  const opSettings: OperationSettings = {
    duration: s.duration,
    connections: s.connections,
    importConnections: s.importConnections,
    importDuration: s.importDuration,
    importRows: s.importRows,
    mixedDuration: s.mixedDuration,
    deepPage: Math.min(5_000, Math.max(1, Math.ceil(mainBot.leadChats / 20))),
  };
  const operations = buildOperations(manifest, opSettings);
  const selected = operations.filter((op) => !o.only || o.only.includes(op.name));
  const outDir = path.resolve(o.out ?? path.join(root, 'bench/results'));
  const profileDir = path.join(outDir, 'profiles');
  if (o.profile) mkdirSync(profileDir, { recursive: true });

  let server: ChildServer | undefined;
  let ceiling: ChildServer | undefined;
  const results: OperationResult[] = [];
  let raw: RawRate[] = [];
  const ownPids = () => [process.pid, server?.pid ?? 0, ceiling?.pid ?? 0, ...(target.dialect === 'postgres' ? postgresPids() : [])];
  let memory: Results['memory'] = { afterStartMiB: 0, mixed: { meanMiB: 0, maxMiB: 0, samples: 0 }, peakMiB: 0 };
  try {
    server = await startNodeServer({
      script: path.join(root, 'apps/server/src/main.ts'),
      nodeArgs: o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      readyPath: '/readyz',
      env: {
        ...target.env,
        LOG_LEVEL: 'warn',
        // Limits far above what the runs send, over short windows so their bookkeeping stays small.
        LEADBOX_INBOX_RATE_LIMIT: '1000000',
        LEADBOX_INBOX_RATE_WINDOW: '1',
        LEADBOX_LEADS_RATE_LIMIT: '1000000',
        LEADBOX_LEADS_RATE_WINDOW: '1',
      },
    });
    memory.afterStartMiB = memoryOf(server.pid)?.rssMiB ?? 0;
    // Other work on the machine would be measured as leadbox's slowness: wait for a quiet moment
    // (up to s.quietWaitSeconds) before the runs and before each operation.
    const otherLoad = async (ms: number) => {
      const meter = cpuMeter(ownPids);
      await new Promise((r) => setTimeout(r, ms));
      return meter.stop().foreignShare;
    };
    const quiet = async (label: string) => {
      const deadline = Date.now() + s.quietWaitSeconds * 1000;
      let share = await otherLoad(o.smoke ? 300 : 1_000);
      if (share <= 0.1 || s.quietWaitSeconds === 0) return share;
      log(`waiting for other processes (${Math.round(share * 100)}% of the CPU) to finish before ${label}`);
      while (share > 0.1 && Date.now() < deadline) share = await otherLoad(3_000);
      if (share > 0.1) log(`warning: other processes still use ${Math.round(share * 100)}% of the CPU; ${label} is measured anyway`);
      return share;
    };
    const otherBefore = await quiet('the runs');
    if (o.ceiling !== false) {
      ceiling = await startNodeServer({ script: path.join(root, 'bench/ceiling-server.ts'), readyPath: '/healthz', env: {} });
    }

    // One request of each operation, just before it runs (an import sample adds rows): it must
    // succeed, and the ceiling answers that operation with the same bytes.
    const bodies: Record<string, string> = {};
    const sampled = async (op: Operation) => {
      if (op.kind === 'mixed' || bodies[op.name] !== undefined) return;
      bodies[op.name] = await sample(server?.url as string, op);
      if (!ceiling) return;
      const registered = await fetch(`${ceiling.url}/__bench/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ [op.name]: bodies[op.name] }),
      });
      if (!registered.ok) throw new Error(`ceiling server refused the responses: ${registered.status}`);
    };
    // The mixed workload (and the warm-up) send every kind of request but imports.
    for (const op of operations) if (op.kind !== 'import') await sampled(op);
    const mixed = operations.find((op) => op.kind === 'mixed') as Operation;
    if (s.warmupSeconds > 0) {
      log(`warming up (${s.warmupSeconds} s each)`);
      for (const url of [server.url, ceiling?.url]) {
        if (url) await load({ url, connections: 10, duration: s.warmupSeconds, requests: mixed.requests() }).then(() => drained(url));
      }
    }

    log(`${'operation'.padEnd(30)} ${'throughput'.padStart(15)}  latency`);
    for (const op of selected) {
      const run = async (who: ChildServer, connections = op.connections, duration = op.duration) => {
        await quiet(op.name);
        const meter = cpuMeter(ownPids);
        const cpuBefore = processJiffies(who.pid);
        const result = await load({ url: who.url, connections, duration, requests: op.requests(), timeout: op.timeout });
        const { foreignShare } = meter.stop();
        // CPU time of the server process per request: unlike req/s, barely moved by other load.
        const cpuMs = ((processJiffies(who.pid) - cpuBefore) * 1000) / CLOCK_TICKS;
        await drained(who.url);
        return { ...result, foreignCpu: foreignShare, cpuMsPerRequest: Math.round((cpuMs / Math.max(result.requests, 1)) * 100) / 100 };
      };
      await sampled(op);
      const alive = (who: ChildServer) => {
        if (who.child.exitCode !== null || who.child.signalCode !== null) {
          throw new Error(`${op.name}: the server process exited (${who.child.exitCode ?? who.child.signalCode}):\n${who.output()}`);
        }
      };
      const sampler = op.kind === 'mixed' ? sampleMemory(server.pid) : null;
      const leadbox = await run(server);
      if (sampler) memory = { ...memory, mixed: sampler.stop() };
      alive(server);
      log(line(op.name, leadbox));
      const probe = op.probe && s.probeSeconds > 0 ? await run(server, 1, s.probeSeconds) : undefined;
      if (probe) log(line('  alone (1 connection)', probe));
      const ceilingResult = ceiling ? await run(ceiling) : undefined;
      if (ceiling) alive(ceiling);
      if (ceilingResult) log(line('  ceiling', ceilingResult));
      const body = op.kind === 'mixed' ? '' : (bodies[op.name] ?? '');
      results.push({
        name: op.name,
        title: op.title,
        kind: op.kind,
        responseBytes: Buffer.byteLength(body),
        ...(op.rowsPerRequest ? { rowsPerRequest: op.rowsPerRequest } : {}),
        leadbox,
        ...(probe ? { probe } : {}),
        ...(ceilingResult
          ? { ceiling: ceilingResult, ratio: Math.round((leadbox.rps / Math.max(ceilingResult.rps, 0.001)) * 1000) / 1000 }
          : {}),
      });
    }
    memory.peakMiB = memoryOf(server.pid)?.peakMiB ?? 0;
    await server.stop();
    if (o.profile) log(`CPU profile written to ${profileDir}`);
    await ceiling?.stop();

    if (o.raw !== false) {
      log(`raw ${target.dialect} write rates (${s.rawSeconds} s each)`);
      raw = await measureRawRates(target, manifest, s.rawSeconds, s.rawBatchRows);
      for (const r of raw) log(`  ${r.name.padEnd(22)} ${r.rowsPerSecond.toFixed(0).padStart(9)} rows/s  ${r.title}`);
    }

    const partial: Omit<Results, 'targets'> = {
      mode: o.smoke ? 'smoke' : 'full',
      date: new Date().toISOString(),
      revision: revision(),
      machine: machine(await postgresVersion(target.databaseUrl)),
      database: {
        dialect: target.dialect,
        location: target.dialect === 'sqlite' ? 'leadbox.sqlite (temporary directory)' : target.location,
        sizeMiB: await databaseSizeMiB(target),
      },
      dataset: {
        seed: manifest.seed,
        contacts: manifest.counts.contacts,
        generateSeconds: Math.round(manifest.generateMs / 100) / 10,
        counts: manifest.counts,
        bots: manifest.bots.length,
        segments: manifest.segments.length,
      },
      settings: { ...s, deepPage: opSettings.deepPage },
      operations: results,
      otherLoad: {
        before: otherBefore,
        maxDuringRuns: Math.max(
          0,
          ...results.flatMap((r) => [r.leadbox.foreignCpu ?? 0, r.ceiling?.foreignCpu ?? 0, r.probe?.foreignCpu ?? 0]),
        ),
      },
      raw,
      memory,
    };
    const final: Results = { ...partial, targets: evaluateTargets(partial) };
    mkdirSync(outDir, { recursive: true });
    const base = o.smoke ? 'smoke.tmp' : target.dialect === 'sqlite' ? 'latest' : 'latest-postgres';
    writeFileSync(path.join(outDir, `${base}.json`), `${JSON.stringify(final, null, 2)}\n`);
    writeFileSync(path.join(outDir, `${base}.md`), toMarkdown(final));
    log(`\nresults: ${path.relative(process.cwd(), path.join(outDir, `${base}.md`))}`);
    for (const t of final.targets) log(`  ${t.pass === null ? 'n/a ' : t.pass ? 'pass' : 'FAIL'}  ${t.target}: ${t.measured}`);
    return final;
  } finally {
    await server?.stop();
    await ceiling?.stop();
    if (!o.keep && !o.reuse) await target.drop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      reuse: { type: 'boolean', default: false },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-ceiling': { type: 'boolean', default: false },
      'no-raw': { type: 'boolean', default: false },
      contacts: { type: 'string' },
      duration: { type: 'string' },
      'quiet-wait': { type: 'string' },
    },
  });
  const results = await runBenchmark({
    smoke: values.smoke,
    only: values.only?.split(',').map((x) => x.trim()),
    dir: values.dir,
    keep: values.keep,
    reuse: values.reuse,
    out: values.out,
    profile: values.profile,
    ceiling: !values['no-ceiling'],
    raw: !values['no-raw'],
    contacts: values.contacts ? Number(values.contacts) : undefined,
    duration: values.duration ? Number(values.duration) : undefined,
    quietWait: values['quiet-wait'] ? Number(values['quiet-wait']) : undefined,
    databaseUrl: process.env.DATABASE_URL || null,
  });
  process.exitCode = results.operations.length > 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();

import type { Manifest } from './generate.js';
import type { LoadResult } from './lib/load.js';
import type { OperationKind } from './operations.js';
import type { RawRate } from './raw-db.js';

export interface OperationResult {
  name: string;
  title: string;
  kind: OperationKind;
  /** bytes of one representative response (the ceiling answers with the same bytes) */
  responseBytes: number;
  rowsPerRequest?: number;
  leadbox: LoadResult;
  /** one connection alone: the operation's own latency, without queueing behind 49 others */
  probe?: LoadResult;
  ceiling?: LoadResult;
  /** leadbox req/s divided by the ceiling's */
  ratio?: number;
}

export interface Results {
  mode: 'full' | 'smoke';
  date: string;
  revision: { commit: string; serverChanged: boolean };
  machine: { nproc: number; memoryGiB: number; cpu: string; node: string; sqlite: string; postgres: string | null; os: string };
  database: { dialect: 'sqlite' | 'postgres'; location: string; sizeMiB: number | null };
  dataset: { seed: number; contacts: number; generateSeconds: number; counts: Manifest['counts']; bots: number; segments: number };
  settings: Record<string, number>;
  operations: OperationResult[];
  raw: RawRate[];
  /** CPU share of the machine used by other processes: over 3 s before the runs, and the most during any run */
  otherLoad: { before: number; maxDuringRuns: number };
  memory: { afterStartMiB: number; mixed: { meanMiB: number; maxMiB: number; samples: number }; peakMiB: number };
  targets: Target[];
}

export interface Target {
  target: string;
  measured: string;
  pass: boolean | null;
}

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined ? '–' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const pct = (n: number | undefined) => (n === undefined ? '–' : `${Math.round(n * 1000) / 10}%`);

/** The targets of issue 9, each computed from the numbers of this run. */
export function evaluateTargets(r: Omit<Results, 'targets'>): Target[] {
  const op = (name: string) => r.operations.find((o) => o.name === name);
  const raw = (name: string) => r.raw.find((x) => x.name === name);
  const targets: Target[] = [];
  const sqlite = r.database.dialect === 'sqlite';

  const upsert = op('upsert-existing');
  const upsertShare = sqlite ? 0.3 : 0.2;
  if (upsert)
    targets.push({
      target: `Lead upsert (existing uuid) ≥ ${upsertShare * 100}% of the ceiling PUT route`,
      measured: `${fmt(upsert.leadbox.rps)} req/s = ${pct(upsert.ratio)} of ${fmt(upsert.ceiling?.rps)} req/s`,
      pass: upsert.ratio === undefined ? null : upsert.ratio >= upsertShare,
    });
  const page1 = op('chats-page-1');
  const deep = op('chats-page-deep');
  if (page1)
    targets.push({
      target: 'Chats listing page 1 ≥ 50% of the ceiling GET route',
      measured: `${fmt(page1.leadbox.rps)} req/s = ${pct(page1.ratio)} of ${fmt(page1.ceiling?.rps)} req/s`,
      pass: page1.ratio === undefined ? null : page1.ratio >= 0.5,
    });
  if (page1 && deep)
    targets.push({
      target: `Chats listing deep page no slower than 2× page 1 (${deep.title.replace(/^.* page /, 'page ')})`,
      measured: `${fmt(deep.leadbox.rps)} vs ${fmt(page1.leadbox.rps)} req/s (${fmt(page1.leadbox.rps / Math.max(deep.leadbox.rps, 0.001), 2)}× slower); p50 ${fmt(deep.leadbox.p50)} vs ${fmt(page1.leadbox.p50)} ms`,
      pass: deep.leadbox.rps * 2 >= page1.leadbox.rps,
    });
  const users = r.operations.filter((o) => o.kind === 'users');
  if (users.length > 0) {
    const worst = users.reduce((a, b) => (b.leadbox.p95 > a.leadbox.p95 ? b : a));
    const failing = users.filter((o) => o.leadbox.p95 >= 25);
    targets.push({
      target: `Every /inbox/users filter and combination, searchText included: p95 < 25 ms at ${worst.leadbox.connections} connections${sqlite ? '' : ' (target stated for SQLite)'}`,
      measured: `${users.length - failing.length}/${users.length} under 25 ms; worst ${worst.name} p95 ${fmt(worst.leadbox.p95)} ms${worst.probe ? ` (alone: p95 ${fmt(worst.probe.p95)} ms)` : ''}`,
      pass: sqlite ? failing.length === 0 : null,
    });
  }
  const imports = op('import');
  const batch = raw('raw-batch-upsert');
  if (imports && batch) {
    const rows = imports.leadbox.rps * (imports.rowsPerRequest ?? 0);
    targets.push({
      target: 'Import ≥ 50% of the raw batched-upsert row rate',
      measured: `${fmt(rows, 0)} rows/s = ${pct(rows / batch.rowsPerSecond)} of ${fmt(batch.rowsPerSecond, 0)} rows/s`,
      pass: rows >= 0.5 * batch.rowsPerSecond,
    });
  }
  if (op('mixed'))
    targets.push({
      target: 'Resident size < 256 MB serving the mixed workload',
      measured: `max ${fmt(r.memory.mixed.maxMiB)} MiB, mean ${fmt(r.memory.mixed.meanMiB)} MiB (peak over the whole run ${fmt(r.memory.peakMiB)} MiB)`,
      pass: r.memory.mixed.samples > 0 ? r.memory.mixed.maxMiB < 256 : null,
    });
  const bad = r.operations.flatMap((o) =>
    (
      [
        ['leadbox', o.leadbox],
        ['alone', o.probe],
        ['ceiling', o.ceiling],
      ] as [string, LoadResult | undefined][]
    )
      .filter((e): e is [string, LoadResult] => e[1] !== undefined && e[1].non2xx + e[1].errors + e[1].timeouts > 0)
      .map(
        ([who, l]) =>
          `${o.name} (${who}): ${l.non2xx} non-2xx ${JSON.stringify(l.statusCodes)}, ${l.errors} errors, ${l.timeouts} timeouts`,
      ),
  );
  targets.push({
    target: 'No errors and no non-2xx responses',
    measured:
      bad.length === 0
        ? `none in ${fmt(
            r.operations.reduce((n, o) => n + o.leadbox.requests, 0),
            0,
          )} leadbox requests`
        : bad.join('; '),
    pass: bad.length === 0,
  });
  return targets;
}

export function toMarkdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`# leadbox benchmark (${r.mode}, ${r.database.dialect})`, '');
  lines.push(
    `${r.date.slice(0, 16).replace('T', ' ')} UTC · commit ${r.revision.commit}${r.revision.serverChanged ? ' (with uncommitted server changes)' : ''} · \`npm run bench${r.mode === 'smoke' ? ' -- --smoke' : ''}\` · how to read this: [bench/README.md](../README.md)`,
    '',
  );
  if (r.otherLoad.maxDuringRuns > 0.05) {
    lines.push(
      `> **The machine was not quiet:** other processes used up to ${Math.round(r.otherLoad.maxDuringRuns * 100)}% of its CPU during the runs (column "other load"); those runs understate what leadbox does on this machine.`,
      '',
    );
  }
  lines.push('| machine | |', '| --- | --- |');
  lines.push(`| CPU | ${m.cpu} (\`nproc\` ${m.nproc}) |`, `| memory | ${fmt(m.memoryGiB)} GiB |`, `| OS | ${m.os} |`);
  lines.push(`| Node | ${m.node} |`, `| SQLite | ${m.sqlite} |`, `| PostgreSQL | ${m.postgres ?? 'not used'} |`);
  const d = r.dataset;
  lines.push(
    `| dataset | ${fmt(d.contacts, 0)} contacts (${fmt(d.counts.chats, 0)} chats on ${d.bots} bots, ${fmt(d.counts.imported, 0)} imported), ${fmt(d.counts.emailLeads, 0)} leads with email, ${fmt(d.counts.chatLeads, 0)} chat leads, ${fmt(d.counts.tags, 0)} tags (${fmt(d.counts.distinctTags, 0)} distinct), ${d.segments} segments (${fmt(d.counts.segmentMembers, 0)} members), ${fmt(d.counts.notes, 0)} notes, ${fmt(d.counts.messages, 0)} messages; seed ${d.seed}; generated in ${fmt(d.generateSeconds)} s |`,
  );
  lines.push(`| database | ${r.database.dialect}${r.database.sizeMiB ? `, ${fmt(r.database.sizeMiB, 0)} MiB` : ''} |`, '');

  lines.push('## Targets (issue 9)', '', '| target | measured | |', '| --- | --- | --- |');
  for (const t of r.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.pass === null ? 'n/a' : t.pass ? 'pass' : '**FAIL**'} |`);
  lines.push('');

  lines.push('## Operations', '');
  lines.push(
    'leadbox and the ceiling (bare Fastify, same routes and validation, same response bytes from memory) under the same load; latencies in ms. "alone" is one connection by itself. "CPU ms/req" is the CPU time of the server process per request (SQLite runs inside it; PostgreSQL work is not counted there). "other load" is the share of the machine other processes used during the run.',
    '',
  );
  lines.push(
    '| operation | conns | leadbox req/s | p50 | p95 | p99 | ceiling req/s | ceiling p50 | ceiling p99 | ratio | alone p50 / p95 | CPU ms/req leadbox / ceiling | bytes | non-2xx / errors | other load |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const o of r.operations) {
    const l = o.leadbox;
    const c = o.ceiling;
    const rows = o.rowsPerRequest ? ` (${fmt(l.rps * o.rowsPerRequest, 0)} rows/s)` : '';
    lines.push(
      `| ${o.title} | ${l.connections} | ${fmt(l.rps)}${rows} | ${fmt(l.p50)} | ${fmt(l.p95)} | ${fmt(l.p99)} | ${fmt(c?.rps)} | ${fmt(c?.p50)} | ${fmt(c?.p99)} | ${pct(o.ratio)} | ${o.probe ? `${fmt(o.probe.p50)} / ${fmt(o.probe.p95)}` : '–'} | ${fmt(l.cpuMsPerRequest, 2)} / ${fmt(c?.cpuMsPerRequest, 2)} | ${fmt(o.responseBytes, 0)} | ${l.non2xx} / ${l.errors + l.timeouts} | ${pct(Math.max(l.foreignCpu ?? 0, c?.foreignCpu ?? 0, o.probe?.foreignCpu ?? 0))} |`,
    );
  }
  lines.push('');
  if (r.raw.length > 0) {
    lines.push(`## Raw ${r.database.dialect} write rates (same database, the server's durability settings)`, '');
    lines.push('| statement | rows/s | transactions/s | clients |', '| --- | ---: | ---: | ---: |');
    for (const x of r.raw) lines.push(`| ${x.title} | ${fmt(x.rowsPerSecond, 0)} | ${fmt(x.transactionsPerSecond)} | ${x.concurrency} |`);
    lines.push('');
  }
  lines.push('## Memory (server process)', '');
  lines.push(
    `After start ${fmt(r.memory.afterStartMiB)} MiB; during the mixed workload mean ${fmt(r.memory.mixed.meanMiB)} MiB, max ${fmt(r.memory.mixed.maxMiB)} MiB (${r.memory.mixed.samples} samples of VmRSS); peak over the whole run (VmHWM, imports included) ${fmt(r.memory.peakMiB)} MiB.`,
    '',
  );
  lines.push(
    '## Settings',
    '',
    Object.entries(r.settings)
      .map(([k, v]) => `\`${k}\` ${v}`)
      .join(' · '),
    '',
  );
  return lines.join('\n');
}

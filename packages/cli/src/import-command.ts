import { once } from 'node:events';
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Leadbox, LeadboxError } from '@leadbox/sdk';
import { csvLine } from '@leadbox/server/lib/csv.js';
import { AppError } from '@leadbox/server/lib/errors.js';
import { findAccount } from '@leadbox/server/modules/accounts/accounts.repository.js';
import { requireBot } from '@leadbox/server/modules/bots/bots.service.js';
import { LIMITS } from '@leadbox/server/modules/contacts/contact.js';
import { parseMappings } from '@leadbox/server/modules/imports/contact-rows.js';
import { existedBefore, refusedRows, rowIssues } from '@leadbox/server/modules/imports/import-batch.js';
import { type ImportRow, importContacts } from '@leadbox/server/modules/imports/imports.service.js';
import type { CliContext } from './context.js';
import { csvSource, jsonSource, readText, type SourceRow } from './import-sources.js';
import { bar, count, ProgressLine } from './progress.js';

export interface ImportOptions {
  customer?: string;
  bot?: string;
  map: string[];
  onDuplicate: 'update' | 'skip';
  rejects?: string;
  url?: string;
  token?: string;
}

export interface ImportSummary {
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
  /** where the rejected rows are, with a reason column; null when none was rejected */
  rejectsFile: string | null;
}

/** Local batches: one transaction each, small enough to hold a write lock briefly. */
const LOCAL_BATCH = 5000;

interface Written {
  id: string;
  action: 'created' | 'updated';
}

/** Where valid rows go: `importContacts` on the local database, or POST /inbox/users/import. */
interface Sink {
  batchSize: number;
  write(rows: ImportRow[]): Promise<Written[]>;
  /** row index -> reason when the server refused a batch because of some rows; null for any other failure */
  rowProblems(error: unknown): Map<number, string> | null;
  /** for --on-duplicate skip: which rows would change a contact that existed before this import */
  existed?(rows: ImportRow[], createdHere: ReadonlySet<string>): Promise<boolean[]>;
}

export async function runImport(file: string, o: ImportOptions, ctx: CliContext): Promise<ImportSummary> {
  const format = path.extname(file).toLowerCase();
  if (format !== '.csv' && format !== '.json') throw new Error(`${file}: the file name must end in .csv or .json`);
  const size = statSync(file).size;
  const mappings = parseMappings(o.map);
  const sink = await openSink(o, ctx);

  let bytes = 0;
  const chunks = readText(file, (n) => {
    bytes += n;
  });
  const source = format === '.csv' ? csvSource(chunks, mappings) : jsonSource(chunks, mappings);
  const rejectsFile = path.resolve(o.rejects ?? `${file.slice(0, -format.length)}.rejects.csv`);
  let rejects: WriteStream | null = null;
  const summary: ImportSummary = { created: 0, updated: 0, skipped: 0, rejected: 0, rejectsFile: null };
  const createdHere = new Set<string>();
  const updatedHere = new Set<string>();
  let read = 0;

  const reject = async (row: SourceRow, reason: string) => {
    if (!rejects) {
      rejects = createWriteStream(rejectsFile);
      rejects.write(csvLine(source.rejectColumns));
    }
    summary.rejected++;
    if (!rejects.write(csvLine(row.rejectLine(reason)))) await once(rejects, 'drain');
  };
  const progress = new ProgressLine(ctx.io.stdout, Boolean(ctx.io.stdout.isTTY));
  const show = () =>
    progress.update(
      () =>
        `importing ${path.basename(file)} ${bar(size ? bytes / size : 1)}  ${count(read)} rows: ` +
        `${count(createdHere.size)} created, ${count(updatedHere.size)} updated, ${count(summary.skipped)} skipped, ${count(summary.rejected)} rejected`,
    );

  const flush = async (batch: (SourceRow & { row: ImportRow })[]) => {
    let entries = batch;
    if (sink.existed) {
      const existed = await sink.existed(
        entries.map((e) => e.row),
        createdHere,
      );
      summary.skipped += existed.filter(Boolean).length;
      entries = entries.filter((_, i) => !existed[i]);
    }
    while (entries.length > 0) {
      try {
        const written = await sink.write(entries.map((e) => e.row));
        for (const w of written) if (w.action === 'created') createdHere.add(w.id);
        for (const w of written) if (w.action === 'updated' && !createdHere.has(w.id)) updatedHere.add(w.id);
        return;
      } catch (error) {
        // A batch is all or nothing: set aside the rows it names and send the others again.
        const problems = sink.rowProblems(error);
        if (!problems || problems.size === 0) throw error;
        for (const [i, reason] of problems) if (entries[i]) await reject(entries[i], reason);
        entries = entries.filter((_, i) => !problems.has(i));
      }
    }
  };

  try {
    let batch: (SourceRow & { row: ImportRow })[] = [];
    for await (const row of source.rows) {
      read++;
      if (row.result.row) batch.push({ ...row, row: row.result.row });
      else await reject(row, row.result.reason);
      if (batch.length >= sink.batchSize) {
        await flush(batch);
        batch = [];
      }
      show();
    }
    await flush(batch);
  } catch (error) {
    const done = createdHere.size + updatedHere.size;
    if (done === 0 || !(error instanceof Error)) throw error;
    throw new Error(
      `${error.message}\n  before it stopped, ${count(createdHere.size)} contacts were created and ${count(updatedHere.size)} updated`,
      { cause: error },
    );
  } finally {
    progress.clear();
    if (rejects) await closeStream(rejects);
  }
  if (source.unmapped.size > 0) {
    ctx.io.stderr.write(
      `ignored ${format === '.csv' ? 'columns' : 'keys'} (use --map COLUMN=FIELD to import them): ${[...source.unmapped].join(', ')}\n`,
    );
  }
  return { ...summary, created: createdHere.size, updated: updatedHere.size, rejectsFile: summary.rejected > 0 ? rejectsFile : null };
}

async function openSink(o: ImportOptions, ctx: CliContext): Promise<Sink> {
  if (o.url || o.token) {
    if (!o.url || !o.token) throw new Error('a remote import needs both --url and --token');
    if (o.onDuplicate === 'skip') throw new Error('--on-duplicate skip works on the local database only (the API has no way to ask first)');
    const sdk = new Leadbox({ baseUrl: o.url, token: o.token });
    return {
      batchSize: LIMITS.importRows,
      write: async (rows) =>
        (await sdk.importUsers(rows.map(toApiShape), { botId: o.bot })).users.map((u) => ({ id: u._id, action: u.action })),
      rowProblems: (error) =>
        error instanceof LeadboxError && error.isBotPenguin() && error.status === 400
          ? rowIssues(error.details.map((line) => [line.split(': ', 1)[0] as string, line.slice(line.indexOf(': ') + 2)]))
          : null,
    };
  }
  if (!o.customer) throw new Error('--customer is required (or --url and --token to import through a server)');
  const db = await ctx.db();
  const accountId = o.customer.toLowerCase();
  if (!(await findAccount(db, accountId))) throw AppError.notFound('Customer', 'customerId', o.customer);
  const botId = o.bot ? (await requireBot(db, accountId, o.bot.toLowerCase())).id : undefined;
  return {
    batchSize: LOCAL_BATCH,
    write: async (rows) => (await importContacts(db, accountId, { rows, botId })).rows,
    rowProblems: refusedRows,
    existed: o.onDuplicate === 'skip' ? (rows, createdHere) => existedBefore(db, accountId, rows, (c) => createdHere.has(c.id)) : undefined,
  };
}

function toApiShape(row: ImportRow) {
  const phone = row.phone ? { number: row.phone.number, ...(row.phone.prefix ? { prefix: row.phone.prefix } : {}) } : undefined;
  return {
    profile: {
      userDetails: { userProvidedName: row.name, contact: { email: row.email, phone }, tags: row.tags, attributes: row.attributes },
    },
  };
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

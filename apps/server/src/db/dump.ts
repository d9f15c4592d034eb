import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** Every table, parents before children, with its primary key (the order rows are read in). */
export const DUMP_TABLES: { table: keyof DB; key: string[] }[] = [
  { table: 'accounts', key: ['id'] },
  { table: 'bots', key: ['accountId', 'id'] },
  { table: 'agents', key: ['accountId', 'id'] },
  { table: 'apiTokens', key: ['accountId', 'id'] },
  { table: 'contacts', key: ['accountId', 'id'] },
  { table: 'contactTags', key: ['accountId', 'contactId', 'tag'] },
  { table: 'contactNotes', key: ['accountId', 'id'] },
  { table: 'segments', key: ['accountId', 'id'] },
  { table: 'segmentMembers', key: ['accountId', 'segmentId', 'contactId'] },
  { table: 'retiredLeadIds', key: ['accountId', 'leadId'] },
  { table: 'idempotencyKeys', key: ['accountId', 'key'] },
  { table: 'webhookSubscriptions', key: ['accountId', 'id'] },
  { table: 'webhookEvents', key: ['accountId', 'id'] },
  { table: 'webhookDeliveries', key: ['accountId', 'id'] },
  { table: 'accountNotifications', key: ['accountId', 'id'] },
  { table: 'messages', key: ['accountId', 'id'] },
  { table: 'agentSessions', key: ['accountId', 'id'] },
  { table: 'firstStartOwner', key: ['accountId'] },
  { table: 'jobs', key: ['accountId', 'id'] },
  { table: 'jobInputs', key: ['accountId', 'jobId', 'seq'] },
  { table: 'jobRejects', key: ['accountId', 'jobId', 'seq'] },
  // A database copied while an import was unfinished (after a crash) carries its undo journal,
  // so the restored copy takes the import back at its first start, as the original would have.
  { table: 'importJournal', key: ['accountId', 'importId', 'seq'] },
];

/**
 * Columns that mean something only in the database they are in: left out of a dump, so the
 * restoring database sets its own default (`created_xid`: the restoring transaction).
 */
export const LOCAL_COLUMNS: ReadonlySet<string> = new Set(['createdXid']);

export const DUMP_FORMAT = 'leadbox-dump';
const BATCH = 1000;

type Row = Record<string, unknown>;

/**
 * Streams every row as NDJSON lines: a header, then `{"t":table,"r":row}` per row, read in primary
 * key order with keyset paging, so memory stays flat however large the database is.
 */
export async function* dumpDatabase(db: Kysely<DB>): AsyncGenerator<string> {
  const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  yield JSON.stringify({ format: DUMP_FORMAT, version: 1, migrations: migrations.rows.map((r) => r.name) });
  for (const { table, key } of DUMP_TABLES) {
    let after: unknown[] | null = null;
    for (;;) {
      // biome-ignore lint/suspicious/noExplicitAny: one loop over every table
      let query = (db as Kysely<any>).selectFrom(table).selectAll();
      if (after) {
        const last = after;
        query = query.where((eb) => eb(eb.refTuple(...(key as [string, string])), '>', eb.tuple(...(last as [unknown, unknown]))));
      }
      for (const column of key) query = query.orderBy(column);
      const rows = (await query.limit(BATCH).execute()) as Row[];
      for (const row of rows) {
        for (const column of LOCAL_COLUMNS) delete row[column];
        yield JSON.stringify({ t: table, r: row });
      }
      if (rows.length < BATCH) break;
      const lastRow = rows[rows.length - 1] as Row;
      after = key.map((column) => lastRow[column]);
    }
  }
}

export class DumpError extends Error {}

/**
 * Loads a dump into an empty, migrated database in one transaction: either every row lands or
 * none does. Refuses a database that already has accounts, or a dump from other migrations.
 */
export async function restoreDatabase(db: Kysely<DB>, lines: AsyncIterable<string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const known = new Set<string>(DUMP_TABLES.map((t) => t.table));
  // Take the iterator before the first await: a readline interface drops lines it emits while
  // nobody is iterating yet.
  const iterator = lines[Symbol.asyncIterator]();
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('accounts').select('id').limit(1).execute();
    if (existing.length > 0) throw new DumpError('the target database already has accounts; restore needs an empty database');
    const migrations = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(trx)).rows.map((r) => r.name);
    let header = false;
    let pending = null as { table: string; rows: Row[] } | null;
    const flush = async () => {
      if (!pending || pending.rows.length === 0) return;
      // biome-ignore lint/suspicious/noExplicitAny: rows of any table
      await (trx as Kysely<any>).insertInto(pending.table).values(pending.rows).execute();
      counts[pending.table] = (counts[pending.table] ?? 0) + pending.rows.length;
      pending.rows = [];
    };
    let lineNumber = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const line = next.value;
      lineNumber++;
      if (!line.trim()) continue;
      let parsed: { format?: string; migrations?: string[]; t?: string; r?: Row };
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new DumpError(`line ${lineNumber} is not JSON`);
      }
      if (!header) {
        if (parsed.format !== DUMP_FORMAT) throw new DumpError('not a leadbox dump (no header line)');
        if (JSON.stringify(parsed.migrations) !== JSON.stringify(migrations)) {
          throw new DumpError(
            `the dump was made at migrations [${parsed.migrations?.join(', ')}], this database is at [${migrations.join(', ')}]`,
          );
        }
        header = true;
        continue;
      }
      if (!parsed.t || !known.has(parsed.t) || !parsed.r) throw new DumpError(`line ${lineNumber} is not a row of a known table`);
      if (pending?.table !== parsed.t) {
        await flush();
        pending = { table: parsed.t, rows: [] };
      }
      pending.rows.push(parsed.r);
      if (pending.rows.length >= 200) await flush();
    }
    await flush();
    if (!header) throw new DumpError('the dump is empty');
  });
  return counts;
}

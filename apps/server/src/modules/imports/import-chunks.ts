// Applying an import plan in chunks, for the server on SQLite. There the process has one
// connection, and better-sqlite3 runs each statement synchronously: a 10,000-row import in one
// transaction held the connection and the event loop for its whole second, and every other request
// waited for it. Here the plan is read with a pause between statements and written in short
// transactions (through group commit, in turn with the other writers), each recording how to take
// it back (import-journal.ts). The last chunk's transaction deletes that journal: it is the
// import's commit, so the answer is still all or nothing.
import type { Kysely } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import { writeTransaction } from '../../db/group-commit.js';
import type { DB } from '../../db/schema.js';
import { perDatabase } from '../../db/scoped.js';
import { newObjectId } from '../../lib/ids.js';
import { nextTurn } from '../../lib/turns.js';
import type { Contact } from '../contacts/contact.js';
import { type ContactChange, ContactStore } from '../contacts/contact-store.js';
import { chunks, relationColumns, toContactWithRelations } from '../contacts/contacts.repository.js';
import type { ImportRow } from './contact-rows.js';
import { dropJournal, journalChunk, undoImport } from './import-journal.js';
import {
  changeOf,
  fitsLimits,
  type ImportBot,
  type ImportPlan,
  keysOf,
  keysOfRows,
  type MatchKeys,
  newContactOf,
  recordImportCompleted,
  writtenKeys,
} from './import-plan.js';

/**
 * How long a chunk may hold the connection: each chunk's size follows from how long the one before
 * took, so a slow machine or a costly kind of row (a new contact also writes its search row) gets
 * smaller chunks; about 100-300 contacts on the development VM. Never fewer than MIN_CHUNK: every
 * chunk is a commit, which also flushes the search index (about 10 ms), so tiny chunks on a busy
 * machine would stretch the import far more than they shorten anyone's wait.
 */
const CHUNK_BUDGET_MS = 20;
const FIRST_CHUNK = 100;
const MIN_CHUNK = 50;
const MAX_CHUNK = 1000;

const nextChunkSize = (size: number, tookMs: number) =>
  Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.round(size * Math.min(2, CHUNK_BUDGET_MS / Math.max(tookMs, 1)))));

/** Contacts read per statement while planning. */
const READ_CHUNK = 100;

const QUIET = { events: false };

/** The chained imports of each account, per database. */
const queues = perDatabase(() => new Map<string, Promise<void>>());

/**
 * Runs the chunked imports of one account one at a time in this process (the single-transaction
 * path gets the same from SQLite's one writer, or PostgreSQL's advisory lock): two overlapping
 * files must not both create the same contact.
 */
export async function oneImportAtATime<T>(db: Kysely<DB>, accountId: string, work: () => Promise<T>): Promise<T> {
  const byAccount = queues(db);
  const before = byAccount.get(accountId) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = before.then(() => mine);
  byAccount.set(accountId, tail);
  await before;
  try {
    return await work();
  } finally {
    release();
    if (byAccount.get(accountId) === tail) byAccount.delete(accountId);
  }
}

/** The contacts the rows may match (by id, phone key or lower-cased email), oldest first, read a few hundred per statement. */
export async function readMatching(db: Kysely<DB>, accountId: string, rows: readonly ImportRow[]): Promise<Contact[]> {
  const keys = await keysOfRows(rows);
  const ids = new Set(keys.ids);
  for (const [column, values] of [
    ['phoneKey', keys.phoneKeys],
    ['emailLower', keys.emails],
  ] as const) {
    for (const part of chunks(values, READ_CHUNK)) {
      const found = await db.selectFrom('contacts').select('id').where('accountId', '=', accountId).where(column, 'in', part).execute();
      for (const r of found) ids.add(r.id);
      await nextTurn();
    }
  }
  const contacts: Contact[] = [];
  for (const part of chunks([...ids].sort(), READ_CHUNK)) {
    const found = await db
      .selectFrom('contacts')
      .selectAll('contacts')
      .select(relationColumns(isPostgres(db)))
      .where('contacts.accountId', '=', accountId)
      .where('contacts.id', 'in', part)
      .execute();
    for (const row of found) contacts.push(toContactWithRelations(row));
    await nextTurn();
  }
  return contacts.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

interface Apply {
  accountId: string;
  rows: readonly ImportRow[];
  bot: ImportBot | null;
  now: number;
  importId: string;
  /** what the plan expects each contact it knows of to match on now: as read, or as this import wrote it */
  known: Map<string, MatchKeys>;
}

/**
 * Writes the plan a chunk at a time. True once the last chunk committed (the import is complete);
 * false when a chunk found the plan out of date (another writer created, deleted or re-keyed a contact
 * it matches, or filled one up to a limit), after taking back the chunks already committed: plan
 * again. Any error takes them back too, and is thrown.
 */
export async function applyInChunks(
  db: Kysely<DB>,
  accountId: string,
  plan: ImportPlan,
  read: readonly Contact[],
  input: { rows: readonly ImportRow[]; bot: ImportBot | null; now: number; chunkSize?: number },
): Promise<boolean> {
  const known = new Map(read.map((c) => [c.id, keysOf(c.phone, c.email)]));
  const apply: Apply = { ...input, accountId, importId: newObjectId(input.now), known };
  const all = plan.contacts;
  let size = input.chunkSize ?? FIRST_CHUNK;
  try {
    for (let from = 0, seq = 0; from < all.length; seq++) {
      const part = all.slice(from, from + size);
      from += part.length;
      const last = from >= all.length;
      // Two turns: the requests that arrived during the last chunk queue their writes in the first,
      // and those commit before this chunk joins the queue in the second.
      await nextTurn();
      await nextTurn();
      let took = 0;
      const written = await writeTransaction(db, async (trx) => {
        const started = performance.now();
        const keys = await applyChunk(trx, apply, part, seq, last ? plan : null);
        took = performance.now() - started;
        return keys;
      });
      if (!written) {
        await undoImport(db, accountId, apply.importId);
        return false;
      }
      for (const [id, keys] of written) known.set(id, keys);
      if (input.chunkSize === undefined) size = nextChunkSize(size, took);
    }
    return true;
  } catch (error) {
    try {
      await undoImport(db, accountId, apply.importId);
    } catch (undoError) {
      throw new Error(`an import failed, and taking back its committed chunks failed too; the next start takes them back`, {
        cause: new AggregateError([error, undoError]),
      });
    }
    throw error;
  }
}

/** One chunk, in its own transaction; `plan` is given for the last one. The keys it wrote, or null if the plan is out of date. */
async function applyChunk(
  trx: Kysely<DB>,
  a: Apply,
  part: ImportPlan['contacts'],
  seq: number,
  plan: ImportPlan | null,
): Promise<Map<string, MatchKeys> | null> {
  const store = new ContactStore(trx, a.accountId, a.now);
  const fresh = await currentState(trx, store, a.accountId, part);
  if (!(await planHolds(trx, a, part, fresh))) return null;
  for (const p of part) {
    const current = fresh.get(p.id);
    if (current && !fitsLimits(p, current)) return null;
  }

  const created = part.filter((p) => !p.current);
  await store.create(
    created.map((p) => newContactOf(p, a.bot)),
    QUIET,
  );
  const changed: { before: Contact; change: ContactChange }[] = [];
  for (const p of part) {
    const before = fresh.get(p.id);
    if (!before) continue;
    const change = changeOf(p, before);
    if (await store.update(before, change, QUIET)) changed.push({ before, change });
  }

  if (plan) {
    if (seq > 0) await dropJournal(trx, a.accountId, a.importId);
    await recordImportCompleted(trx, a.accountId, a.bot, plan.result, a.now);
  } else {
    await journalChunk(trx, a.accountId, a.importId, seq, { created: created.map((p) => p.id), changed }, a.now);
  }
  return new Map(part.map((p) => [p.id, writtenKeys(p, fresh.get(p.id) ?? null)]));
}

/**
 * The contacts the chunk updates, as they are now: the plan's reading of those nobody has changed
 * since (every change moves `updatedAt`), read again for the others. Reading every contact's tags,
 * notes and segments a second time cost more than writing them. A contact deleted since is missing.
 */
async function currentState(
  trx: Kysely<DB>,
  store: ContactStore,
  accountId: string,
  part: ImportPlan['contacts'],
): Promise<Map<string, Contact>> {
  const stamps = new Map<string, number>();
  for (const ofIds of chunks(part.filter((p) => p.current).map((p) => p.id))) {
    const rows = await trx
      .selectFrom('contacts')
      .select(['id', 'updatedAt'])
      .where('accountId', '=', accountId)
      .where('id', 'in', ofIds)
      .execute();
    for (const r of rows) stamps.set(r.id, r.updatedAt);
  }
  const fresh = new Map<string, Contact>();
  const moved: string[] = [];
  for (const p of part) {
    const at = stamps.get(p.id);
    if (!p.current || at === undefined) continue;
    if (at === p.current.updatedAt) fresh.set(p.id, p.current);
    else moved.push(p.id);
  }
  for (const c of await store.lock(moved)) fresh.set(c.id, c);
  return fresh;
}

/**
 * Whether the plan still holds for these contacts: every contact that the keys of their rows match
 * now is one the plan knew, with the keys it expected, and every contact it updates is still there.
 */
async function planHolds(trx: Kysely<DB>, a: Apply, part: ImportPlan['contacts'], fresh: ReadonlyMap<string, Contact>): Promise<boolean> {
  const same = (id: string, keys: MatchKeys) => {
    const expected = a.known.get(id);
    return expected !== undefined && expected.phoneKey === keys.phoneKey && expected.emailLower === keys.emailLower;
  };
  for (const p of part) {
    const current = fresh.get(p.id);
    if (p.current && !(current && same(p.id, keysOf(current.phone, current.email)))) return false;
  }
  const keys = await keysOfRows(
    a.rows,
    part.flatMap((p) => p.rows),
  );
  for (const [column, values] of [
    ['id', keys.ids],
    ['phoneKey', keys.phoneKeys],
    ['emailLower', keys.emails],
  ] as const) {
    for (const ofValues of chunks(values)) {
      const found = await trx
        .selectFrom('contacts')
        .select(['id', 'phoneKey', 'emailLower'])
        .where('accountId', '=', a.accountId)
        .where(column, 'in', ofValues)
        .execute();
      if (!found.every((f) => same(f.id, f))) return false;
    }
  }
  return true;
}

// The undo journal of an import applied in chunks (import-chunks.ts). Each chunk's transaction adds
// one row saying how to take back what that chunk wrote; the last chunk's transaction deletes them
// all, so the journal of a finished import never outlives it. An import that fails after some chunks
// committed takes them back at once; one the process stopped in (kill -9, power loss) is taken back
// by `recoverImports` when the server starts again, before it serves.
//
// Other requests write between chunks, so taking back reverts only what the import wrote and still
// holds the import's value: a field another writer has set since keeps that writer's value, and a
// contact the import created is deleted only while nobody else has changed it since (its
// `updatedAt` still the import's); one that somebody did change is theirs now, and stays.
import type { Kysely } from 'kysely';
import { lockRows } from '../../db/dialect.js';
import { writeTransaction } from '../../db/group-commit.js';
import type { DB } from '../../db/schema.js';
import type { Attribute, Contact, Phone } from '../contacts/contact.js';
import { type ContactChange, ContactStore } from '../contacts/contact-store.js';

/** How to take back what the import did to a contact that was there: each field it changed, before and after. */
interface ChangedUndo {
  id: string;
  wasImported: boolean;
  name?: [before: string | null, after: string | null];
  email?: [before: string | null, after: string | null];
  phone?: { before: Phone | null; raw: string | null; after: Phone | null };
  /** [key, value before (null: the contact had no such key), value the import set] */
  attributes?: [key: string, before: string | null, after: string][];
  /** the tags the import added */
  tags?: string[];
}

/** The journal row of one chunk (a frozen format: a row may be read by the next version after a crash). */
interface ChunkUndo {
  v: 1;
  /** the contacts the chunk created, with the `updatedAt` it gave them */
  created: { id: string; updatedAt: number }[];
  changed: ChangedUndo[];
}

export interface ChunkWrites {
  created: string[];
  /** the contacts that were there and changed: their locked state before, and the change */
  changed: { before: Contact; change: ContactChange }[];
}

const samePhone = (a: Phone | null | undefined, b: Phone | null | undefined) =>
  (a?.number ?? null) === (b?.number ?? null) && (a?.prefix ?? null) === (b?.prefix ?? null);
const attributeValue = (attributes: readonly Attribute[], key: string) => attributes.find((a) => a.key === key)?.value ?? null;

function changedUndo(before: Contact, change: ContactChange): ChangedUndo {
  const u: ChangedUndo = { id: before.id, wasImported: before.isImported };
  if (change.name !== undefined && change.name !== before.name) u.name = [before.name, change.name];
  if (change.email !== undefined && change.email !== before.email) u.email = [before.email, change.email];
  if (change.phone !== undefined && !samePhone(before.phone, change.phone))
    u.phone = { before: before.phone, raw: before.phoneRaw, after: change.phone };
  const attributes = (change.attributes ?? [])
    .map((a): [string, string | null, string] => [a.key, attributeValue(before.attributes, a.key), a.value])
    .filter(([, was, is]) => was !== is);
  if (attributes.length > 0) u.attributes = attributes;
  const tags = [...new Set(change.addTags ?? [])].filter((t) => !before.tags.includes(t));
  if (tags.length > 0) u.tags = tags;
  return u;
}

/** What taking back one changed contact writes, given its state now (locked). */
function revertOf(u: ChangedUndo, now: Contact): { change: ContactChange; unmarkImported: boolean } {
  const change: ContactChange = {};
  if (u.name && now.name === u.name[1]) change.name = u.name[0];
  if (u.email && now.email === u.email[1]) change.email = u.email[0];
  if (u.phone && samePhone(now.phone, u.phone.after)) {
    change.phone = u.phone.before;
    change.phoneRaw = u.phone.raw;
  }
  const restore = new Map(
    (u.attributes ?? []).filter(([key, , set]) => attributeValue(now.attributes, key) === set).map(([k, was]) => [k, was]),
  );
  if (restore.size > 0)
    change.attributes = now.attributes.flatMap((a) => {
      if (!restore.has(a.key)) return [a];
      const was = restore.get(a.key);
      return was == null ? [] : [{ key: a.key, value: was }];
    });
  const tags = (u.tags ?? []).filter((t) => now.tags.includes(t));
  if (tags.length > 0) change.removeTags = tags;
  // Like a tag: if another import set the flag too since, that cannot be told apart, and it goes.
  return { change, unmarkImported: !u.wasImported && now.isImported };
}

/** Adds the journal row of a chunk, in the chunk's transaction. */
export async function journalChunk(
  trx: Kysely<DB>,
  accountId: string,
  importId: string,
  seq: number,
  writes: ChunkWrites,
  now: number,
): Promise<void> {
  const undo: ChunkUndo = {
    v: 1,
    // `create` stamps what it writes with the import's clock.
    created: writes.created.map((id) => ({ id, updatedAt: now })),
    changed: writes.changed.map((c) => changedUndo(c.before, c.change)),
  };
  await trx
    .insertInto('importJournal')
    .values({ accountId, importId, seq, undo: JSON.stringify(undo), createdAt: now })
    .execute();
}

/** Deletes an import's journal: in the transaction of its last chunk, which is where the import commits. */
export async function dropJournal(trx: Kysely<DB>, accountId: string, importId: string): Promise<void> {
  await trx.deleteFrom('importJournal').where('accountId', '=', accountId).where('importId', '=', importId).execute();
}

export interface UndoCounts {
  /** contacts the import created, deleted again */
  deleted: number;
  /** contacts that were there, whose fields the import changed, put back */
  reverted: number;
  /** contacts the import created that another writer changed since: kept */
  kept: number;
}

/** Takes back the committed chunks of an import, newest first, each in a short transaction of its own. */
export async function undoImport(db: Kysely<DB>, accountId: string, importId: string, now = Date.now()): Promise<UndoCounts> {
  const counts: UndoCounts = { deleted: 0, reverted: 0, kept: 0 };
  const chunks = await db
    .selectFrom('importJournal')
    .select('seq')
    .where('accountId', '=', accountId)
    .where('importId', '=', importId)
    .orderBy('seq', 'desc')
    .execute();
  for (const { seq } of chunks) {
    const done = await writeTransaction(db, (trx) => undoChunk(trx, accountId, importId, seq, now));
    counts.deleted += done.deleted;
    counts.reverted += done.reverted;
    counts.kept += done.kept;
  }
  return counts;
}

async function undoChunk(trx: Kysely<DB>, accountId: string, importId: string, seq: number, now: number): Promise<UndoCounts> {
  const counts: UndoCounts = { deleted: 0, reverted: 0, kept: 0 };
  const row = await lockRows(
    trx,
    trx
      .selectFrom('importJournal')
      .select('undo')
      .where('accountId', '=', accountId)
      .where('importId', '=', importId)
      .where('seq', '=', seq),
  ).executeTakeFirst();
  // Already taken back (two instances starting at once on one PostgreSQL database).
  if (!row) return counts;
  const undo = JSON.parse(row.undo) as ChunkUndo;
  const store = new ContactStore(trx, accountId, now);
  const locked = new Map((await store.lock([...undo.created.map((c) => c.id), ...undo.changed.map((c) => c.id)])).map((c) => [c.id, c]));
  const discard: Contact[] = [];
  for (const { id, updatedAt } of undo.created) {
    const contact = locked.get(id);
    if (!contact) continue;
    if (contact.updatedAt === updatedAt) discard.push(contact);
    else counts.kept++;
  }
  await store.discardImported(discard);
  counts.deleted += discard.length;
  for (const u of undo.changed) {
    const contact = locked.get(u.id);
    if (!contact) continue;
    const { change, unmarkImported } = revertOf(u, contact);
    if (await store.revertImported(contact, change, { unmarkImported })) counts.reverted++;
  }
  await trx
    .deleteFrom('importJournal')
    .where('accountId', '=', accountId)
    .where('importId', '=', importId)
    .where('seq', '=', seq)
    .execute();
  return counts;
}

export interface RecoveryLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/**
 * At start, before serving: takes back every import the previous process did not finish (newest
 * first). Journal rows exist only while an import runs, so any found now belong to a process that
 * is gone. Returns how many imports it took back.
 */
export async function recoverImports(db: Kysely<DB>, log: RecoveryLog): Promise<number> {
  const pending = await db
    .selectFrom('importJournal')
    .select(['accountId', 'importId'])
    .select((eb) => eb.fn.max('createdAt').as('startedAt'))
    .groupBy(['accountId', 'importId'])
    .orderBy('startedAt', 'desc')
    .execute();
  for (const { accountId, importId } of pending) {
    const counts = await undoImport(db, accountId, importId);
    log.warn({ accountId, importId, ...counts }, 'took back an import that had not finished when the process stopped');
  }
  return pending.length;
}

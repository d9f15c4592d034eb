import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { ContactStore } from '../contacts/contact-store.js';
import * as repo from './segments.repository.js';

export interface Segment {
  id: string;
  accountId: string;
  name: string;
  members: number;
  createdAt: number;
  updatedAt: number;
}

type Db = Kysely<DB>;

function cleanName(raw: string): string {
  const name = raw.trim();
  if (!name || name.length > 100) throw AppError.validation([{ field: 'segmentName', message: 'must be 1 to 100 characters', value: raw }]);
  return name;
}

function duplicateName(name: string): AppError {
  return new AppError('CONFLICT', 'A segment with this name already exists', {
    issues: [{ field: 'segmentName', message: 'is already used by another segment of this account', value: name }],
  });
}

export async function listAccountSegments(db: Db, accountId: string, onlyId?: string): Promise<Segment[]> {
  return (await repo.listSegments(db, accountId, onlyId)).map(({ nameLower: _, ...s }) => s);
}

async function requireSegment(db: Db, accountId: string, id: string): Promise<Segment> {
  const [segment] = await listAccountSegments(db, accountId, id);
  if (!segment) throw AppError.notFound('Segment', 'id', id);
  return segment;
}

export async function createSegment(db: Db, accountId: string, rawName: string, now = Date.now()): Promise<Segment> {
  const name = cleanName(rawName);
  const row = { accountId, id: newObjectId(now), name, nameLower: name.toLowerCase(), createdAt: now, updatedAt: now };
  try {
    await repo.insertSegment(db, row);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(name);
    throw error;
  }
  return { id: row.id, accountId, name, members: 0, createdAt: now, updatedAt: now };
}

export async function renameAccountSegment(db: Db, accountId: string, id: string, rawName: string, now = Date.now()): Promise<Segment> {
  const name = cleanName(rawName);
  await requireSegment(db, accountId, id);
  try {
    await repo.renameSegment(db, accountId, id, name, now);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(name);
    throw error;
  }
  return requireSegment(db, accountId, id);
}

export async function deleteAccountSegment(db: Db, accountId: string, id: string, now = Date.now()): Promise<void> {
  const deleted = await db.transaction().execute(async (trx) => {
    // Its members leave it first, each with its contact.updated.
    const store = new ContactStore(trx, accountId, now);
    await store.updateEach(await store.lockMembersOf(id), () => ({ removeSegments: [id] }));
    return repo.deleteSegment(trx, accountId, id);
  });
  if (!deleted) throw AppError.notFound('Segment', 'id', id);
}

/** Adds or removes contacts; ids that are not contacts of the account are reported, not written. */
export async function changeMembers(
  db: Db,
  accountId: string,
  segmentId: string,
  change: 'add' | 'remove',
  contactIds: readonly string[],
  now = Date.now(),
): Promise<{ segment: Segment; changed: string[]; notFound: string[] }> {
  const unique = [...new Set(contactIds)];
  await requireSegment(db, accountId, segmentId);
  const existing = await db.transaction().execute(async (trx) => {
    const store = new ContactStore(trx, accountId, now);
    const contacts = await store.lock(unique);
    await store.updateEach(contacts, () => (change === 'add' ? { addSegments: [segmentId] } : { removeSegments: [segmentId] }));
    return new Set(contacts.map((c) => c.id));
  });
  const changed = unique.filter((id) => existing.has(id));
  return { segment: await requireSegment(db, accountId, segmentId), changed, notFound: unique.filter((id) => !existing.has(id)) };
}

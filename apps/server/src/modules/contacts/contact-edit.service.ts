import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/group-commit.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { attributesOf } from '../chats/chats.schemas.js';
import { type Contact, type ContactAuthor, cleanTags, mergeAttributes } from './contact.js';
import { type ContactChange, ContactStore } from './contact-store.js';
import type { ContactPatchBody } from './contacts.schemas.js';
import { assertAgent, getContact, VersionMismatch } from './contacts.service.js';

const clear = (value: string | null | undefined) => (value === undefined ? undefined : value?.trim() ? value.trim() : null);

/**
 * The change a patch makes to the locked contact: each key it has, merged into what is stored
 * now. A tag that is already there in another case is not added again (the stored spelling stays).
 */
export function toContactChange(patch: Omit<ContactPatchBody, 'version'>, current: Contact): ContactChange {
  const have = new Set(current.tags.map((t) => t.toLowerCase()));
  const addTags = cleanTags(patch.addTags ?? []).filter((t) => !have.has(t.toLowerCase()) && Boolean(have.add(t.toLowerCase())));
  const removed = new Set(patch.removeAttributes ?? []);
  const attributes =
    patch.setAttributes || patch.removeAttributes
      ? mergeAttributes(current.attributes, attributesOf(patch.setAttributes) ?? []).filter((a) => !removed.has(a.key))
      : undefined;
  const dropNotes = new Set(patch.removeNotes ?? []);
  const phone = patch.phone === undefined ? undefined : patch.phone?.number ? patch.phone : null;
  return {
    name: clear(patch.name),
    email: clear(patch.email),
    phone: phone ? { number: phone.number, prefix: phone.prefix?.replace(/^\+/, '') || null } : phone,
    status: patch.status,
    agentId: patch.agentId === undefined ? undefined : patch.agentId ? patch.agentId.toLowerCase() : null,
    addTags,
    removeTags: patch.removeTags,
    attributes,
    ...(dropNotes.size > 0
      ? {
          notes: [
            ...current.notes.filter((n) => !dropNotes.has(n.id)).map((n) => ({ id: n.id, title: n.title, description: n.description })),
            ...(patch.addNotes ?? []),
          ],
        }
      : { addNotes: patch.addNotes }),
  };
}

/**
 * Applies the fields a panel edit changes, if the contact is still at the version the editor saw;
 * otherwise writes nothing and throws VersionMismatch with the contact as it is now (and who
 * changed it). A patch that changes nothing leaves the version where it is.
 */
export async function editContact(
  db: Kysely<DB>,
  accountId: string,
  id: string,
  patch: ContactPatchBody,
  author: ContactAuthor,
  now = Date.now(),
): Promise<Contact> {
  if (patch.agentId) await assertAgent(db, accountId, patch.agentId.toLowerCase(), 'agentId');
  await writeTransaction(db, async (trx) => {
    const store = new ContactStore(trx, accountId, now, author);
    const [current] = await store.lock([id]);
    if (!current) throw AppError.notFound('Contact', 'id', id);
    if (current.version !== patch.version) throw new VersionMismatch(current);
    await store.update(current, toContactChange(patch, current));
  });
  return getContact(db, accountId, id);
}

import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { existingAgentIds } from '../agents/agents.repository.js';
import { LIMITS } from '../contacts/contact.js';
import { type ContactRow, deleteContacts, hydrate, setStatus } from '../contacts/contacts.repository.js';
import type { JobReject } from '../jobs/jobs.service.js';
import type { JobHandler, StepOutcome } from '../jobs/runner.js';
import { addMembers, findSegment, removeMembers } from '../segments/segments.repository.js';
import { recordContactChanges, watchedEvents } from '../webhooks/events.js';
import {
  addTagsToContacts,
  countTarget,
  membersAmong,
  nextTargetRows,
  removeTagsFromContacts,
  setAgent,
  tagsOfContacts,
  touchContacts,
  type WalkPosition,
} from './bulk.repository.js';
import { BULK_KIND, type BulkParams, bulkTarget } from './bulk.service.js';

type Db = Kysely<DB>;

interface BulkCursor {
  after: WalkPosition;
  /** contacts the steps so far walked over */
  seen: number;
  total: number;
}

/** Contacts per step: small enough that a step holds SQLite's write lock for a few milliseconds. */
export const BULK_BATCH = 250;

/**
 * `contacts.bulk`: walks the target oldest first, a batch per step, and applies the action to the
 * batch in the step's transaction, with the same webhook events a change through the API records.
 * A contact deleted (or moved out of the filter) before its step comes is skipped.
 */
export function bulkHandler(options: { batch?: number } = {}): JobHandler<BulkParams> {
  const batch = options.batch ?? BULK_BATCH;
  return {
    kind: BULK_KIND,
    rejectsHeader: () => 'contactId',
    async step(trx, job): Promise<StepOutcome> {
      const { accountId, params } = job;
      const cursor = job.cursor as BulkCursor | null;
      const target = bulkTarget(params);
      await checkReferences(trx, accountId, params);
      // Counted when the job was queued, outside this step's transaction (on SQLite the step holds
      // the only write lock); a job queued without a total counts here.
      const total = cursor?.total ?? job.total ?? (await countTarget(trx, accountId, target, params.until));
      const rows = await nextTargetRows(trx, accountId, target, params.until, cursor?.after ?? null, batch);
      const applied = await apply(trx, accountId, params, rows, Date.now());
      const seen = (cursor?.seen ?? 0) + rows.length;
      const last = rows[rows.length - 1];
      const done = rows.length < batch || !last;
      // What the walk no longer found was deleted (or left the filter) meanwhile: skipped, and
      // counted as handled so the progress ends at the total.
      const skipped = done ? Math.max(0, total - seen) : 0;
      const counts: Record<string, number> = { changed: applied.changed, unchanged: applied.unchanged };
      if (skipped > 0) counts.skipped = skipped;
      if (!cursor && 'ids' in params.target) counts.notFound = params.target.ids.length - total;
      return {
        cursor: done ? null : { after: [Number(last.createdAt), last.id], seen, total },
        processed: rows.length + skipped,
        counts,
        rejects: applied.rejects,
        ...(cursor ? {} : { total }),
      };
    },
  };
}

/** The agent or group of the job may have been deleted since it was queued: the job stops, saying so. */
async function checkReferences(db: Db, accountId: string, params: BulkParams): Promise<void> {
  if (params.agentId && !(await existingAgentIds(db, accountId, [params.agentId])).has(params.agentId))
    throw AppError.validation([{ field: 'agentId', message: 'is no longer an agent of this account' }], 'The agent was removed');
  if (params.segmentId && !(await findSegment(db, accountId, params.segmentId)))
    throw AppError.validation([{ field: 'segmentId', message: 'no longer exists' }], 'The group was deleted');
}

interface Applied {
  changed: number;
  unchanged: number;
  rejects: JobReject[];
}

async function apply(trx: Db, accountId: string, params: BulkParams, rows: ContactRow[], now: number): Promise<Applied> {
  const ids = rows.map((r) => r.id);
  const rejects: JobReject[] = [];
  let changedIds: string[];
  let write: (ids: string[]) => Promise<unknown>;
  switch (params.action) {
    case 'tag': {
      const tags = params.tags ?? [];
      const { has, totals } = await tagsOfContacts(trx, accountId, ids, tags);
      const add: { contactId: string; tags: string[] }[] = [];
      for (const id of ids) {
        const missing = tags.filter((t) => !has.get(id)?.has(t));
        if (missing.length === 0) continue;
        if ((totals.get(id) ?? 0) + missing.length > LIMITS.tagsPerContact)
          rejects.push({ line: null, reason: `a contact has at most ${LIMITS.tagsPerContact} tags`, raw: id });
        else add.push({ contactId: id, tags: missing });
      }
      changedIds = add.map((a) => a.contactId);
      write = async (changed) => {
        await addTagsToContacts(trx, accountId, add, now);
        await touchContacts(trx, accountId, changed, now);
      };
      break;
    }
    case 'untag': {
      const tags = params.tags ?? [];
      const { has } = await tagsOfContacts(trx, accountId, ids, tags);
      changedIds = ids.filter((id) => has.has(id));
      write = async (changed) => {
        await removeTagsFromContacts(trx, accountId, changed, tags);
        await touchContacts(trx, accountId, changed, now);
      };
      break;
    }
    case 'assign':
    case 'unassign': {
      const agentId = params.action === 'assign' ? (params.agentId ?? null) : null;
      changedIds = rows.filter((r) => r.agentId !== agentId).map((r) => r.id);
      write = (changed) => setAgent(trx, accountId, changed, agentId, now);
      break;
    }
    case 'status': {
      const status = params.status ?? 'OPEN';
      changedIds = rows.filter((r) => r.status !== status).map((r) => r.id);
      write = (changed) => setStatus(trx, accountId, changed, status, now);
      break;
    }
    case 'addToSegment':
    case 'removeFromSegment': {
      const segmentId = params.segmentId ?? '';
      const members = await membersAmong(trx, accountId, segmentId, ids);
      const adding = params.action === 'addToSegment';
      changedIds = ids.filter((id) => members.has(id) !== adding);
      write = async (changed) => {
        if (adding) await addMembers(trx, accountId, segmentId, changed, now);
        else await removeMembers(trx, accountId, segmentId, changed);
        await touchContacts(trx, accountId, changed, now);
      };
      break;
    }
    case 'delete':
      changedIds = ids;
      write = (changed) => deleteContacts(trx, accountId, changed, now);
      break;
  }
  if (changedIds.length > 0) {
    // The events a change through the API would record, in the same transaction (the outbox).
    const watched = await watchedEvents(trx, accountId);
    const changedSet = new Set(changedIds);
    const before =
      watched.size > 0
        ? await hydrate(
            trx,
            accountId,
            rows.filter((r) => changedSet.has(r.id)),
          )
        : [];
    await write(changedIds);
    const deleted = params.action === 'delete';
    await recordContactChanges(
      trx,
      accountId,
      watched,
      before.map((c) => ({ before: c, afterId: deleted ? null : c.id })),
      now,
    );
  }
  return { changed: changedIds.length, unchanged: ids.length - changedIds.length - rejects.length, rejects };
}

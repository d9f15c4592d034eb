import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { existingAgentIds } from '../agents/agents.repository.js';
import { LIMITS } from '../contacts/contact.js';
import { ContactStore } from '../contacts/contact-store.js';
import type { ContactRow } from '../contacts/contacts.repository.js';
import type { JobReject } from '../jobs/jobs.service.js';
import type { JobHandler, StepOutcome } from '../jobs/runner.js';
import { findSegment } from '../segments/segments.repository.js';
import { countTarget, nextTargetRows, type WalkPosition } from './bulk.repository.js';
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
      const total = cursor?.total ?? job.total ?? (await countTarget(trx, accountId, target, params));
      const rows = await nextTargetRows(trx, accountId, target, params, cursor?.after ?? null, batch);
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
  const store = new ContactStore(trx, accountId, now);
  // Locked (PostgreSQL) and read again: a contact changed since the walk read it is acted on as it is now.
  const contacts = await store.lock(rows.map((r) => r.id));
  const rejects: JobReject[] = [];
  let changed: string[];
  switch (params.action) {
    case 'tag': {
      const tags = params.tags ?? [];
      const fits = contacts.filter((c) => {
        const missing = tags.filter((t) => !c.tags.includes(t)).length;
        if (missing > 0 && c.tags.length + missing > LIMITS.tagsPerContact) {
          rejects.push({ line: null, reason: `a contact has at most ${LIMITS.tagsPerContact} tags`, raw: c.id });
          return false;
        }
        return missing > 0;
      });
      changed = await store.updateEach(fits, () => ({ addTags: tags }));
      break;
    }
    case 'untag':
      changed = await store.updateEach(contacts, () => ({ removeTags: params.tags ?? [] }));
      break;
    case 'assign':
    case 'unassign': {
      const agentId = params.action === 'assign' ? (params.agentId ?? null) : null;
      changed = await store.updateEach(contacts, () => ({ agentId }));
      break;
    }
    case 'status':
      changed = await store.updateEach(contacts, () => ({ status: params.status ?? 'OPEN' }));
      break;
    case 'addToSegment':
      changed = await store.updateEach(contacts, () => ({ addSegments: [params.segmentId ?? ''] }));
      break;
    case 'removeFromSegment':
      changed = await store.updateEach(contacts, () => ({ removeSegments: [params.segmentId ?? ''] }));
      break;
    case 'delete':
      await store.delete(contacts);
      changed = contacts.map((c) => c.id);
      break;
  }
  return { changed: changed.length, unchanged: rows.length - changed.length - rejects.length, rejects };
}

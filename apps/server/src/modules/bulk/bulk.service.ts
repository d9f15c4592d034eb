import type { Kysely } from 'kysely';
import { currentSnapshot } from '../../db/dialect.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { existingAgentIds } from '../agents/agents.repository.js';
import { type ChatStatus, cleanTags } from '../contacts/contact.js';
import { INBOX_FILTER_KEYS, InboxUsersBody } from '../contacts/contacts.schemas.js';
import type { ContactFilter } from '../contacts/contacts-search.repository.js';
import { toContactFilter } from '../contacts/inbox-filter.js';
import { enqueueJob, type JobInfo } from '../jobs/jobs.service.js';
import { findSegment } from '../segments/segments.repository.js';
import type { Actor } from '../tokens/tokens.service.js';
import { type BulkTarget, countMatchingCapped, countTarget } from './bulk.repository.js';
import type { BulkAction, BulkBody, BulkFilterBody } from './bulk.schemas.js';

type Db = Kysely<DB>;

export const BULK_KIND = 'contacts.bulk';

/** A bulk job's parameters, as stored with the job and shown by GET /api/v1/jobs/{id}. */
export interface BulkParams {
  action: BulkAction;
  tags?: string[];
  agentId?: string;
  status?: ChatStatus;
  segmentId?: string;
  target: { ids: string[] } | { filter: BulkFilterBody };
  /** contacts created after the job was queued are not part of it (a filter is a snapshot in time) */
  until: number;
  /** PostgreSQL: the snapshot the job was queued in; a contact whose creation had not committed in it is not part of it */
  snapshot?: string;
}

type Argument = 'tags' | 'agentId' | 'status' | 'segmentId';
const ARGUMENT_OF: Record<BulkAction, Argument | null> = {
  tag: 'tags',
  untag: 'tags',
  assign: 'agentId',
  unassign: null,
  status: 'status',
  addToSegment: 'segmentId',
  removeFromSegment: 'segmentId',
  delete: null,
};
const ARGUMENTS: Argument[] = ['tags', 'agentId', 'status', 'segmentId'];

/** The target as the repository reads it; the filter is parsed again at each step (cheap, and one rule). */
export function bulkTarget(params: Pick<BulkParams, 'target'>): BulkTarget {
  return 'ids' in params.target ? { ids: params.target.ids } : { filter: toContactFilter(params.target.filter) };
}

const FILTER_FIELDS = new Set(Object.keys(InboxUsersBody.properties));
const FILTER_KEYS: ReadonlySet<string> = new Set(INBOX_FILTER_KEYS);

/**
 * /inbox/users ignores unknown keys and filters not listed in `applicableFilters`; a bulk action
 * must not: `{ tags: ['vip'] }` alone would otherwise select, and perhaps delete, every contact.
 */
function unappliedKeys(filter: BulkFilterBody): FieldIssue[] {
  const applied = new Set(filter.applicableFilters ?? []);
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (!FILTER_FIELDS.has(key) || key === 'page' || key === 'limit' || key === 'isExport')
      issues.push({ field: `target.filter.${key}`, message: 'is not a filter of /inbox/users' });
    else if (FILTER_KEYS.has(key) && value !== undefined && !applied.has(key))
      issues.push({
        field: `target.filter.${key}`,
        message: `is set but not listed in applicableFilters, so it would not narrow the selection`,
      });
  }
  return issues;
}

/** Everything that can be wrong with a request, found before a job exists. */
async function validate(db: Db, accountId: string, body: BulkBody): Promise<Omit<BulkParams, 'until'>> {
  const issues: FieldIssue[] = [];
  const wanted = ARGUMENT_OF[body.action];
  for (const key of ARGUMENTS) {
    if (key === wanted && body[key] === undefined) issues.push({ field: key, message: `is required for the action "${body.action}"` });
    if (key !== wanted && body[key] !== undefined)
      issues.push({ field: key, message: `is not used by the action "${body.action}"`, value: body[key] });
  }
  const tags = body.tags ? cleanTags(body.tags) : undefined;
  if (body.tags && tags?.length === 0) issues.push({ field: 'tags', message: 'must hold at least one non-blank tag', value: body.tags });
  const { ids, filter } = body.target;
  if ((ids === undefined) === (filter === undefined))
    issues.push({ field: 'target', message: 'must have exactly one of "ids" and "filter"' });
  if (filter) {
    issues.push(...unappliedKeys(filter));
    try {
      toContactFilter(filter);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      issues.push(...error.issues.map((i) => ({ ...i, field: `target.filter.${i.field}` })));
    }
  }
  if (issues.length > 0) throw AppError.validation(issues);

  const agentId = body.agentId?.toLowerCase();
  if (agentId && !(await existingAgentIds(db, accountId, [agentId])).has(agentId))
    throw AppError.validation([{ field: 'agentId', message: 'is not an agent of this account', value: body.agentId }]);
  const segmentId = body.segmentId?.toLowerCase();
  // Another account's segment reads exactly like an unknown one.
  if (segmentId && !(await findSegment(db, accountId, segmentId))) throw AppError.notFound('Segment', 'segmentId', body.segmentId);

  return {
    action: body.action,
    ...(tags ? { tags } : {}),
    ...(agentId ? { agentId } : {}),
    ...(body.status ? { status: body.status } : {}),
    ...(segmentId ? { segmentId } : {}),
    target: ids ? { ids: [...new Set(ids.map((id) => id.toLowerCase()))] } : { filter: filter as BulkFilterBody },
  };
}

/** Checks the request and queues the job; the caller wakes the runner. */
export async function startBulkAction(db: Db, actor: Actor, body: BulkBody, now = Date.now()): Promise<JobInfo> {
  const validated = await validate(db, actor.accountId, body);
  const snapshot = await currentSnapshot(db);
  const params: BulkParams = { ...validated, until: now, ...(snapshot ? { snapshot } : {}) };
  // Counted here, a plain read, so the job's first step does not hold the write lock for it and
  // the progress bar has its total from the start.
  const total = await countTarget(db, actor.accountId, bulkTarget(params), params);
  return enqueueJob(db, actor.accountId, { kind: BULK_KIND, params, total, createdBy: actor.agentId ?? null }, now);
}

/** Past this many, a count says "at least": counting a million rows would hold up the page. */
export const COUNT_CAP = 10_000;

export async function countContacts(db: Db, accountId: string, filter: ContactFilter): Promise<{ count: number; exact: boolean }> {
  const n = await countMatchingCapped(db, accountId, filter, COUNT_CAP);
  return n > COUNT_CAP ? { count: COUNT_CAP, exact: false } : { count: n, exact: true };
}

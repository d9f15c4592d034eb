import { type FormEvent, useEffect, useRef, useState } from 'react';
import {
  type AccountAgent,
  api,
  type BulkAction,
  type BulkRequest,
  call,
  type InboxUsersFilter,
  type Job,
  type Segment,
  STATUS_LABELS,
  STATUSES,
  type Status,
} from './api';
import { Link } from './router';
import { ErrorNote, errorMessage } from './ui';
import { useJobProgress } from './use-job';

/** What a bulk action applies to: the checked rows, or everything the filter matches. */
export type Selection = { kind: 'ids'; ids: string[] } | { kind: 'filter'; filter: InboxUsersFilter; count: number; exact: boolean };

export const contacts = (n: number) => `${n.toLocaleString('en')} contact${n === 1 ? '' : 's'}`;
/** "1,234 contacts"; "10,000+ contacts" when the count stopped at its cap (the job counts them all). */
export const matching = (n: number, exact: boolean) => (exact ? contacts(n) : `${n.toLocaleString('en')}+ contacts`);
const selectionSize = (s: Selection) => (s.kind === 'ids' ? contacts(s.ids.length) : matching(s.count, s.exact));

const ACTIONS: { value: BulkAction; label: string }[] = [
  { value: 'tag', label: 'Add tags' },
  { value: 'untag', label: 'Remove tags' },
  { value: 'assign', label: 'Assign to an agent' },
  { value: 'unassign', label: 'Unassign' },
  { value: 'status', label: 'Change status' },
  { value: 'addToSegment', label: 'Add to a group' },
  { value: 'removeFromSegment', label: 'Remove from a group' },
  { value: 'delete', label: 'Delete' },
];

interface Names {
  agents: AccountAgent[];
  segments: Segment[];
}

/** The sentence for a finished job: "Tagged 1,234 contacts", then what did not change and why. */
export function describeResult(request: BulkRequest, job: Job, names: Names): string {
  const changed = job.counts.changed ?? 0;
  const n = contacts(changed);
  const tags = (request.tags ?? []).map((t) => `“${t}”`).join(', ');
  const agent = names.agents.find((a) => a.id === request.agentId)?.name ?? 'the agent';
  const group = `“${names.segments.find((s) => s._id === request.segmentId)?.segmentName ?? 'the group'}”`;
  const done: Record<BulkAction, string> = {
    tag: `Tagged ${n} with ${tags}.`,
    untag: `Removed ${tags} from ${n}.`,
    assign: `Assigned ${n} to ${agent}.`,
    unassign: `Unassigned ${n}.`,
    status: `Set ${n} to ${STATUS_LABELS[request.status as Status] ?? request.status}.`,
    addToSegment: `Added ${n} to ${group}.`,
    removeFromSegment: `Removed ${n} from ${group}.`,
    delete: `Deleted ${n}.`,
  };
  const notes: string[] = [];
  const unchanged = job.counts.unchanged ?? 0;
  if (unchanged) notes.push(`${contacts(unchanged)} already ${unchanged === 1 ? 'was' : 'were'} that way`);
  if (job.counts.skipped) notes.push(`${contacts(job.counts.skipped)} had been deleted or changed meanwhile`);
  if (job.counts.notFound) notes.push(`${contacts(job.counts.notFound)} no longer exist`);
  if (job.rejected) notes.push(`${contacts(job.rejected)} could not be changed (a contact has at most 200 tags)`);
  const more = notes.length ? ` ${notes.join('; ')}.`.replace(/^ ./, (c) => c.toUpperCase()) : '';
  if (job.status === 'cancelled')
    return `Stopped. Before that: ${done[request.action].charAt(0).toLowerCase()}${done[request.action].slice(1)}${more}`;
  return `${done[request.action]}${more}`;
}

type Phase =
  | { name: 'choose' }
  | { name: 'confirm'; request: BulkRequest }
  | { name: 'running'; request: BulkRequest; job: Job }
  | { name: 'finished'; request: BulkRequest; job: Job };

/**
 * The bulk action bar: choose an action for the selection, confirm a delete, then follow the job
 * (progress, cancel) to its result. `onFinished` reloads the list once the job has ended.
 */
export function BulkActions({
  selection,
  agents,
  segments,
  onClear,
  onFinished,
}: Names & { selection: Selection | null; onClear: () => void; onFinished: () => void }) {
  const [phase, setPhase] = useState<Phase>({ name: 'choose' });
  const [action, setAction] = useState<BulkAction>('tag');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const panel = useRef<HTMLElement>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  // A new step of the flow takes the keyboard focus along, so it is never left on a removed button.
  useEffect(() => {
    if (phase.name !== 'choose') panel.current?.focus();
  }, [phase.name]);

  const runningId = phase.name === 'running' ? phase.job.id : null;
  const progress = useJobProgress(
    runningId,
    (job) => {
      setPhase((p) => (p.name === 'running' ? { name: 'finished', request: p.request, job } : p));
      finished.current();
    },
    400,
  );
  // The latest poll of the running job (the job as started until the first poll answers).
  const shown = phase.name === 'running' && progress.job?.id === phase.job.id ? { ...phase, job: progress.job } : phase;

  const start = async (request: BulkRequest) => {
    setBusy(true);
    setError('');
    try {
      const job = (await call(api.POST('/api/v1/contacts/bulk', { body: request }))).data;
      setPhase({ name: 'running', request, job });
    } catch (e) {
      setError(errorMessage(e));
      setPhase({ name: 'choose' });
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (id: string) => {
    try {
      await call(api.POST('/api/v1/jobs/{id}/cancel', { params: { path: { id } } }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  if (shown.name === 'running') {
    const { job } = shown;
    const total = job.total ?? 0;
    const label = ACTIONS.find((a) => a.value === shown.request.action)?.label ?? 'Working';
    return (
      <section className="bulk card" ref={panel} tabIndex={-1} aria-labelledby="bulk-running">
        <p id="bulk-running" className="bulk-title">
          {label}:{' '}
          {job.total === null ? 'counting the contacts…' : `${Math.min(job.processed, total).toLocaleString('en')} of ${contacts(total)}`}
        </p>
        <progress
          className="bulk-progress"
          aria-labelledby="bulk-running"
          max={total || 1}
          value={job.total === null ? undefined : Math.min(job.processed, total)}
        />
        <div className="bulk-row">
          <button type="button" className="btn btn-small" onClick={() => cancel(job.id)}>
            Cancel
          </button>
          <span className="muted">You can leave this page: the job goes on in the background.</span>
        </div>
        {(error || progress.error) && <ErrorNote message={error || progress.error} />}
      </section>
    );
  }

  if (phase.name === 'finished') {
    const { job, request } = phase;
    const failed = job.status === 'failed';
    return (
      <section className="bulk card" ref={panel} tabIndex={-1} aria-label="Result of the bulk action">
        <div className={`note ${failed ? 'note-error' : 'note-ok'}`} role={failed ? 'alert' : 'status'}>
          <span>
            {failed
              ? `The action stopped: ${job.error ?? 'an error on the server'}. ${contacts(job.counts.changed ?? 0)} had been changed before.`
              : describeResult(request, job, { agents, segments })}
          </span>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setPhase({ name: 'choose' });
              onClear();
            }}
          >
            Done
          </button>
        </div>
        {job.rejected > 0 && (
          <a href={`/api/v1/jobs/${job.id}/rejects`} download>
            Download the contacts that could not be changed (CSV)
          </a>
        )}
      </section>
    );
  }

  if (!selection) return null;
  const size = selectionSize(selection);

  if (phase.name === 'confirm') {
    return (
      <section className="bulk card bulk-danger" ref={panel} tabIndex={-1} aria-labelledby="bulk-confirm">
        <p id="bulk-confirm" className="bulk-title">
          Delete {size} for good? Their conversations, notes and tags go too. This cannot be undone.
        </p>
        <div className="bulk-row">
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => start(phase.request)}>
            Delete {size}
          </button>
          <button type="button" className="btn" onClick={() => setPhase({ name: 'choose' })}>
            Keep them
          </button>
        </div>
      </section>
    );
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const target = selection.kind === 'ids' ? { ids: selection.ids } : { filter: selection.filter };
    const request: BulkRequest = { action, target };
    if (action === 'tag' || action === 'untag') {
      const tags = text('tags')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (tags.length === 0) return setError('Type at least one tag (separate tags with commas).');
      request.tags = tags;
    }
    if (action === 'assign') request.agentId = text('agentId');
    if (action === 'status') request.status = text('status') as Status;
    if (action === 'addToSegment' || action === 'removeFromSegment') {
      if (!text('segmentId')) return setError('Choose a group. Groups are made on the Groups page.');
      request.segmentId = text('segmentId');
    }
    if (action === 'delete') return setPhase({ name: 'confirm', request });
    void start(request);
  };

  return (
    <form className="bulk card" onSubmit={submit} aria-label="Change the selected contacts">
      <div className="bulk-row">
        <p className="bulk-title" aria-live="polite">
          {size} selected
        </p>
        <button type="button" className="btn btn-small" onClick={onClear}>
          Clear selection
        </button>
      </div>
      <div className="bulk-row">
        <label className="field">
          <span>Action</span>
          <select
            value={action}
            onChange={(e) => {
              setAction(e.target.value as BulkAction);
              setError('');
            }}
          >
            {ACTIONS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <Argument action={action} agents={agents} segments={segments} />
        <button type="submit" className={`btn ${action === 'delete' ? 'btn-danger' : 'btn-primary'}`} disabled={busy}>
          {action === 'delete' ? `Delete ${size}…` : `Apply to ${size}`}
        </button>
      </div>
      {error && <ErrorNote message={error} />}
    </form>
  );
}

function Argument({ action, agents, segments }: { action: BulkAction } & Names) {
  switch (action) {
    case 'tag':
    case 'untag':
      return (
        <label className="field bulk-grow">
          <span>{action === 'tag' ? 'Tags to add' : 'Tags to remove'}</span>
          <input name="tags" key={action} placeholder="vip, newsletter" maxLength={2000} />
        </label>
      );
    case 'assign':
      return (
        <label className="field">
          <span>Agent</span>
          <select name="agentId" required>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
      );
    case 'status':
      return (
        <label className="field">
          <span>New status</span>
          <select name="status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
      );
    case 'addToSegment':
    case 'removeFromSegment':
      return segments.length === 0 ? (
        <p className="muted">
          No groups yet. <Link to="/groups">Create one on the Groups page.</Link>
        </p>
      ) : (
        <label className="field">
          <span>Group</span>
          <select name="segmentId">
            {segments.map((s) => (
              <option key={s._id} value={s._id}>
                {s.segmentName}
              </option>
            ))}
          </select>
        </label>
      );
    default:
      return null;
  }
}

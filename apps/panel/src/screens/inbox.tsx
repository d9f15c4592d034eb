import { type FormEvent, useMemo } from 'react';
import { api, type Bot, call, type InboxUser, STATUS_LABELS, STATUSES, type Status } from '../api';
import { type InboxQuery, isFiltered, PAGE_SIZE, readInboxQuery, toRequestBody, writeInboxQuery } from '../inbox-query';
import { Link, navigate, useRoute } from '../router';
import { useSession } from '../session';
import { Empty, ErrorNote, formatDate, Spinner } from '../ui';
import { useAsync } from '../use-async';

export const displayName = (u: InboxUser) => u.profile.userDetails.userProvidedName || u.profile.userDetails.name || 'Unnamed visitor';
export const phoneOf = (u: InboxUser) => {
  const { number, prefix } = u.profile.userDetails.contact.phone;
  return number ? `${prefix ? `+${prefix} ` : ''}${number}` : '';
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{STATUS_LABELS[status as Status] ?? status}</span>;
}

export function Inbox() {
  const { query: params } = useRoute();
  const search = params.toString();
  const query = useMemo(() => readInboxQuery(new URLSearchParams(search)), [search]);
  const [users, reload] = useAsync(async () => (await call(api.POST('/inbox/users', { body: toRequestBody(query) }))).data, [query]);
  const [bots] = useAsync(async () => (await call(api.GET('/api/v1/bots'))).data.bots, []);
  const go = (next: InboxQuery) => navigate(`/${writeInboxQuery(next)}`);

  return (
    <section aria-labelledby="inbox-title">
      <div className="page-head">
        <h1 id="inbox-title">Inbox</h1>
        <p className="muted">Every visitor, chat and lead of your account.</p>
      </div>
      <Filters query={query} bots={bots.status === 'ready' ? bots.data : []} onApply={go} />
      {users.status === 'loading' && <Spinner label="Loading contacts…" />}
      {users.status === 'error' && <ErrorNote message={users.message} retry={reload} />}
      {users.status === 'ready' && users.data.length === 0 && (
        <Empty title={isFiltered(query) || query.page > 1 ? 'No contacts match these filters' : 'No contacts yet'}>
          {isFiltered(query) ? (
            <Link to="/">Clear the filters</Link>
          ) : (
            <p className="muted">
              Contacts appear here when a visitor chats with a bot, a lead is sent to the API, or contacts are imported.
            </p>
          )}
        </Empty>
      )}
      {users.status === 'ready' && users.data.length > 0 && <ContactTable users={users.data} />}
      {users.status === 'ready' && (query.page > 1 || users.data.length === PAGE_SIZE) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn" disabled={query.page <= 1} onClick={() => go({ ...query, page: query.page - 1 })}>
            ← Previous
          </button>
          <span aria-live="polite">Page {query.page}</span>
          <button
            type="button"
            className="btn"
            disabled={users.data.length < PAGE_SIZE}
            onClick={() => go({ ...query, page: query.page + 1 })}
          >
            Next →
          </button>
        </nav>
      )}
    </section>
  );
}

function Filters({ query, bots, onApply }: { query: InboxQuery; bots: Bot[]; onApply: (q: InboxQuery) => void }) {
  const { session } = useSession();
  const me = session?.agent;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const status = text('status');
    onApply({
      q: text('q'),
      tags: text('tags')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      status: status ? [status as Status] : [],
      bot: text('bot'),
      agent: text('agent'),
      from: text('from'),
      to: text('to'),
      page: 1,
    });
  };
  // key: the form is uncontrolled; a new URL (back button, "Clear") resets its fields.
  return (
    <form key={writeInboxQuery(query)} className="filters card" onSubmit={submit} aria-label="Filter contacts">
      <label className="field field-wide">
        <span>Search</span>
        <input name="q" type="search" defaultValue={query.q} placeholder="Name, email or phone" />
      </label>
      <label className="field">
        <span>Tags</span>
        <input name="tags" defaultValue={query.tags.join(', ')} placeholder="vip, newsletter" />
      </label>
      <label className="field">
        <span>Status</span>
        <select name="status" defaultValue={query.status[0] ?? ''}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Bot</span>
        <select name="bot" defaultValue={query.bot}>
          <option value="">Any bot</option>
          {bots.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
          {query.bot && !bots.some((b) => b.id === query.bot) && <option value={query.bot}>Bot {query.bot}</option>}
        </select>
      </label>
      <label className="field">
        <span>Assigned to</span>
        <select name="agent" defaultValue={query.agent}>
          <option value="">Anyone</option>
          {me && <option value={me.id}>Me ({me.name})</option>}
          {query.agent && query.agent !== me?.id && <option value={query.agent}>Agent {query.agent}</option>}
        </select>
      </label>
      <label className="field">
        <span>Created from</span>
        <input name="from" type="date" defaultValue={query.from} />
      </label>
      <label className="field">
        <span>Created to</span>
        <input name="to" type="date" defaultValue={query.to} />
      </label>
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary">
          Apply filters
        </button>
        {isFiltered(query) && <Link to="/">Clear</Link>}
      </div>
    </form>
  );
}

function ContactTable({ users }: { users: InboxUser[] }) {
  return (
    <div className="table-wrap">
      <table className="table contacts">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Phone</th>
            <th scope="col">Status</th>
            <th scope="col">Tags</th>
            <th scope="col">Last message</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            // The name is the keyboard-reachable link; a click anywhere on the row does the same.
            <tr key={u._id} onClick={(e) => !(e.target as Element).closest('a') && navigate(`/contacts/${u._id}`)}>
              <td data-label="Name">
                <Link to={`/contacts/${u._id}`} className="row-link">
                  {displayName(u)}
                </Link>
              </td>
              <td data-label="Email">{u.profile.userDetails.contact.email || '—'}</td>
              <td data-label="Phone">{phoneOf(u) || '—'}</td>
              <td data-label="Status">
                <StatusBadge status={u.status} />
              </td>
              <td data-label="Tags">
                <Tags tags={u.profile.userDetails.tags} />
              </td>
              <td data-label="Last message" className="last-message">
                {u.lastMessage ? (
                  <span>
                    <span className="muted">
                      {u.lastMessage.by === 'user' ? 'Visitor' : u.lastMessage.by === 'agent' ? 'Agent' : 'Bot'}:{' '}
                    </span>
                    {u.lastMessage.text}
                  </span>
                ) : (
                  '—'
                )}
              </td>
              <td data-label="Created">
                <time dateTime={u.createdAt}>{formatDate(u.createdAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="tags">
      {tags.map((t) => (
        <li key={t} className="tag">
          {t}
        </li>
      ))}
    </ul>
  );
}

import { type FormEvent, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import {
  type AccountAgent,
  api,
  type Bot,
  call,
  type InboxUser,
  type InboxUsersFilter,
  type Segment,
  STATUS_LABELS,
  STATUSES,
  type Status,
} from '../api';
import { BulkActions, contacts, matching, type Selection } from '../bulk-actions';
import { ExportButton } from '../export-button';
import {
  type InboxQuery,
  isFiltered,
  type Online,
  PAGE_SIZES,
  pageLabel,
  readInboxQuery,
  SORTS,
  type Sort,
  toFilterBody,
  toRequestBody,
  UNASSIGNED,
  writeInboxQuery,
} from '../inbox-query';
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

type Count = { count: number; exact: boolean };

/**
 * How many contacts the filter matches, asked after the rows have loaded (the list never waits
 * for it) and again after a bulk action; null until known, or when counting failed.
 */
function useMatchCount(filter: InboxUsersFilter, key: string, ready: boolean, tick: number): Count | null {
  const [state, setState] = useState<{ key: string; value: Count | null }>({ key: '', value: null });
  const wanted = `${key}#${tick}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter is the key's value
  useEffect(() => {
    if (!ready || state.key === wanted) return;
    let live = true;
    call(api.POST('/api/v1/contacts/count', { body: filter })).then(
      (r) => live && setState({ key: wanted, value: r.data }),
      () => live && setState({ key: wanted, value: null }),
    );
    return () => {
      live = false;
    };
  }, [ready, wanted]);
  return state.key === wanted ? state.value : null;
}

export function Inbox() {
  const { query: params } = useRoute();
  const search = params.toString();
  const query = useMemo(() => readInboxQuery(new URLSearchParams(search)), [search]);
  const filter = useMemo(() => toFilterBody(query), [query]);
  const filterKey = JSON.stringify(filter);
  const [users, reload] = useAsync(async () => (await call(api.POST('/inbox/users', { body: toRequestBody(query) }))).data, [query]);
  const [bots] = useAsync(async () => (await call(api.GET('/api/v1/bots'))).data.bots, []);
  const [agents] = useAsync(async () => (await call(api.GET('/api/v1/agents'))).data.agents, []);
  const [segments, reloadSegments] = useAsync(async () => (await call(api.GET('/inbox/segments'))).data, []);
  const [tick, setTick] = useState(0);
  const count = useMatchCount(filter, filterKey, users.status === 'ready', tick);
  const [checked, setChecked] = useState<string[]>([]);
  const [everything, setEverything] = useState(false);
  const go = (next: InboxQuery) => navigate(`/${writeInboxQuery(next)}`);

  // A new filter or page starts with nothing selected.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on every new query
  useEffect(() => {
    setChecked([]);
    setEverything(false);
  }, [search]);

  const rows = users.status === 'ready' ? users.data : [];
  const clear = () => {
    setChecked([]);
    setEverything(false);
  };
  const selection: Selection | null =
    everything && count
      ? { kind: 'filter', filter, count: count.count, exact: count.exact }
      : checked.length
        ? { kind: 'ids', ids: checked }
        : null;
  const lists = {
    agents: agents.status === 'ready' ? agents.data : [],
    segments: segments.status === 'ready' ? segments.data : [],
  };
  const lastPage = count?.exact ? Math.max(1, Math.ceil(count.count / query.size)) : null;

  return (
    <section aria-labelledby="inbox-title">
      <div className="page-head inbox-head">
        <div>
          <h1 id="inbox-title" tabIndex={-1}>
            Contacts
          </h1>
          <p className="muted">Every visitor, chat and lead of your account.</p>
        </div>
        <div className="inbox-tools">
          <ExportButton filter={filter} />
        </div>
      </div>
      <Filters query={query} bots={bots.status === 'ready' ? bots.data : []} {...lists} onApply={go} />
      <BulkActions
        selection={selection}
        {...lists}
        onClear={clear}
        onFinished={() => {
          clear();
          reload();
          reloadSegments();
          setTick((t) => t + 1);
        }}
      />
      {users.status === 'loading' && <Spinner label="Loading contacts…" />}
      {users.status === 'error' && <ErrorNote message={users.message} retry={reload} />}
      {users.status === 'ready' && rows.length === 0 && (
        <Empty
          title={
            isFiltered(query)
              ? 'No contacts match these filters'
              : query.page > 1
                ? `Page ${query.page} is past the last page`
                : 'No contacts yet'
          }
        >
          {isFiltered(query) ? (
            <Link to="/">Clear the filters</Link>
          ) : query.page > 1 ? (
            <Link to="/">Go to the first page</Link>
          ) : (
            <p className="muted">
              Contacts appear here when a visitor chats with a bot, a lead is sent to the API, or contacts are imported.
            </p>
          )}
        </Empty>
      )}
      {users.status === 'ready' && (
        <div className="table-tools">
          <label className="field field-inline">
            <span>Sort</span>
            <select value={query.sort} onChange={(e) => go({ ...query, sort: e.target.value as Sort, page: 1 })}>
              {(Object.keys(SORTS) as Sort[]).map((k) => (
                <option key={k} value={k}>
                  {SORTS[k]}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-inline">
            <span>Per page</span>
            <select value={query.size} onChange={(e) => go({ ...query, size: Number(e.target.value), page: 1 })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {rows.length > 0 && (
        <>
          <SelectAllMatching
            rows={rows.length}
            checked={checked.length}
            everything={everything}
            count={count}
            filtered={isFiltered(query)}
            onChoose={setEverything}
          />
          <ContactTable
            users={rows}
            checked={everything ? rows.map((u) => u._id) : checked}
            onCheck={(ids) => {
              setEverything(false);
              setChecked(ids);
            }}
          />
        </>
      )}
      {users.status === 'ready' && (query.page > 1 || rows.length === query.size) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn" disabled={query.page <= 1} onClick={() => go({ ...query, page: query.page - 1 })}>
            ← Previous
          </button>
          <span aria-live="polite">{pageLabel(query.page, count, query.size)}</span>
          <button
            type="button"
            className="btn"
            disabled={rows.length < query.size || (lastPage !== null && query.page >= lastPage)}
            onClick={() => go({ ...query, page: query.page + 1 })}
          >
            Next →
          </button>
        </nav>
      )}
      {users.status === 'ready' && count && (
        <p className="muted match-count">
          {count.exact ? contacts(count.count) : `More than ${contacts(count.count)}`}{' '}
          {isFiltered(query) ? 'match these filters' : 'in all'}
        </p>
      )}
    </section>
  );
}

/** Once the whole page is checked: offer every contact the filter matches (or say they are chosen). */
function SelectAllMatching(props: {
  rows: number;
  checked: number;
  everything: boolean;
  count: Count | null;
  filtered: boolean;
  onChoose: (everything: boolean) => void;
}) {
  const { rows, checked, everything, count, filtered, onChoose } = props;
  if (!count || (!everything && (checked < rows || count.count <= rows))) return null;
  const all = `all ${matching(count.count, count.exact)}${filtered ? ' matching this filter' : ''}`;
  return (
    <div className="select-all" role="status">
      {everything ? (
        <>
          <span>{all.charAt(0).toUpperCase() + all.slice(1)} are selected.</span>
          <button type="button" className="link-button" onClick={() => onChoose(false)}>
            Select only this page
          </button>
        </>
      ) : (
        <>
          <span>All {contacts(rows)} on this page are selected.</span>
          <button type="button" className="link-button" onClick={() => onChoose(true)}>
            Select {all}
          </button>
        </>
      )}
    </div>
  );
}

interface FilterLists {
  bots: Bot[];
  agents: AccountAgent[];
  segments: Segment[];
}

function Filters({ query, bots, agents, segments, onApply }: FilterLists & { query: InboxQuery; onApply: (q: InboxQuery) => void }) {
  const { session } = useSession();
  const me = session?.agent;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const all = (name: string) => f.getAll(name).map(String).filter(Boolean);
    onApply({
      q: text('q'),
      tags: text('tags')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      status: all('status') as Status[],
      segments: all('segments'),
      bots: all('bot'),
      agents: all('agent'),
      online: text('online') as Online,
      from: text('from'),
      to: text('to'),
      seenFrom: text('seenFrom'),
      seenTo: text('seenTo'),
      sort: query.sort,
      size: query.size,
      page: 1,
    });
  };
  // Ids in the URL that are not in the lists (another account's link, a deleted group) still show.
  const withUnknown = (chosen: string[], known: { value: string; label: string }[], what: string) => [
    ...known,
    ...chosen.filter((id) => !known.some((k) => k.value === id)).map((id) => ({ value: id, label: `${what} ${id}` })),
  ];
  const agentOptions = [
    ...(me ? [{ value: me.id, label: `Me (${me.name})` }] : []),
    ...agents.filter((a) => a.id !== me?.id).map((a) => ({ value: a.id, label: a.name })),
    { value: UNASSIGNED, label: 'Unassigned' },
  ];
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
      <MultiPick
        legend="Status"
        name="status"
        anyLabel="Any status"
        chosen={query.status}
        options={STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
      />
      <MultiPick
        legend="Groups"
        name="segments"
        anyLabel="Any group"
        chosen={query.segments}
        options={withUnknown(
          query.segments,
          segments.map((s) => ({ value: s._id, label: s.segmentName })),
          'Group',
        )}
        empty={
          <span className="muted">
            No groups yet. <Link to="/groups">Create one</Link>
          </span>
        }
      />
      <MultiPick
        legend="Bots"
        name="bot"
        anyLabel="Any bot"
        chosen={query.bots}
        options={withUnknown(
          query.bots,
          bots.map((b) => ({ value: b.id, label: b.name })),
          'Bot',
        )}
      />
      <MultiPick
        legend="Assigned to"
        name="agent"
        anyLabel="Anyone"
        chosen={query.agents}
        options={withUnknown(query.agents, agentOptions, 'Agent')}
      />
      <label className="field">
        <span>Online</span>
        <select name="online" defaultValue={query.online}>
          <option value="">Online or not</option>
          <option value="online">Online now</option>
          <option value="offline">Offline</option>
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
      <label className="field">
        <span>Last seen from</span>
        <input name="seenFrom" type="date" defaultValue={query.seenFrom} />
      </label>
      <label className="field">
        <span>Last seen to</span>
        <input name="seenTo" type="date" defaultValue={query.seenTo} />
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

/** Several values of one filter: a disclosure with a checkbox each, summarised when closed. */
function MultiPick(props: {
  legend: string;
  name: string;
  anyLabel: string;
  chosen: string[];
  options: { value: string; label: string }[];
  empty?: ReactNode;
}) {
  const { legend, name, anyLabel, options, empty } = props;
  const [chosen, setChosen] = useState(props.chosen);
  const box = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  // An open list closes on Escape (focus back on its summary) and on a click or focus outside it.
  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      const el = box.current;
      if (!el) return;
      if (event instanceof KeyboardEvent) {
        if (event.key !== 'Escape') return;
        el.open = false;
        el.querySelector('summary')?.focus();
      } else if (!el.contains(event.target as Node)) el.open = false;
    };
    document.addEventListener('keydown', close);
    document.addEventListener('pointerdown', close);
    document.addEventListener('focusin', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('focusin', close);
    };
  }, [open]);
  const labels = options.filter((o) => chosen.includes(o.value)).map((o) => o.label);
  const summary = labels.length === 0 ? anyLabel : labels.length <= 2 ? labels.join(', ') : `${labels.length} chosen`;
  return (
    <div className="field">
      <span aria-hidden="true">{legend}</span>
      <details className="multi" ref={box} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary aria-label={`${legend}: ${summary}`}>{summary}</summary>
        <fieldset>
          <legend className="sr-only">{legend}</legend>
          {options.length === 0 && empty}
          {options.map((o) => (
            <label key={o.value} className="check">
              <input
                type="checkbox"
                name={name}
                value={o.value}
                checked={chosen.includes(o.value)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, o.value] : c.filter((v) => v !== o.value)))}
              />
              {o.label}
            </label>
          ))}
        </fieldset>
      </details>
    </div>
  );
}

function ContactTable({ users, checked, onCheck }: { users: InboxUser[]; checked: string[]; onCheck: (ids: string[]) => void }) {
  const ids = users.map((u) => u._id);
  const allChecked = ids.every((id) => checked.includes(id));
  const someChecked = !allChecked && ids.some((id) => checked.includes(id));
  return (
    <div className="table-wrap">
      <table className="table contacts">
        <thead>
          <tr>
            <th scope="col" className="pick">
              <input
                type="checkbox"
                aria-label="Select all on this page"
                checked={allChecked}
                ref={(el) => {
                  if (el) el.indeterminate = someChecked;
                }}
                onChange={() => onCheck(allChecked ? [] : ids)}
              />
            </th>
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
            // The name is the keyboard-reachable link; a click anywhere else on the row does the same.
            <tr
              key={u._id}
              className={checked.includes(u._id) ? 'picked' : undefined}
              onClick={(e) => !(e.target as Element).closest('a, input, .pick') && navigate(`/contacts/${u._id}`)}
            >
              <td className="pick" data-label="Select">
                <input
                  type="checkbox"
                  aria-label={`Select ${displayName(u)}`}
                  checked={checked.includes(u._id)}
                  onChange={(e) => onCheck(e.target.checked ? [...checked, u._id] : checked.filter((id) => id !== u._id))}
                />
              </td>
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

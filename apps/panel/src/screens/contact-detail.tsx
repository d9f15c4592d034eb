import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api, type ChatMessage, call, type InboxUser, STATUS_LABELS, STATUSES, type Status } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { CopyButton, Empty, ErrorNote, formatDate, Spinner } from '../ui';
import { useAsync } from '../use-async';
import { displayName, phoneOf, StatusBadge } from './inbox';

export function ContactDetail({ id }: { id: string }) {
  const [user, reload, setUser] = useAsync(async () => (await call(api.GET('/inbox/users/{id}', { params: { path: { id } } }))).data, [id]);
  return (
    <section aria-labelledby="contact-title">
      <p className="crumbs">
        <Link to="/">← Inbox</Link>
      </p>
      {user.status === 'loading' && <Spinner label="Loading contact…" />}
      {user.status === 'error' && <ErrorNote message={user.message} retry={reload} />}
      {user.status === 'ready' && (
        <div className="detail">
          <Profile user={user.data} onSaved={setUser} />
          <Conversation chatId={user.data._id} />
        </div>
      )}
    </section>
  );
}

function Profile({ user, onSaved }: { user: InboxUser; onSaved: (u: InboxUser) => void }) {
  const { session } = useSession();
  const [saving, setSaving] = useState<{ state: 'idle' | 'saving' | 'saved' } | { state: 'error'; message: string }>({ state: 'idle' });
  const details = user.profile.userDetails;

  /** PUT takes the object GET returned, with the changes: whatever is not changed stays. */
  const save = async (changes: Partial<Pick<InboxUser, '_agentAssigned'>> & { status?: Status; tags?: string[] }) => {
    setSaving({ state: 'saving' });
    const { tags, ...top } = changes;
    const body = {
      ...user,
      status: (changes.status ?? user.status) as Status,
      ...top,
      profile: { ...user.profile, userDetails: { ...details, tags: tags ?? details.tags } },
    };
    try {
      onSaved((await call(api.PUT('/inbox/users/{id}', { params: { path: { id: user._id } }, body }))).data);
      setSaving({ state: 'saved' });
    } catch (e) {
      setSaving({ state: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  };
  const assigned = user._agentAssigned
    ? user._agentAssigned === session?.agent.id
      ? `${session.agent.name} (you)`
      : user._agentAssigned
    : 'Nobody';

  return (
    <article className="card profile" aria-labelledby="contact-title">
      <div className="profile-head">
        <div>
          <h1 id="contact-title">{displayName(user)}</h1>
          <p className="muted">
            Since <time dateTime={user.createdAt}>{formatDate(user.createdAt)}</time>
            {user.isOnline && <span className="online"> · online</span>}
          </p>
        </div>
        <CopyButton text={user._id} label="Copy User ID" />
      </div>
      <p className="save-state" role="status">
        {saving.state === 'saving' && 'Saving…'}
        {saving.state === 'saved' && 'Saved.'}
      </p>
      {saving.state === 'error' && <ErrorNote message={saving.message} />}
      <dl className="facts">
        <dt>Email</dt>
        <dd>{details.contact.email ? <a href={`mailto:${details.contact.email}`}>{details.contact.email}</a> : '—'}</dd>
        <dt>Phone</dt>
        <dd>{phoneOf(user) || '—'}</dd>
        <dt>
          <label htmlFor="contact-status">Status</label>
        </dt>
        <dd>
          <select
            id="contact-status"
            value={user.status}
            disabled={saving.state === 'saving'}
            onChange={(e) => save({ status: e.target.value as Status })}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>{' '}
          <StatusBadge status={user.status} />
        </dd>
        <dt>Assigned to</dt>
        <dd>
          {assigned}{' '}
          {session && user._agentAssigned !== session.agent.id && (
            <button type="button" className="btn btn-small" onClick={() => save({ _agentAssigned: session.agent.id })}>
              Assign to me
            </button>
          )}
        </dd>
        <dt>Tags</dt>
        <dd>
          <TagEditor tags={details.tags} disabled={saving.state === 'saving'} onChange={(tags) => save({ tags })} />
        </dd>
        <dt>Attributes</dt>
        <dd>
          {details.attributes.length === 0 ? (
            <span className="muted">None</span>
          ) : (
            <dl className="attributes">
              {details.attributes.map((a) => (
                <div key={a.key}>
                  <dt>{a.key}</dt>
                  <dd>{a.value}</dd>
                </div>
              ))}
            </dl>
          )}
        </dd>
        <dt>Notes</dt>
        <dd>
          {user.profile.notes.length === 0 ? (
            <span className="muted">None</span>
          ) : (
            <ul className="notes">
              {user.profile.notes.map((n) => (
                <li key={n._id}>
                  <strong>{n.title}</strong>
                  {n.description && <p>{n.description}</p>}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </article>
  );
}

function TagEditor({ tags, disabled, onChange }: { tags: string[]; disabled: boolean; onChange: (tags: string[]) => void }) {
  const [draft, setDraft] = useState('');
  const add = (event: FormEvent) => {
    event.preventDefault();
    const fresh = draft
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && !tags.includes(t));
    setDraft('');
    if (fresh.length) onChange([...tags, ...fresh]);
  };
  return (
    <div className="tag-editor">
      <ul className="tags">
        {tags.map((t) => (
          <li key={t} className="tag">
            {t}
            <button
              type="button"
              className="tag-remove"
              aria-label={`Remove tag ${t}`}
              disabled={disabled}
              onClick={() => onChange(tags.filter((x) => x !== t))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={add}>
        <label className="sr-only" htmlFor="new-tag">
          New tag
        </label>
        <input id="new-tag" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Add a tag" maxLength={100} />
        <button type="submit" className="btn btn-small" disabled={disabled || !draft.trim()}>
          Add tag
        </button>
      </form>
    </div>
  );
}

const PAGE = 100;
const MAX_PAGES = 20;

/** All messages after `after` (the API pages oldest first, so this walks forward). */
async function loadMessages(chatId: string, after?: string): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = { limit: PAGE, ...((out.at(-1)?.id ?? after) ? { after: out.at(-1)?.id ?? after } : {}) };
    const { messages } = (await call(api.GET('/api/v1/chats/{chatId}/messages', { params: { path: { chatId }, query } }))).data;
    out.push(...messages);
    if (messages.length < PAGE) break;
  }
  return out;
}

function Conversation({ chatId }: { chatId: string }) {
  const [messages, setMessages] = useState<ChatMessage[] | null>(null);
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  const merge = useCallback(
    (incoming: ChatMessage[]) =>
      setMessages((current) => {
        const known = new Set((current ?? []).map((m) => m.id));
        const next = [...(current ?? []), ...incoming.filter((m) => !known.has(m.id))];
        return next.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      }),
    [],
  );

  useEffect(() => {
    let open = true;
    let last: string | undefined;
    setMessages(null);
    const catchUp = () =>
      loadMessages(chatId, last).then(
        (rows) => {
          if (!open) return;
          last = rows.at(-1)?.id ?? last;
          merge(rows);
          setError('');
        },
        (e: unknown) => open && setError(e instanceof Error ? e.message : String(e)),
      );
    // Live messages arrive over SSE (the session cookie authenticates it). Each `ready` (first
    // connect and every reconnect) fetches what was sent while it was away.
    catchUp();
    const events = new EventSource(`/api/v1/chats/${encodeURIComponent(chatId)}/events`);
    let connected = false;
    events.addEventListener('ready', () => {
      setLive(true);
      if (connected) catchUp();
      connected = true;
    });
    events.addEventListener('message', (e) => {
      const message = JSON.parse((e as MessageEvent<string>).data) as ChatMessage;
      merge([message]);
    });
    events.onerror = () => setLive(false);
    return () => {
      open = false;
      events.close();
    };
  }, [chatId, merge]);

  useEffect(() => {
    const el = list.current;
    if (el && messages?.length) el.scrollTop = el.scrollHeight;
  }, [messages?.length]);

  return (
    <article className="card conversation" aria-labelledby="conversation-title">
      <div className="conversation-head">
        <h2 id="conversation-title">Conversation</h2>
        <span className={live ? 'live live-on' : 'live'}>{live ? 'Live' : 'Connecting…'}</span>
      </div>
      {error && <ErrorNote message={error} />}
      {messages === null && !error && <Spinner label="Loading messages…" />}
      {messages?.length === 0 && <Empty title="No messages yet">{null}</Empty>}
      {messages && messages.length > 0 && (
        <ol className="messages" ref={list} aria-label="Messages" aria-live="polite">
          {messages.map((m) => (
            <li key={m.id} className={`message message-${m.by}`}>
              <span className="message-by">{m.by === 'user' ? 'Visitor' : m.by === 'agent' ? 'Agent' : 'Bot'}</span>
              <p>{m.text}</p>
              <time dateTime={m.createdAt}>{formatDate(m.createdAt)}</time>
            </li>
          ))}
        </ol>
      )}
      <ReplyBox chatId={chatId} onSent={(m) => merge([m])} />
    </article>
  );
}

function ReplyBox({ chatId, onSent }: { chatId: string; onSent: (m: ChatMessage) => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError('');
    try {
      onSent((await call(api.POST('/api/v1/chats/{chatId}/messages', { params: { path: { chatId } }, body: { text: text.trim() } }))).data);
      setText('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="reply" onSubmit={send}>
      {error && <ErrorNote message={error} />}
      <label htmlFor="reply-text" className="sr-only">
        Reply
      </label>
      <textarea
        id="reply-text"
        rows={2}
        maxLength={4000}
        value={text}
        placeholder="Write a reply… (Enter sends, Shift+Enter for a new line)"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) send(e);
        }}
      />
      <button type="submit" className="btn btn-primary" disabled={busy || !text.trim()}>
        {busy ? 'Sending…' : 'Send reply'}
      </button>
    </form>
  );
}

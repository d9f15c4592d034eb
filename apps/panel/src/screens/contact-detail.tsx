import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api, type ChatMessage, call, type InboxUser, type operations, STATUS_LABELS, STATUSES, type Status } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { CopyButton, Empty, ErrorNote, errorMessage, formatDate, Spinner } from '../ui';
import { useAsync } from '../use-async';
import { displayName, phoneOf } from './inbox';

export function ContactDetail({ id }: { id: string }) {
  const [user, reload, setUser] = useAsync(async () => (await call(api.GET('/inbox/users/{id}', { params: { path: { id } } }))).data, [id]);
  return (
    <section aria-labelledby="contact-title">
      <p className="crumbs">
        <Link to="/">← Contacts</Link>
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

type Patch = Omit<NonNullable<operations['editContact']['requestBody']>['content']['application/json'], 'version'>;
type Details = InboxUser['profile']['userDetails'];
type SaveState = { state: 'idle' | 'saving' | 'saved' } | { state: 'error'; message: string } | { state: 'conflict'; by: string };

function Profile({ user, onSaved }: { user: InboxUser; onSaved: (u: InboxUser) => void }) {
  const { session } = useSession();
  const [saving, setSaving] = useState<SaveState>({ state: 'idle' });
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const [agents] = useAsync(async () => (await call(api.GET('/api/v1/agents'))).data.agents, []);
  const details = user.profile.userDetails;
  const busy = saving.state === 'saving';
  const closeForm = () => {
    setEditing(false);
    // Focus goes back to the button that opened the form (it is rendered again next frame).
    requestAnimationFrame(() => editButton.current?.focus());
  };

  /**
   * Sends only the fields that change, with the version this page shows. A stale version writes
   * nothing: the page takes the contact as it is now and says who changed it; what the agent
   * typed stays in its field, to be sent again.
   */
  const save = async (patch: Patch): Promise<boolean> => {
    setSaving({ state: 'saving' });
    try {
      const res = await api.PATCH('/api/v1/contacts/{id}', {
        params: { path: { id: user._id } },
        body: { version: user.version ?? 1, ...patch },
      });
      if (res.response.status === 409) {
        const conflict = res.error as { details?: { contact?: InboxUser } } | undefined;
        const current = conflict?.details?.contact;
        if (current) onSaved(current);
        setSaving({ state: 'conflict', by: current?.updatedBy?.name ?? 'someone else' });
        return false;
      }
      onSaved(await call(Promise.resolve(res)).then((r) => r.data as InboxUser));
      setSaving({ state: 'saved' });
      return true;
    } catch (e) {
      setSaving({ state: 'error', message: errorMessage(e) });
      return false;
    }
  };
  const agentName = (id: string) => {
    const found = agents.status === 'ready' ? agents.data.find((a) => a.id === id) : undefined;
    return found ? `${found.name}${id === session?.agent.id ? ' (you)' : ''}` : id;
  };

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
        <div className="button-row">
          {!editing && (
            <button type="button" className="btn btn-small" ref={editButton} onClick={() => setEditing(true)}>
              Edit profile
            </button>
          )}
          <CopyButton text={user._id} label="Copy User ID" />
        </div>
      </div>
      <p className="save-state" role="status">
        {saving.state === 'saving' && 'Saving…'}
        {saving.state === 'saved' && 'Saved.'}
      </p>
      {saving.state === 'error' && <ErrorNote message={saving.message} />}
      {saving.state === 'conflict' && (
        <div className="note note-error conflict" role="alert">
          <span>
            Changed by {saving.by} meanwhile. The fields now show the contact as it is; what you typed is kept: check it and save again.
          </span>
        </div>
      )}
      {editing && (
        <ProfileForm
          user={user}
          busy={busy}
          onCancel={closeForm}
          onSave={async (patch) => {
            if (Object.keys(patch).length === 0 || (await save(patch))) closeForm();
          }}
        />
      )}
      <dl className="facts">
        {!editing && (
          <>
            <dt>Email</dt>
            <dd>{details.contact.email ? <a href={`mailto:${details.contact.email}`}>{details.contact.email}</a> : '—'}</dd>
            <dt>Phone</dt>
            <dd>{phoneOf(user) || '—'}</dd>
          </>
        )}
        <dt>
          <label htmlFor="contact-status">Status</label>
        </dt>
        <dd>
          <select id="contact-status" value={user.status} disabled={busy} onChange={(e) => save({ status: e.target.value as Status })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>{' '}
        </dd>
        <dt>
          <label htmlFor="contact-agent">Assigned to</label>
        </dt>
        <dd>
          <div className="button-row">
            <select
              id="contact-agent"
              value={user._agentAssigned ?? ''}
              disabled={busy || agents.status !== 'ready'}
              onChange={(e) => save({ agentId: e.target.value || null })}
            >
              <option value="">Nobody</option>
              {agents.status === 'ready' &&
                agents.data.map((a) => (
                  <option key={a.id} value={a.id}>
                    {agentName(a.id)}
                  </option>
                ))}
              {user._agentAssigned && (agents.status !== 'ready' || !agents.data.some((a) => a.id === user._agentAssigned)) && (
                <option value={user._agentAssigned}>{agents.status === 'loading' ? 'Loading…' : user._agentAssigned}</option>
              )}
            </select>
            {session && user._agentAssigned !== session.agent.id && (
              <button type="button" className="btn btn-small" disabled={busy} onClick={() => save({ agentId: session.agent.id })}>
                Assign to me
              </button>
            )}
          </div>
          {agents.status === 'error' && <span className="muted">Agents could not be loaded: {agents.message}</span>}
        </dd>
        <dt>Tags</dt>
        <dd>
          <TagEditor
            tags={details.tags}
            disabled={busy}
            onAdd={(addTags) => save({ addTags })}
            onRemove={(t) => save({ removeTags: [t] })}
          />
        </dd>
        <dt>Attributes</dt>
        <dd>
          <AttributeEditor
            attributes={details.attributes}
            disabled={busy}
            onSet={(a) => save({ setAttributes: [a] })}
            onRemove={(key) => save({ removeAttributes: [key] })}
          />
        </dd>
        <dt>Notes</dt>
        <dd>
          <NotesEditor
            notes={user.profile.notes}
            disabled={busy}
            onAdd={(note) => save({ addNotes: [note] })}
            onRemove={(id) => save({ removeNotes: [id] })}
          />
        </dd>
      </dl>
    </article>
  );
}

/** Name, email and phone; an emptied field is cleared. */
function ProfileForm({
  user,
  busy,
  onSave,
  onCancel,
}: {
  user: InboxUser;
  busy: boolean;
  onSave: (patch: Patch) => void;
  onCancel: () => void;
}) {
  const details = user.profile.userDetails;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const number = text('phone').replace(/[\s().-]/g, '');
    const prefix = number ? text('prefix').replace(/^\+/, '') : '';
    const patch: Patch = {};
    if (text('name') !== (details.userProvidedName || details.name)) patch.name = text('name');
    if (text('email') !== details.contact.email) patch.email = text('email');
    if (number !== details.contact.phone.number || prefix !== details.contact.phone.prefix)
      patch.phone = number ? { number, prefix } : null;
    onSave(patch);
  };
  return (
    <form className="profile-form" onSubmit={submit} aria-label="Edit profile" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <label className="field">
        <span>Name</span>
        <input name="name" maxLength={200} defaultValue={details.userProvidedName || details.name} autoComplete="off" />
      </label>
      <label className="field">
        <span>Email</span>
        <input name="email" type="email" maxLength={254} defaultValue={details.contact.email} autoComplete="off" />
      </label>
      <div className="phone-fields">
        <label className="field">
          <span>Dial code</span>
          <input
            name="prefix"
            maxLength={5}
            inputMode="tel"
            placeholder="+1"
            defaultValue={details.contact.phone.prefix ? `+${details.contact.phone.prefix}` : ''}
          />
        </label>
        <label className="field">
          <span>Phone number</span>
          <input name="phone" maxLength={20} inputMode="tel" defaultValue={details.contact.phone.number} autoComplete="off" />
        </label>
      </div>
      <div className="button-row">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
          Save profile
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

type Attribute = Details['attributes'][number];

function AttributeEditor({
  attributes,
  disabled,
  onSet,
  onRemove,
}: {
  attributes: Attribute[];
  disabled: boolean;
  onSet: (attribute: Attribute) => Promise<boolean>;
  onRemove: (key: string) => Promise<boolean>;
}) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const k = key.trim();
    if (!k) return;
    // A known key gets the new value; the API keeps one value per key.
    if (await onSet({ key: k, value })) {
      setKey('');
      setValue('');
    }
  };
  return (
    <div className="attribute-editor">
      {attributes.length === 0 ? (
        <span className="muted">None</span>
      ) : (
        <ul className="attribute-list">
          {attributes.map((a) => (
            <AttributeRow
              key={`${a.key}=${a.value}`}
              attribute={a}
              disabled={disabled}
              onSave={(v) => onSet({ key: a.key, value: v })}
              onRemove={() => onRemove(a.key)}
            />
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={add} aria-label="Add an attribute">
        <label className="sr-only" htmlFor="new-attribute-key">
          Attribute name
        </label>
        <input id="new-attribute-key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="Name" maxLength={100} />
        <label className="sr-only" htmlFor="new-attribute-value">
          Attribute value
        </label>
        <input id="new-attribute-value" value={value} onChange={(e) => setValue(e.target.value)} placeholder="Value" maxLength={1000} />
        <button type="submit" className="btn btn-small" disabled={disabled || !key.trim()}>
          Add attribute
        </button>
      </form>
    </div>
  );
}

function AttributeRow({
  attribute,
  disabled,
  onSave,
  onRemove,
}: {
  attribute: Attribute;
  disabled: boolean;
  onSave: (value: string) => void;
  onRemove: () => void;
}) {
  const [value, setValue] = useState(attribute.value);
  const id = `attribute-${attribute.key.replace(/[^\w-]/g, '_')}`;
  return (
    <li>
      <form
        className="inline-form attribute-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (value !== attribute.value) onSave(value);
        }}
      >
        <label htmlFor={id} className="attribute-key">
          {attribute.key}
        </label>
        <input id={id} value={value} onChange={(e) => setValue(e.target.value)} maxLength={1000} aria-label={`Value of ${attribute.key}`} />
        {value !== attribute.value && (
          <button type="submit" className="btn btn-small" disabled={disabled}>
            Save
          </button>
        )}
        <button
          type="button"
          className="tag-remove"
          aria-label={`Remove attribute ${attribute.key}`}
          disabled={disabled}
          onClick={onRemove}
        >
          ×
        </button>
      </form>
    </li>
  );
}

function NotesEditor({
  notes,
  disabled,
  onAdd,
  onRemove,
}: {
  notes: InboxUser['profile']['notes'];
  disabled: boolean;
  onAdd: (note: { title: string; description: string }) => Promise<boolean>;
  onRemove: (id: string) => Promise<boolean>;
}) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!title.trim()) return;
    if (await onAdd({ title: title.trim(), description: description.trim() })) {
      setTitle('');
      setDescription('');
    }
  };
  return (
    <div className="notes-editor">
      {notes.length === 0 ? (
        <span className="muted">None</span>
      ) : (
        <ul className="notes">
          {notes.map((n) => (
            <li key={n._id}>
              <strong>{n.title}</strong>{' '}
              <button
                type="button"
                className="tag-remove"
                aria-label={`Delete note ${n.title}`}
                disabled={disabled}
                onClick={() => window.confirm(`Delete the note “${n.title}”?`) && onRemove(n._id)}
              >
                ×
              </button>
              {n.description && <p>{n.description}</p>}
            </li>
          ))}
        </ul>
      )}
      <form className="note-form" onSubmit={add} aria-label="Add a note">
        <label className="field">
          <span>Note title</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
        </label>
        <label className="field">
          <span>Note text (optional)</span>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={5000} />
        </label>
        <button type="submit" className="btn btn-small" disabled={disabled || !title.trim()}>
          Add note
        </button>
      </form>
    </div>
  );
}

function TagEditor({
  tags,
  disabled,
  onAdd,
  onRemove,
}: {
  tags: string[];
  disabled: boolean;
  onAdd: (tags: string[]) => Promise<boolean>;
  onRemove: (tag: string) => Promise<boolean>;
}) {
  const [draft, setDraft] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    // A tag the contact has in another case is the same tag (the server agrees).
    const have = new Set(tags.map((t) => t.toLowerCase()));
    const fresh = draft
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && !have.has(t.toLowerCase()) && Boolean(have.add(t.toLowerCase())));
    if (fresh.length === 0 || (await onAdd(fresh))) setDraft('');
  };
  return (
    <div className="tag-editor">
      <ul className="tags">
        {tags.map((t) => (
          <li key={t} className="tag">
            {t}
            <button type="button" className="tag-remove" aria-label={`Remove tag ${t}`} disabled={disabled} onClick={() => onRemove(t)}>
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
        (e: unknown) => open && setError(errorMessage(e)),
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
      setError(errorMessage(e));
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

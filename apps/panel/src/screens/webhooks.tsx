import { type FormEvent, useState } from 'react';
import { api, call, type Webhook, type WebhookDelivery, type WebhookEventType } from '../api';
import { Link, navigate } from '../router';
import { Empty, ErrorNote, errorMessage, formatDate, SecretField, Spinner } from '../ui';
import { useAsync } from '../use-async';

const EVENTS: { type: WebhookEventType; when: string }[] = [
  { type: 'lead.created', when: 'a contact becomes a lead (gets an email)' },
  { type: 'lead.updated', when: "a lead's fields change" },
  { type: 'lead.deleted', when: 'a lead is deleted or loses its email' },
  { type: 'contact.created', when: 'a chat or contact is created' },
  { type: 'contact.updated', when: 'any field of a contact changes (with what changed)' },
  { type: 'contact.deleted', when: 'a chat or contact is deleted, lead or not' },
  { type: 'chat.status_changed', when: 'a chat status changes' },
  { type: 'message.created', when: 'a visitor, bot, agent or integration sends a message' },
  { type: 'import.completed', when: 'an import finishes' },
];
const PAGE = 20;

/** `/webhooks` lists the endpoints; `/webhooks/{id}` is one endpoint with its delivery log. */
export function Webhooks({ path }: { path: string }) {
  const id = /^\/webhooks\/([^/]+)$/.exec(path)?.[1];
  return id ? <WebhookDetail id={decodeURIComponent(id)} /> : <WebhookList />;
}

/** The signing secret, shown right after create or rotate and never again. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <div className="card token-once" role="status">
      <p>
        <strong>Signing secret.</strong> Copy it now: it is shown only once. Your receiver checks each request's{' '}
        <code>X-Webhook-Signature</code> with it.
      </p>
      <SecretField value={secret} label="Signing secret" copyLabel="Copy secret" />
      <button type="button" className="btn btn-small" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function EventChoices({ chosen }: { chosen: readonly string[] }) {
  return (
    <fieldset className="events">
      <legend>Events to send</legend>
      {EVENTS.map((e) => (
        <label key={e.type} className="check">
          <input type="checkbox" name="events" value={e.type} defaultChecked={chosen.includes(e.type)} />
          <span>
            <code>{e.type}</code> <span className="muted">{e.when}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

const chosenEvents = (f: FormData) => f.getAll('events').map(String) as WebhookEventType[];

function StateBadge({ hook }: { hook: Webhook }) {
  if (hook.enabled) return <span className="badge badge-closed">Enabled</span>;
  return (
    <span className="badge badge-revoked" title={hook.disabledReason ?? undefined}>
      {hook.disabledReason ? 'Disabled after failures' : 'Disabled'}
    </span>
  );
}

function WebhookList() {
  const [hooks, reload] = useAsync(async () => (await call(api.GET('/api/v1/webhooks'))).data.webhooks, []);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const events = chosenEvents(f);
    if (events.length === 0) {
      setError('Choose at least one event to send.');
      return;
    }
    const description = String(f.get('description') ?? '').trim();
    setBusy(true);
    setError('');
    try {
      const { data } = await call(
        api.POST('/api/v1/webhooks', { body: { url: String(f.get('url') ?? '').trim(), events, description: description || null } }),
      );
      setSecret(data.secret);
      setFormKey((k) => k + 1);
      reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="webhooks-title">
      <div className="page-head">
        <h1 id="webhooks-title">Webhooks</h1>
        <p className="muted">
          leadbox POSTs a signed JSON event to your URL when something happens, retries until it answers 2xx, and logs every delivery.
        </p>
      </div>
      <form key={formKey} className="card form-grid" onSubmit={create} aria-labelledby="new-webhook-title">
        <h2 id="new-webhook-title" className="form-title">
          Add an endpoint
        </h2>
        <label className="field field-span">
          <span>Endpoint URL</span>
          <input name="url" type="url" required maxLength={2048} placeholder="https://hooks.example.com/leadbox" />
        </label>
        <label className="field field-span">
          <span>Description (optional)</span>
          <input name="description" maxLength={500} placeholder="e.g. CRM sync" />
        </label>
        <div className="field-span">
          <EventChoices chosen={['lead.created', 'lead.updated']} />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add endpoint'}
          </button>
        </div>
      </form>
      {error && <ErrorNote message={error} />}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {hooks.status === 'loading' && <Spinner label="Loading webhooks…" />}
      {hooks.status === 'error' && <ErrorNote message={hooks.message} retry={reload} />}
      {hooks.status === 'ready' && hooks.data.length === 0 && (
        <Empty title="No endpoints yet">
          <p className="muted">Add one above to send leads and messages to your CRM, Zapier, Make or n8n.</p>
        </Empty>
      )}
      {hooks.status === 'ready' && hooks.data.length > 0 && (
        <div className="table-wrap">
          <table className="table webhooks">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.map((h) => (
                <tr key={h.id}>
                  <td data-label="Endpoint" className="wrap-anywhere">
                    <Link to={`/webhooks/${h.id}`} className="row-link">
                      {h.url}
                    </Link>
                    {h.description && <div className="muted">{h.description}</div>}
                  </td>
                  <td data-label="Events">
                    <ul className="tags">
                      {h.events.map((e) => (
                        <li key={e} className="tag">
                          {e}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td data-label="State">
                    <StateBadge hook={h} />
                  </td>
                  <td data-label="Created">{formatDate(h.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function WebhookDetail({ id }: { id: string }) {
  const [hook, reload, setHook] = useAsync(
    async () => (await call(api.GET('/api/v1/webhooks/{id}', { params: { path: { id } } }))).data,
    [id],
  );
  const [secret, setSecret] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setResult(null);
    try {
      await work();
    } catch (e) {
      setResult({ ok: false, message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  const path = { params: { path: { id } } };

  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const events = chosenEvents(f);
    if (events.length === 0) {
      setResult({ ok: false, message: 'Choose at least one event to send.' });
      return;
    }
    const description = String(f.get('description') ?? '').trim();
    return run(async () => {
      const body = { url: String(f.get('url') ?? '').trim(), events, description: description || null };
      setHook((await call(api.PUT('/api/v1/webhooks/{id}', { ...path, body }))).data);
      setResult({ ok: true, message: 'Saved.' });
    });
  };
  const toggle = (enabled: boolean) =>
    run(async () => {
      setHook((await call(api.PUT('/api/v1/webhooks/{id}', { ...path, body: { enabled } }))).data);
      setResult({
        ok: true,
        message: enabled ? 'Enabled: waiting deliveries are sent now.' : 'Disabled: nothing is sent until you enable it.',
      });
    });
  const rotate = () => {
    if (!window.confirm('Rotate the signing secret? Requests are signed with the new secret from now on.')) return;
    return run(async () => {
      const { data } = await call(api.POST('/api/v1/webhooks/{id}/rotate-secret', path));
      setSecret(data.secret);
    });
  };
  const remove = () => {
    if (!window.confirm('Delete this endpoint and its delivery log? Nothing more is sent to it.')) return;
    return run(async () => {
      await call(api.DELETE('/api/v1/webhooks/{id}', path));
      navigate('/webhooks');
    });
  };

  return (
    <section aria-labelledby="webhook-title">
      <p className="crumbs">
        <Link to="/webhooks">← Webhooks</Link>
      </p>
      {hook.status === 'loading' && <Spinner label="Loading the endpoint…" />}
      {hook.status === 'error' && <ErrorNote message={hook.message} retry={reload} />}
      {hook.status === 'ready' && (
        <>
          <div className="page-head">
            <h1 id="webhook-title" className="wrap-anywhere">
              {hook.data.description || hook.data.url}
            </h1>
            <p className="muted">
              <StateBadge hook={hook.data} /> · created {formatDate(hook.data.createdAt)}
              {hook.data.consecutiveFailures > 0 && ` · ${hook.data.consecutiveFailures} failed attempts in a row`}
            </p>
            {hook.data.disabledReason && <p className="muted">{hook.data.disabledReason}</p>}
          </div>
          <div className="button-row">
            <button type="button" className="btn" disabled={busy} onClick={() => toggle(!hook.data.enabled)}>
              {hook.data.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" className="btn" disabled={busy} onClick={rotate}>
              Rotate secret
            </button>
            <button type="button" className="btn btn-danger" disabled={busy} onClick={remove}>
              Delete endpoint
            </button>
          </div>
          {result && (
            <p className={result.ok ? 'note note-ok' : 'note note-error'} role={result.ok ? 'status' : 'alert'}>
              {result.message}
            </p>
          )}
          {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
          <form key={hook.data.updatedAt} className="card form-grid" onSubmit={save} aria-labelledby="edit-webhook-title">
            <h2 id="edit-webhook-title" className="form-title">
              Settings
            </h2>
            <label className="field field-span">
              <span>Endpoint URL</span>
              <input name="url" type="url" required maxLength={2048} defaultValue={hook.data.url} />
            </label>
            <label className="field field-span">
              <span>Description (optional)</span>
              <input name="description" maxLength={500} defaultValue={hook.data.description ?? ''} />
            </label>
            <div className="field-span">
              <EventChoices chosen={hook.data.events} />
            </div>
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                Save changes
              </button>
            </div>
          </form>
          <DeliveryLog id={id} />
        </>
      )}
    </section>
  );
}

const DELIVERY_STATUS: Record<string, { label: string; badge: string }> = {
  pending: { label: 'Pending', badge: 'badge-inprogress' },
  succeeded: { label: 'Delivered', badge: 'badge-closed' },
  failed: { label: 'Failed', badge: 'badge-revoked' },
};

function DeliveryLog({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<'' | 'pending' | 'succeeded' | 'failed'>('');
  const [log, reload] = useAsync(
    async () =>
      (
        await call(
          api.GET('/api/v1/webhooks/{id}/deliveries', {
            params: { path: { id }, query: { page, limit: PAGE, ...(status ? { status } : {}) } },
          }),
        )
      ).data,
    [id, page, status],
  );
  const [notice, setNotice] = useState<{ ok: boolean; message: string } | null>(null);

  const replay = async (d: WebhookDelivery) => {
    setNotice(null);
    try {
      await call(api.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/replay', { params: { path: { id, deliveryId: d.id } } }));
      setNotice({ ok: true, message: `The ${d.eventType} event is queued to be sent again.` });
      setPage(1);
      reload();
    } catch (e) {
      setNotice({ ok: false, message: errorMessage(e) });
    }
  };
  const pages = log.status === 'ready' ? Math.max(1, Math.ceil(log.data.total / PAGE)) : 1;

  return (
    <article className="card" aria-labelledby="deliveries-title">
      <div className="conversation-head">
        <h2 id="deliveries-title">Delivery log</h2>
        <div className="button-row">
          <label className="sr-only" htmlFor="delivery-status">
            Show
          </label>
          <select
            id="delivery-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as typeof status);
              setPage(1);
            }}
          >
            <option value="">All deliveries</option>
            <option value="pending">Pending</option>
            <option value="succeeded">Delivered</option>
            <option value="failed">Failed</option>
          </select>
          <button type="button" className="btn btn-small" onClick={reload}>
            Refresh
          </button>
        </div>
      </div>
      {notice && (
        <p className={notice.ok ? 'note note-ok' : 'note note-error'} role={notice.ok ? 'status' : 'alert'}>
          {notice.message}
        </p>
      )}
      {log.status === 'loading' && <Spinner label="Loading deliveries…" />}
      {log.status === 'error' && <ErrorNote message={log.message} retry={reload} />}
      {log.status === 'ready' && log.data.deliveries.length === 0 && (
        <Empty title={status ? 'No deliveries with this status' : 'No deliveries yet'}>
          <p className="muted">Deliveries appear here when one of the chosen events happens.</p>
        </Empty>
      )}
      {log.status === 'ready' && log.data.deliveries.length > 0 && (
        <div className="table-wrap">
          <table className="table deliveries">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {log.data.deliveries.map((d) => {
                const s = DELIVERY_STATUS[d.status] ?? { label: d.status, badge: '' };
                return (
                  <tr key={d.id}>
                    <td data-label="Event">
                      <code>{d.eventType}</code>
                      {d.replayOf && <div className="muted">replay</div>}
                    </td>
                    <td data-label="Status">
                      <span className={`badge ${s.badge}`}>{s.label}</span>
                      {d.status === 'pending' && d.nextAttemptAt && <div className="muted">next try {formatDate(d.nextAttemptAt)}</div>}
                    </td>
                    <td data-label="Attempts">{d.attempts}</td>
                    <td data-label="Response" className="wrap-anywhere">
                      {d.lastStatusCode ?? '—'}
                      {d.lastDurationMs !== null && <span className="muted"> · {d.lastDurationMs} ms</span>}
                      {d.lastError && <div className="muted">{d.lastError}</div>}
                    </td>
                    <td data-label="Created">{formatDate(d.createdAt)}</td>
                    <td data-label="Actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => replay(d)}
                        aria-label={`Replay ${d.eventType} from ${formatDate(d.createdAt)}`}
                      >
                        Replay
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {log.status === 'ready' && pages > 1 && (
        <nav className="pager" aria-label="Delivery pages">
          <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            ← Newer
          </button>
          <span aria-live="polite">
            Page {page} of {pages}
          </span>
          <button type="button" className="btn" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Older →
          </button>
        </nav>
      )}
    </article>
  );
}

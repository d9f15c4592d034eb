import { type FormEvent, useState } from 'react';
import { type ApiToken, api, call } from '../api';
import { Empty, ErrorNote, errorMessage, formatDate, SecretField, Spinner } from '../ui';
import { useAsync } from '../use-async';

export function Tokens() {
  const [tokens, reload] = useAsync(async () => (await call(api.GET('/api/v1/tokens'))).data.tokens, []);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get('name') ?? '').trim();
    if (!name) return;
    setBusy(true);
    setError('');
    try {
      const { data } = await call(api.POST('/api/v1/tokens', { body: { name } }));
      setCreated({ name: data.name, token: data.token });
      form.reset();
      reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (token: ApiToken) => {
    if (!window.confirm(`Revoke "${token.name}"? Apps using it stop working at once.`)) return;
    setError('');
    try {
      await call(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: token.id } } }));
      reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <h1 id="tokens-title">API Tokens</h1>
        <p className="muted">Tokens let your apps and automations (Zapier, Make, n8n, Pipedream…) call the leadbox API for this account.</p>
      </div>
      <form className="card inline-form create-token" onSubmit={create}>
        <label className="field field-wide">
          <span>New token name</span>
          <input name="name" required maxLength={200} placeholder="e.g. Zapier" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {error && <ErrorNote message={error} />}
      {created && (
        <div className="card token-once" role="status">
          <p>
            <strong>Token “{created.name}” created.</strong> Copy it now: it is shown only once.
          </p>
          <SecretField value={created.token} label="Your new token" copyLabel="Copy token" />
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      {tokens.status === 'loading' && <Spinner label="Loading tokens…" />}
      {tokens.status === 'error' && <ErrorNote message={tokens.message} retry={reload} />}
      {tokens.status === 'ready' && tokens.data.length === 0 && <Empty title="No tokens yet" />}
      {tokens.status === 'ready' && tokens.data.length > 0 && (
        <div className="table-wrap">
          <table className="table tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Token</th>
                <th scope="col">Created</th>
                <th scope="col">Created by</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.id} className={t.revokedAt ? 'revoked' : undefined}>
                  <td data-label="Name">{t.name}</td>
                  <td data-label="Token">
                    <code>{t.hint}</code>
                  </td>
                  <td data-label="Created">{formatDate(t.createdAt)}</td>
                  <td data-label="Created by">{t.createdBy ? (t.createdByName ?? 'a removed agent') : 'the account'}</td>
                  <td data-label="Last used">{t.lastUsedAt ? formatDate(t.lastUsedAt) : 'Never'}</td>
                  <td data-label="State">
                    {t.revokedAt ? (
                      <span className="badge badge-revoked">Revoked {formatDate(t.revokedAt)}</span>
                    ) : (
                      <button type="button" className="btn btn-small btn-danger" onClick={() => revoke(t)} aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

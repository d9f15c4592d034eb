import { type FormEvent, useState } from 'react';
import { type AccountAgent, api, call, type NewAgent } from '../api';
import { useSession } from '../session';
import { Empty, ErrorNote, errorMessage, formatDate, SecretField, Spinner } from '../ui';
import { useAsync } from '../use-async';

const ROLE_LABELS: Record<string, string> = { owner: 'Owner', agent: 'Agent' };

/** The people who work in this account's inbox. Owners add and remove them; others see the list. */
export function Agents() {
  const { session } = useSession();
  const isOwner = session?.agent.role === 'owner';
  const [agents, reload, setAgents] = useAsync(async () => (await call(api.GET('/api/v1/agents'))).data.agents, []);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [reset, setReset] = useState<{ name: string; email: string; password: string } | null>(null);

  const resetPassword = async (agent: AccountAgent) => {
    if (!window.confirm(`Give ${agent.name} a new password? Their current one stops working and they are signed out at once.`)) return;
    setError('');
    setNotice('');
    setReset(null);
    try {
      const { data } = await call(api.POST('/api/v1/agents/{id}/password', { params: { path: { id: agent.id } } }));
      setReset({ name: agent.name, email: agent.email, password: data.password });
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const remove = async (agent: AccountAgent) => {
    if (
      !window.confirm(
        `Remove ${agent.name} (${agent.email})? They are signed out at once, their contacts become unassigned, and the API tokens they created stop working.`,
      )
    )
      return;
    setError('');
    setNotice('');
    try {
      const { data } = await call(api.DELETE('/api/v1/agents/{id}', { params: { path: { id: agent.id } } }));
      if (agents.status === 'ready') setAgents(agents.data.filter((a) => a.id !== agent.id));
      const freed = data.unassignedContacts;
      const revoked = data.revokedTokens;
      setNotice(
        `${agent.name} was removed.${freed ? ` ${freed} contact${freed === 1 ? ' is' : 's are'} now unassigned.` : ''}${
          revoked ? ` ${revoked} API token${revoked === 1 ? ' they created was' : 's they created were'} revoked.` : ''
        }`,
      );
      reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="agents-title">
      <div className="page-head">
        <h1 id="agents-title">Agents</h1>
        <p className="muted">
          {isOwner
            ? 'The people who answer chats in this account. Each signs in to the panel with their own email and password.'
            : 'The people who answer chats in this account. Only owners can add or remove agents.'}
        </p>
      </div>
      {isOwner && <CreateAgent onCreated={reload} />}
      {error && <ErrorNote message={error} />}
      <p className="save-state" role="status">
        {notice}
      </p>
      {reset && (
        <div className="card token-once" role="status">
          <p>
            <strong>{reset.name} has a new password</strong> for {reset.email}. Give it to them; it is shown only once:
          </p>
          <SecretField value={reset.password} label="New password" copyLabel="Copy password" />
          <button type="button" className="btn btn-small" onClick={() => setReset(null)}>
            Done
          </button>
        </div>
      )}
      {agents.status === 'loading' && <Spinner label="Loading agents…" />}
      {agents.status === 'error' && <ErrorNote message={agents.message} retry={reload} />}
      {agents.status === 'ready' && agents.data.length === 0 && <Empty title="No agents yet" />}
      {agents.status === 'ready' && agents.data.length > 0 && (
        <div className="table-wrap">
          <table className="table agents">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Added</th>
                {isOwner && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {agents.data.map((a) => (
                <tr key={a.id}>
                  <td data-label="Name">
                    {a.name}
                    {a.id === session?.agent.id && <span className="muted"> (you)</span>}
                  </td>
                  <td data-label="Email">{a.email}</td>
                  <td data-label="Role">
                    <span className={a.role === 'owner' ? 'badge badge-open' : 'badge'}>{ROLE_LABELS[a.role] ?? a.role}</span>
                  </td>
                  <td data-label="Added">{formatDate(a.createdAt)}</td>
                  {isOwner && (
                    <td data-label="Actions" className="row-actions">
                      {a.id !== session?.agent.id && (
                        <>
                          <button
                            type="button"
                            className="btn btn-small"
                            onClick={() => resetPassword(a)}
                            aria-label={`Reset the password of ${a.name}`}
                          >
                            Reset password
                          </button>{' '}
                          <button
                            type="button"
                            className="btn btn-small btn-danger"
                            onClick={() => remove(a)}
                            aria-label={`Remove ${a.name}`}
                          >
                            Remove
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function CreateAgent({ onCreated }: { onCreated: () => void }) {
  const [generate, setGenerate] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [created, setCreated] = useState<{ name: string; email: string; password?: string } | null>(null);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const body: NewAgent = { name: text('name'), email: text('email'), role: text('role') === 'owner' ? 'owner' : 'agent' };
    if (!generate) body.password = String(f.get('password') ?? '');
    setBusy(true);
    setError('');
    setCreated(null);
    try {
      const { data } = await call(api.POST('/api/v1/agents', { body }));
      setCreated({ name: data.name, email: data.email, password: data.password });
      form.reset();
      setGenerate(true);
      onCreated();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form className="card form-grid" onSubmit={create} aria-labelledby="new-agent-title">
        <h2 id="new-agent-title" className="form-title">
          Add an agent
        </h2>
        <label className="field">
          <span>Name</span>
          <input name="name" required maxLength={200} autoComplete="off" />
        </label>
        <label className="field">
          <span>Email</span>
          <input name="email" type="email" required maxLength={254} autoComplete="off" />
        </label>
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="agent">
            <option value="agent">Agent: works in the inbox</option>
            <option value="owner">Owner: also manages agents</option>
          </select>
        </label>
        <fieldset className="field password-choice">
          <legend>Initial password</legend>
          <label className="check">
            <input type="radio" name="password-mode" checked={generate} onChange={() => setGenerate(true)} /> Generate one for me
          </label>
          <label className="check">
            <input type="radio" name="password-mode" checked={!generate} onChange={() => setGenerate(false)} /> Choose one
          </label>
          {!generate && (
            <label className="field">
              <span>Password (at least 10 characters)</span>
              <input name="password" type="password" required minLength={10} maxLength={200} autoComplete="new-password" />
            </label>
          )}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add agent'}
          </button>
        </div>
      </form>
      {error && <ErrorNote message={error} />}
      {created && (
        <div className="card token-once" role="status">
          <p>
            <strong>{created.name} can now sign in</strong> with {created.email}
            {created.password ? '. Give them this password; it is shown only once:' : ' and the password you chose.'}
          </p>
          {created.password && <SecretField value={created.password} label="Generated password" copyLabel="Copy password" />}
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
    </>
  );
}

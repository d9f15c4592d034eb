import { type FormEvent, useState } from 'react';
import { api, call } from '../api';
import { useSession } from '../session';
import { CopyButton, ErrorNote, errorMessage } from '../ui';

const ROLE_LABELS: Record<string, string> = { owner: 'Owner', agent: 'Agent' };

/** The signed-in agent: who they are, the account's customer id (the API and CLI ask for it), and a password change. */
export function Account() {
  const { session } = useSession();
  if (!session) return null;
  const { agent, customerId } = session;
  return (
    <section aria-labelledby="account-title">
      <div className="page-head">
        <h1 id="account-title">Your account</h1>
        <p className="muted">How you sign in to this panel.</p>
      </div>
      <div className="card form-grid">
        <h2 className="form-title">Signed in as</h2>
        <p className="field">
          <span>Name</span>
          {agent.name}
        </p>
        <p className="field">
          <span>Email</span>
          {agent.email}
        </p>
        <p className="field">
          <span>Role</span>
          {ROLE_LABELS[agent.role] ?? agent.role}
        </p>
        <div className="field">
          <span>Customer id (for the API and the CLI)</span>
          <div className="secret">
            <code>{customerId}</code>
            <CopyButton text={customerId} label="Copy customer id" />
          </div>
        </div>
      </div>
      <ChangePassword email={agent.email} />
    </section>
  );
}

function ChangePassword({ email }: { email: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);

  const change = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    const currentPassword = String(f.get('current') ?? '');
    const newPassword = String(f.get('new') ?? '');
    setError('');
    setDone(false);
    if (newPassword !== String(f.get('repeat') ?? '')) {
      setError('The two new passwords are not the same.');
      return;
    }
    setBusy(true);
    try {
      await call(api.POST('/api/v1/auth/password', { body: { currentPassword, newPassword } }));
      form.reset();
      setDone(true);
    } catch (e) {
      const message = errorMessage(e);
      // The API names the field ("CurrentPassword is not…"); say it as a sentence.
      setError(
        /^CurrentPassword /.test(message) ? 'That is not your current password.' : message.replace(/^NewPassword /, 'The new password '),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={change} aria-labelledby="password-title">
      <h2 id="password-title" className="form-title">
        Change your password
      </h2>
      {/* for password managers: the account the new password belongs to */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <label className="field">
        <span>Current password</span>
        <input name="current" type="password" required maxLength={200} autoComplete="current-password" />
      </label>
      <label className="field">
        <span>New password</span>
        <input
          name="new"
          type="password"
          required
          minLength={10}
          maxLength={200}
          autoComplete="new-password"
          aria-describedby="password-rules"
        />
      </label>
      <label className="field">
        <span>New password again</span>
        <input name="repeat" type="password" required minLength={10} maxLength={200} autoComplete="new-password" />
      </label>
      <p id="password-rules" className="muted field-span">
        At least 10 characters; a few words you can remember work well. Very common passwords and your email are refused.
      </p>
      {error && (
        <div className="field-span">
          <ErrorNote message={error} />
        </div>
      )}
      <p className="save-state field-span" role="status">
        {done ? 'Your password was changed. Your other sessions were signed out; this one stays signed in.' : ''}
      </p>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}

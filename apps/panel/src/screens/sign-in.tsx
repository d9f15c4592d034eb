import { type FormEvent, useState } from 'react';
import { useSession } from '../session';
import { errorMessage } from '../ui';

export function SignIn() {
  const { signIn } = useSession();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError('');
    try {
      await signIn(String(form.get('email')).trim(), String(form.get('password')));
    } catch (e) {
      const message = errorMessage(e);
      // A 401 here is a wrong email or password, not an ended session.
      setError(message.startsWith('Your session') ? 'Wrong email or password.' : message);
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <p className="brand">leadbox</p>
        <h1 id="sign-in-title">Sign in</h1>
        <p className="muted">Use the email and password of your agent account.</p>
        {error && (
          <p className="note note-error" role="alert">
            {error}
          </p>
        )}
        <label className="field">
          <span>Email</span>
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

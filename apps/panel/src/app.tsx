import { useEffect, useRef } from 'react';
import { Link, useRoute } from './router';
import { Account } from './screens/account';
import { Agents } from './screens/agents';
import { Bots } from './screens/bots';
import { ContactDetail } from './screens/contact-detail';
import { Groups } from './screens/groups';
import { Import } from './screens/import';
import { Inbox } from './screens/inbox';
import { SignIn } from './screens/sign-in';
import { Tokens } from './screens/tokens';
import { Webhooks } from './screens/webhooks';
import { useSession } from './session';
import { Spinner } from './ui';

const NAV = [
  { to: '/', label: 'Contacts', match: (p: string) => p === '/' || p.startsWith('/contacts') },
  { to: '/groups', label: 'Groups', match: (p: string) => p === '/groups' },
  { to: '/import', label: 'Import', match: (p: string) => p === '/import' },
  { to: '/bots', label: 'Bots', match: (p: string) => p === '/bots' },
  { to: '/webhooks', label: 'Webhooks', match: (p: string) => p.startsWith('/webhooks') },
  { to: '/agents', label: 'Agents', match: (p: string) => p === '/agents' },
  { to: '/tokens', label: 'API Tokens', match: (p: string) => p === '/tokens' },
];

function Screen({ path }: { path: string }) {
  const contact = /^\/contacts\/([^/]+)$/.exec(path);
  if (contact?.[1]) return <ContactDetail id={decodeURIComponent(contact[1])} />;
  if (path === '/account') return <Account />;
  if (path === '/tokens') return <Tokens />;
  if (path === '/groups') return <Groups />;
  if (path === '/import') return <Import />;
  if (path.startsWith('/webhooks')) return <Webhooks path={path} />;
  if (path === '/agents') return <Agents />;
  if (path === '/bots') return <Bots />;
  if (path === '/') return <Inbox />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go to the inbox</Link>
      </p>
    </section>
  );
}

export function App() {
  const { session, signOut } = useSession();
  const { path } = useRoute();
  const main = useRef<HTMLElement>(null);

  // Moving between screens puts keyboard and screen-reader focus on the new screen.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each route change, by design
  useEffect(() => {
    if (main.current && document.activeElement?.closest('nav')) main.current.focus();
  }, [path]);

  if (session === undefined) return <Spinner />;
  if (session === null) return <SignIn />;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          leadbox
        </Link>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.to} to={item.to} aria-current={item.match(path) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="who">
          <Link
            to="/account"
            className="muted"
            title={`${session.agent.email}: your account and password`}
            aria-current={path === '/account' ? 'page' : undefined}
          >
            {session.agent.name}
          </Link>
          <button type="button" className="btn btn-small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Screen path={path} />
      </main>
    </div>
  );
}

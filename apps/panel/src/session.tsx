import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type Agent, api, call, onSessionEnded, setCsrfToken } from './api';

interface Session {
  customerId: string;
  agent: Agent;
}
interface SessionState {
  /** undefined while the first /auth/me is in flight */
  session: Session | null | undefined;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in agent. The cookie keeps the session; the CSRF token is only ever in memory. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  const ended = useCallback(() => {
    setCsrfToken(null);
    setSession(null);
  }, []);

  useEffect(() => {
    onSessionEnded(ended);
    let live = true;
    api
      .GET('/api/v1/auth/me')
      .then(({ data }) => {
        if (!live) return;
        setCsrfToken(data?.data.csrfToken ?? null);
        setSession(data ? { customerId: data.data.customerId, agent: data.data.agent } : null);
      })
      .catch(() => live && setSession(null));
    return () => {
      live = false;
    };
  }, [ended]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      async signIn(email, password) {
        const { data } = await call(api.POST('/api/v1/auth/login', { body: { email, password } }));
        setCsrfToken(data.csrfToken);
        setSession({ customerId: data.customerId, agent: data.agent });
      },
      async signOut() {
        try {
          await api.POST('/api/v1/auth/logout');
        } finally {
          ended();
        }
      },
    }),
    [session, ended],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

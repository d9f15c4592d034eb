import assert from 'node:assert/strict';
import { call, randomUuid, type TestContext } from './harness.js';

export const PASSWORD = 'a long enough password';

export interface Session {
  cookie: string;
  csrf: string;
  agentId: string;
}

/** Panel sign-in and requests as a signed-in agent (cookie + CSRF token), each sign-in from its own address. */
export function panelSessions(ctx: () => TestContext) {
  let addresses = 0;
  const signIn = async (email: string, password = PASSWORD): Promise<Session & { status: number }> => {
    const res = await ctx().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: `10.0.2.${++addresses}`,
    });
    const cookie = res.cookies.find((c) => c.name === 'leadbox_session');
    const json = res.json() as { data?: { csrfToken: string; agent: { id: string } } };
    return {
      status: res.statusCode,
      cookie: cookie ? `leadbox_session=${cookie.value}` : '',
      csrf: json.data?.csrfToken ?? '',
      agentId: json.data?.agent.id ?? '',
    };
  };
  const as = (s: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    call(ctx().app, method, url, { body, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
  const owner = () => signIn('owner@a.test');
  const email = (label: string) => `${label}-${randomUuid().slice(0, 8)}@a.test`;
  const addAgent = async (s: Session, body: Record<string, unknown>) => {
    const res = await as(s, 'POST', '/api/v1/agents', body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json.data as { id: string; email: string; role: string; password?: string };
  };
  const list = async (s: Session) => (await as(s, 'GET', '/api/v1/agents')).json.data.agents as { id: string; email: string }[];
  return { signIn, as, owner, email, addAgent, list };
}

// A real leadbox listening on a free port, on a fresh SQLite database with two accounts: what the
// SDK and CLI tests talk to over HTTP. Not exported from the package.
import type { AddressInfo } from 'node:net';
import { buildApp } from '@leadbox/server/app.js';
import type { Database } from '@leadbox/server/db/database.js';
import { createAccount, type NewAccount } from '@leadbox/server/modules/accounts/accounts.service.js';
import { createTestDatabase, testConfig } from '@leadbox/server/testing/harness.js';
import { Leadbox, type LeadboxOptions } from './leadbox.js';

export interface TestServer {
  url: string;
  database: Database;
  /** two accounts, so tests can check that one never sees the other's data */
  a: NewAccount;
  b: NewAccount;
  /** what a server or CLI process needs to reach the same database */
  env: Record<string, string>;
  client(account?: NewAccount, options?: Partial<LeadboxOptions>): Leadbox;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const testDb = await createTestDatabase('sqlite');
  const app = await buildApp(testConfig(env), { database: testDb.database });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const a = await createAccount(testDb.database.db, { name: 'Account A', ownerEmail: 'owner@a.test' });
  const b = await createAccount(testDb.database.db, { name: 'Account B', ownerEmail: 'owner@b.test' });
  return {
    url,
    database: testDb.database,
    a,
    b,
    env: testDb.env,
    client: (account = a, options = {}) => new Leadbox({ baseUrl: url, token: account.token, ...options }),
    close: async () => {
      await app.close();
      await testDb.drop();
    },
  };
}

/** Records what was sent, then sends it. */
export function recordingFetch() {
  const requests: { method: string; url: string; headers: Headers }[] = [];
  const fetch = (request: Request) => {
    requests.push({ method: request.method, url: request.url, headers: new Headers(request.headers) });
    return globalThis.fetch(request);
  };
  return { fetch, requests };
}

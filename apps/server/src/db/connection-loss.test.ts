import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createAccount, type NewAccount } from '../modules/accounts/accounts.service.js';
import { type Outcome, percentile, request, waitFor } from '../testing/faults.js';
import { createTestDatabase, POSTGRES_URL, randomUuid, type TestDatabase } from '../testing/harness.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { type Database, DatabaseUnavailableError, openDatabase } from './database.js';

const skip = POSTGRES_URL ? false : 'PostgreSQL connection-loss suites need DATABASE_URL';

type Surface = 'botpenguin' | 'pollybot';
interface Write {
  surface: Surface;
  /** the chat's uuid, or the lead's email */
  key: string;
  outcome: Outcome;
}

function assertUnavailable(surface: Surface, outcome: Outcome): void {
  assert.equal(outcome.status, 503, JSON.stringify(outcome.body));
  assert.match(outcome.retryAfter ?? '', /^\d+$/, 'a 503 says when to retry');
  if (surface === 'botpenguin') assert.deepEqual(outcome.body, { success: false, message: 'Service unavailable', code: 503, data: [] });
  else assert.deepEqual(outcome.body, { success: false, error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' });
}

describe('PostgreSQL connections dropped under a real server process', { skip }, () => {
  let testDb: TestDatabase;
  let account: NewAccount;
  let server: ServerProcess;
  let admin: pg.Client;
  let databaseName: string;

  /** Ends every connection to this suite's own database except the admin's; returns how many. */
  const terminateBackends = async () =>
    (
      await admin.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [
        databaseName,
      ])
    ).rowCount ?? 0;

  const write = async (i: number): Promise<Write> => {
    if (i % 2 === 0) {
      const uuid = randomUuid();
      const body = { uuid, botId: account.botId, customerId: account.customerId, name: `Chat ${i}`, tags: ['drop'] };
      return { surface: 'botpenguin', key: uuid, outcome: await request(server.url, 'PUT', '/inbox/direct/lead', account.token, body) };
    }
    const email = `drop-${i}-${randomUuid()}@example.com`;
    const outcome = await request(server.url, 'POST', '/api/v1/leads', account.token, { name: `Lead ${i}`, email, source: 'drop' });
    return { surface: 'pollybot', key: email, outcome };
  };

  before(async () => {
    testDb = await createTestDatabase('postgres');
    databaseName = new URL(testDb.env.DATABASE_URL as string).pathname.slice(1);
    account = await createAccount(testDb.database.db, { name: 'Drops' });
    server = await startServerProcess({
      ...testDb.env,
      LEADBOX_MIGRATE: 'false',
      LEADBOX_INBOX_RATE_LIMIT: '1000000',
      LEADBOX_LEADS_RATE_LIMIT: '1000000',
      DATABASE_POOL_SIZE: '6',
    });
    admin = new pg.Client({ connectionString: POSTGRES_URL as string });
    await admin.connect();
  });
  after(async () => {
    await admin?.query(`alter database "${databaseName}" allow_connections true`).catch(() => {});
    await server?.stop();
    await admin?.end();
    await testDb?.drop();
  });

  it('backends terminated during writes: the process lives, in-flight writes get 503 + Retry-After, every 2xx is stored', async () => {
    const writes: Write[] = [];
    let stop = false;
    let next = 0;
    const writer = async () => {
      while (!stop) writes.push(await write(next++));
    };
    const writers = Array.from({ length: 8 }, writer);
    const acked = () => writes.filter((w) => w.outcome.status < 300).length;
    const failed = () => writes.filter((w) => w.outcome.status >= 300).length;
    try {
      // Terminate until some requests were caught mid-query (usually the first round), at least 3 rounds.
      let rounds = 0;
      let terminated = 0;
      while (rounds < 3 || (failed() === 0 && rounds < 20)) {
        const target = acked() + 10;
        await waitFor(() => acked() >= target || server.child.exitCode !== null, 'writes to be acknowledged', 15_000);
        if (server.child.exitCode !== null) break;
        terminated += await terminateBackends();
        rounds++;
      }
      assert.ok(terminated > 0, 'backends were terminated');
      // and requests succeed again afterwards
      const target = acked() + 20;
      await waitFor(() => acked() >= target || server.child.exitCode !== null, 'writes to succeed again', 15_000);
    } finally {
      stop = true;
      await Promise.all(writers);
    }

    assert.equal(server.child.exitCode, null, `the process exited:\n${server.output()}`);
    assert.doesNotMatch(server.output(), /Unhandled 'error' event/);
    const unexpected = writes.filter((w) => !(w.outcome.status >= 200 && w.outcome.status < 300) && w.outcome.status !== 503);
    assert.deepEqual(
      unexpected.map((w) => ({ surface: w.surface, status: w.outcome.status, body: w.outcome.body })),
      [],
      'every answer is a 2xx or a 503',
    );
    const unavailable = writes.filter((w) => w.outcome.status === 503);
    assert.ok(unavailable.length > 0, 'some requests were in flight when their connection dropped');
    for (const w of unavailable) assertUnavailable(w.surface, w.outcome);

    const ackedChats = writes.filter((w) => w.surface === 'botpenguin' && w.outcome.status === 200).map((w) => w.key);
    const ackedLeads = writes.filter((w) => w.surface === 'pollybot' && w.outcome.status === 201).map((w) => w.key);
    const db = testDb.database.db;
    const chats = await db
      .selectFrom('contacts')
      .select('uuid')
      .where('accountId', '=', account.customerId)
      .where('uuid', 'in', ackedChats)
      .execute();
    assert.equal(chats.length, ackedChats.length, 'every acknowledged chat is stored');
    const leads = await db
      .selectFrom('contacts')
      .select('emailLower')
      .where('accountId', '=', account.customerId)
      .where('emailLower', 'in', ackedLeads)
      .execute();
    assert.equal(leads.length, ackedLeads.length, 'every acknowledged lead is stored');
    const ms = writes.map((w) => w.outcome.ms);
    console.log(
      `# ${writes.length} writes: ${ackedChats.length + ackedLeads.length} acknowledged, ${unavailable.length} × 503; ` +
        `p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, 503 max ${Math.max(...unavailable.map((w) => w.outcome.ms)).toFixed(0)} ms`,
    );
  });

  it('while the database refuses connections: /readyz 503, requests 503 fast; both recover when it is back', async () => {
    await admin.query(`alter database "${databaseName}" allow_connections false`);
    await terminateBackends();
    try {
      const readyz = await waitFor(async () => {
        const res = await fetch(`${server.url}/readyz`);
        return res.status === 503 ? ((await res.json()) as { database: string; status: string }) : null;
      }, '/readyz to report the database');
      assert.equal(readyz.status, 'not ready');
      assert.match(readyz.database, /^failing: /);
      const inbox = await request(server.url, 'GET', '/inbox/segments', account.token);
      assertUnavailable('botpenguin', inbox);
      const lead = await request(server.url, 'POST', '/api/v1/leads', account.token, {
        name: 'Refused',
        email: `refused-${randomUuid()}@example.com`,
      });
      assertUnavailable('pollybot', lead);
      console.log(`# database refusing connections: 503 in ${inbox.ms.toFixed(0)} ms (inbox), ${lead.ms.toFixed(0)} ms (leads)`);
    } finally {
      await admin.query(`alter database "${databaseName}" allow_connections true`);
    }
    const back = Date.now();
    await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, '/readyz to recover');
    const email = `back-${randomUuid()}@example.com`;
    const created = await request(server.url, 'POST', '/api/v1/leads', account.token, { name: 'Back', email });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    console.log(`# ready again ${Date.now() - back} ms after the database accepted connections`);
    assert.equal(server.child.exitCode, null);
  });
});

describe('the PostgreSQL driver when the connection under a query or a transaction drops', { skip }, () => {
  let testDb: TestDatabase;
  let database: Database;
  let admin: pg.Client;
  let databaseName: string;
  const warnings: string[] = [];

  before(async () => {
    testDb = await createTestDatabase('postgres');
    databaseName = new URL(testDb.env.DATABASE_URL as string).pathname.slice(1);
    database = openDatabase({
      databaseUrl: testDb.env.DATABASE_URL as string,
      dataDir: '',
      poolSize: 2,
      log: { warn: (_details, message) => warnings.push(message) },
    });
    admin = new pg.Client({ connectionString: POSTGRES_URL as string });
    await admin.connect();
  });
  after(async () => {
    await database?.close();
    await admin?.end();
    await testDb?.drop();
  });

  const terminate = (pid: number) => admin.query('select pg_terminate_backend($1)', [pid]);

  it('a query running when its backend is terminated fails as "unavailable", and the pool reconnects', async () => {
    const running = sql`select pg_sleep(30)`.execute(database.db).then(
      () => null,
      (error: unknown) => error,
    );
    const pid = await waitFor(async () => {
      const { rows } = await admin.query("select pid from pg_stat_activity where datname = $1 and query like 'select pg_sleep%'", [
        databaseName,
      ]);
      return rows[0]?.pid as number | undefined;
    }, 'the query to run');
    await terminate(pid);
    const error = await running;
    assert.ok(error instanceof DatabaseUnavailableError, String(error));
    assert.equal(error.reason, 'connection lost');
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    assert.deepEqual(rows, [{ one: 1 }]);
  });

  it('a transaction whose connection drops between two statements fails as "unavailable" and leaves nothing', async () => {
    warnings.length = 0;
    const name = `tx${randomUuid().slice(0, 8)}`;
    const outcome = await database.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('accounts').values({ id: name, name, createdAt: Date.now(), updatedAt: Date.now() }).execute();
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await terminate(rows[0]?.pid as number);
        // the backend is gone now; without a listener on the checked-out client its 'error' event ends the process
        await waitFor(() => warnings.length > 0, 'the drop to be noticed');
        await sql`select 1`.execute(trx);
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    assert.ok(outcome instanceof DatabaseUnavailableError, String(outcome));
    assert.deepEqual(warnings, ['PostgreSQL connection lost; the pool replaces it']);
    const stored = await database.db.selectFrom('accounts').select('id').where('id', '=', name).execute();
    assert.deepEqual(stored, [], 'rolled back by the server');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { openDatabase } from './database.js';
import * as m0001 from './migrations/0001-initial.js';
import { migrateToLatest, migrations } from './migrator.js';

describe('migrations', () => {
  it('0002 gives every existing contact a lead id', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadbox-migrate-'));
    const database = openDatabase({ databaseUrl: null, dataDir: dir });
    try {
      const { db } = database;
      await new Migrator({ db, provider: { getMigrations: async () => ({ '0001-initial': m0001 }) } }).migrateToLatest();
      await sql`insert into accounts (id, name, created_at, updated_at) values ('a', 'A', 1, 1)`.execute(db);
      for (const id of ['c1', 'c2']) {
        await sql`insert into contacts (account_id, id, status, last_activity_at, created_at, updated_at) values ('a', ${id}, 'OPEN', 1, 1, 1)`.execute(
          db,
        );
      }
      const { applied } = await migrateToLatest(db);
      assert.deepEqual(applied, [
        '0002-leads',
        '0003-webhooks',
        '0004-messages',
        '0005-chat-paging',
        '0006-search',
        '0007-agent-sessions',
        '0008-jobs',
        '0009-search-trigger',
        '0010-event-sequence',
        '0011-created-xid',
        '0012-import-journal',
        '0013-token-creator',
        '0014-contact-version',
        '0020-flow-states',
        '0023-integration-messages',
        '0024-contact-fields',
        '0027-first-sign-in',
        '0040-contact-updated-by',
        '0041-contacts-activity-order',
      ]);
      const rows = await db.selectFrom('contacts').select(['id', 'leadId', 'leadStatus', 'metadata']).orderBy('id').execute();
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.match(row.leadId, /^lead_[0-9a-f]{16}$/);
        assert.equal(row.leadStatus, 'new');
        assert.equal(row.metadata, '{}');
      }
      assert.notEqual(rows[0]?.leadId, rows[1]?.leadId);
      assert.deepEqual((await migrateToLatest(db)).applied, [], 'a second run applies nothing');
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('0009 rewrites the search row only when the indexed text changes, and keeps it right when it does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadbox-migrate-'));
    const database = openDatabase({ databaseUrl: null, dataDir: dir });
    try {
      const { db } = database;
      await migrateToLatest(db);
      await sql`insert into accounts (id, name, created_at, updated_at) values ('a', 'A', 1, 1)`.execute(db);
      await sql`insert into contacts (account_id, id, name, status, last_activity_at, created_at, updated_at, lead_id) values ('a', 'c1', 'Alice Stone', 'OPEN', 1, 1, 1, 'lead_1')`.execute(
        db,
      );
      const found = async (text: string) =>
        (await sql<{ n: number }>`select count(*) as n from contacts_search where contacts_search match ${`"${text}"`}`.execute(db)).rows[0]
          ?.n;
      const changes = async (update: ReturnType<typeof sql>) => {
        await update.execute(db);
        return (await sql<{ n: number }>`select total_changes() as n`.execute(db)).rows[0]?.n ?? 0;
      };
      const before = await changes(sql`select 1`);
      // Same values in SET: only the contacts row itself changes (the trigger does not fire).
      const same = await changes(sql`update contacts set name = 'Alice Stone', email_lower = null, phone_key = null where id = 'c1'`);
      assert.equal(same - before, 1);
      assert.equal(await found('alice'), 1);
      const renamed = await changes(sql`update contacts set name = 'Bob Marsh' where id = 'c1'`);
      assert.ok(renamed - same > 1, 'a new name rewrites the search row');
      assert.equal(await found('alice'), 0);
      assert.equal(await found('marsh'), 1);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('0024 indexes the attributes and scalar metadata of existing contacts, typed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadbox-migrate-'));
    const database = openDatabase({ databaseUrl: null, dataDir: dir });
    try {
      const { db } = database;
      await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo('0023-integration-messages');
      await sql`insert into accounts (id, name, created_at, updated_at) values ('a', 'A', 1, 1)`.execute(db);
      await sql`insert into contacts (account_id, id, status, last_activity_at, created_at, updated_at, lead_id, attributes, metadata)
        values ('a', 'c1', 'OPEN', 1, 1, 1, 'lead_1', ${'[{"key":"Plan","value":"Pro"},{"key":"seats","value":"12"},{"key":"renewal","value":"2026-01-15"}]'}, ${'{"beta":true,"nested":{"x":1}}'})`.execute(
        db,
      );
      await migrateToLatest(db);
      const rows = await db
        .selectFrom('contactFields')
        .select(['source', 'key', 'valueLower', 'num', 'time'])
        .orderBy('source')
        .orderBy('key')
        .execute();
      assert.deepEqual(rows, [
        { source: 'a', key: 'Plan', valueLower: 'pro', num: null, time: null },
        { source: 'a', key: 'renewal', valueLower: '2026-01-15', num: null, time: Date.parse('2026-01-15') },
        { source: 'a', key: 'seats', valueLower: '12', num: 12, time: null },
        { source: 'm', key: 'beta', valueLower: 'true', num: null, time: null },
      ]);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '@leadbox/server/db/database.js';
import { createTestDatabase, POSTGRES_URL, REDIS_URL } from '@leadbox/server/testing/harness.js';
import { sql } from 'kysely';
import { checkDisk, fileMigrator } from './doctor.js';
import { runWith, tempDir } from './testing.js';

const statuses = (json: { checks: { name: string; status: string }[] }) => Object.fromEntries(json.checks.map((c) => [c.name, c.status]));

describe('leadbox doctor', () => {
  let dir = '';
  const doctor = (env: Record<string, string> = {}) => runWith({ LEADBOX_DATA_DIR: dir, ...env }, ['doctor', '--json']);
  const onDatabase = async (statement: string) => {
    const database = openDatabase({ databaseUrl: null, dataDir: dir });
    await sql.raw(statement).execute(database.db);
    await database.close();
  };
  before(() => {
    dir = tempDir('doctor');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on a data directory without a database, and does not create one', async () => {
    const res = await doctor();
    assert.equal(res.code, 1);
    assert.equal(res.json().ok, false);
    assert.match(res.json().checks.find((c: { name: string }) => c.name === 'database').detail, /no database at .*leadbox\.sqlite/);
    assert.equal(existsSync(path.join(dir, 'leadbox.sqlite')), false);
  });

  it('passes on a migrated SQLite database, saying what it checked', async () => {
    assert.equal((await runWith({ LEADBOX_DATA_DIR: dir }, ['migrate'])).code, 0);
    const res = await doctor();
    assert.equal(res.code, 0, res.stdout);
    assert.equal(res.json().ok, true);
    const checks = statuses(res.json());
    assert.deepEqual(
      { ...checks, disk: checks.disk === 'warn' ? 'ok' : checks.disk },
      {
        configuration: 'ok',
        database: 'ok',
        migrations: 'ok',
        redis: 'skip',
        disk: 'ok',
      },
    );
    const human = await runWith({ LEADBOX_DATA_DIR: dir }, ['doctor']);
    assert.match(human.stdout, /^ok {4}configuration {2}SQLite in /m);
    assert.match(human.stdout, /^ok {4}migrations {5}up to date \(\d+ applied\)$/m);
    assert.match(human.stdout, /^no problems found$/m);
  });

  it('fails when a migration is pending, and passes again after `leadbox migrate`', async () => {
    const behind = tempDir('doctor-behind');
    try {
      const database = openDatabase({ databaseUrl: null, dataDir: behind });
      const { error } = await fileMigrator(database.db).migrateTo('0001-initial');
      await database.close();
      assert.equal(error, undefined);
      const pending = await runWith({ LEADBOX_DATA_DIR: behind }, ['doctor']);
      assert.equal(pending.code, 1);
      assert.match(pending.stdout, /^fail {2}migrations {5}pending: 0002-leads, .*\(run `leadbox migrate`\)$/m);
      assert.equal((await runWith({ LEADBOX_DATA_DIR: behind }, ['migrate'])).code, 0);
      assert.equal((await runWith({ LEADBOX_DATA_DIR: behind }, ['doctor'])).code, 0);
    } finally {
      rmSync(behind, { recursive: true, force: true });
    }
  });

  it('fails when the database was migrated by a newer leadbox', async () => {
    await onDatabase(`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2099-01-01')`);
    const newer = await doctor();
    assert.equal(newer.code, 1);
    assert.match(newer.stdout, /applied by a newer leadbox: 9999-from-the-future/);
    await onDatabase(`delete from kysely_migration where name = '9999-from-the-future'`);
  });

  it('fails on a Redis that does not answer, and on a bad configuration', async () => {
    const redis = await doctor({ REDIS_URL: 'redis://127.0.0.1:1' });
    assert.equal(redis.code, 1);
    assert.equal(statuses(redis.json()).redis, 'fail');
    assert.match(redis.stdout, /127\.0\.0\.1:1: connect ECONNREFUSED/);
    assert.equal(statuses(redis.json()).database, 'ok', 'the other checks still run');
    const config = await doctor({ PORT: 'eighty' });
    assert.equal(config.code, 1);
    assert.match(config.stdout, /PORT must be a whole number/);
  });

  it('pings a configured Redis', { skip: REDIS_URL ? false : 'needs REDIS_URL' }, async () => {
    const res = await doctor({ REDIS_URL: REDIS_URL as string });
    assert.equal(res.code, 0, res.stdout);
    assert.match(res.json().checks.find((c: { name: string }) => c.name === 'redis').detail, /PONG/);
  });

  it('checks a PostgreSQL database, leaving disk space to its server', { skip: POSTGRES_URL ? false : 'needs DATABASE_URL' }, async () => {
    const pg = await createTestDatabase('postgres');
    try {
      const res = await doctor(pg.env);
      assert.equal(res.code, 0, res.stdout);
      assert.deepEqual([statuses(res.json()).database, statuses(res.json()).migrations, statuses(res.json()).disk], ['ok', 'ok', 'skip']);
    } finally {
      await pg.drop();
    }
  });

  it('warns, without failing, when the data directory has less free space than the threshold', () => {
    const check = checkDisk({ databaseUrl: null, dataDir: path.join(dir, 'not', 'created', 'yet') }, Number.MAX_SAFE_INTEGER);
    assert.equal(check.status, 'warn');
    assert.match(check.detail, new RegExp(`only [\\d.]+ GiB free in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(under`));
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from './database.js';
import { GroupCommit, writeTransaction } from './group-commit.js';

interface T {
  items: { id: number; parentId: number | null };
  parents: { id: number };
}

describe('group commit (SQLite)', () => {
  let dir: string;
  let file: string;
  let db: Kysely<T>;
  let statements: string[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadbox-group-commit-'));
    file = path.join(dir, 'db.sqlite');
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    statements = [];
    db = new Kysely<T>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
      plugins: [new CamelCasePlugin()],
      log: (event) => {
        statements.push(event.query.sql);
      },
    });
    await sql`create table parents (id integer primary key)`.execute(db);
    await sql`create table items (id integer primary key, parent_id integer references parents (id) deferrable initially deferred)`.execute(
      db,
    );
    statements = [];
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (id: number) => (trx: Kysely<T>) => trx.insertInto('items').values({ id, parentId: null }).execute();
  const stored = async () => (await db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id);
  const commits = () => statements.filter((s) => s === 'commit').length;

  it('runs concurrent writes in one transaction with one commit', async () => {
    const committer = new GroupCommit(db);
    await Promise.all([1, 2, 3, 4, 5].map((id) => committer.run(insert(id))));
    assert.deepEqual(await stored(), [1, 2, 3, 4, 5]);
    assert.equal(commits(), 1);
    assert.equal(committer.batches, 1);
  });

  it('gives each job its result and rolls back a failing job alone', async () => {
    const committer = new GroupCommit(db);
    const results = await Promise.allSettled([
      committer.run(async (trx) => {
        await insert(1)(trx);
        return 'one';
      }),
      committer.run(async (trx) => {
        await insert(2)(trx);
        throw new Error('job two fails after writing');
      }),
      committer.run(async (trx) => {
        await insert(1)(trx); // a primary-key violation: the statement fails
        return 'never';
      }),
      committer.run(async (trx) => {
        await insert(3)(trx);
        return 'three';
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.equal((results[0] as PromiseFulfilledResult<string>).value, 'one');
    assert.match(String((results[1] as PromiseRejectedResult).reason), /job two fails/);
    assert.equal(((results[2] as PromiseRejectedResult).reason as { code?: string }).code, 'SQLITE_CONSTRAINT_PRIMARYKEY');
    assert.deepEqual(await stored(), [1, 3]);
    assert.equal(commits(), 1);
  });

  it('settles a job only after the commit, visible to another connection', async () => {
    const committer = new GroupCommit(db);
    const other = new SQLite(file, { readonly: true });
    try {
      const seen = await Promise.all(
        [1, 2, 3].map((id) =>
          committer.run(insert(id)).then(() => (other.prepare('select count(*) as n from items').get() as { n: number }).n),
        ),
      );
      assert.deepEqual(seen, [3, 3, 3], 'every job resolved after all three were committed');
    } finally {
      other.close();
    }
  });

  it('rejects every job of the batch, successful ones included, when the commit fails', async () => {
    const committer = new GroupCommit(db);
    const results = await Promise.allSettled([
      committer.run(insert(1)),
      // A deferred foreign key passes the statement and fails the COMMIT.
      committer.run((trx) => trx.insertInto('items').values({ id: 2, parentId: 99 }).execute()),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual(await stored(), []);
    // The committer keeps working after a failed batch.
    await committer.run(insert(7));
    assert.deepEqual(await stored(), [7]);
  });

  it('queues jobs that arrive during a batch for the next one, and bounds a batch', async () => {
    const committer = new GroupCommit(db, { maxBatch: 3 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = committer.run(async (trx) => {
      await gate;
      await insert(1)(trx);
    });
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4, 5].map((id) => committer.run(insert(id)));
    release();
    await Promise.all([first, ...later]);
    assert.deepEqual(await stored(), [1, 2, 3, 4, 5]);
    assert.equal(committer.batches, 3, 'one batch for the first job, then 3 + 1');
  });

  it('writeTransaction shares one committer per database', async () => {
    await Promise.all([1, 2, 3].map((id) => writeTransaction(db, insert(id))));
    assert.deepEqual(await stored(), [1, 2, 3]);
    assert.equal(commits(), 1);
  });

  it('writeTransaction inside a transaction runs in it and commits with it', async () => {
    await db.transaction().execute(async (trx) => {
      await writeTransaction(trx, insert(1));
      await writeTransaction(trx, insert(2));
    });
    assert.deepEqual(await stored(), [1, 2]);
    assert.equal(commits(), 1);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await writeTransaction(trx, insert(3));
        throw new Error('caller fails after the nested write');
      }),
    );
    assert.deepEqual(await stored(), [1, 2], 'the nested write rolled back with its caller');
  });
});

describe('statement cache', () => {
  it('prepares each distinct text once and evicts the least recently used', () => {
    const sqlite = new SQLite(':memory:');
    let prepared = 0;
    const counting = new Proxy(sqlite, {
      get(target, key) {
        if (key === 'prepare')
          return (text: string) => {
            prepared++;
            return target.prepare(text);
          };
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const cached = withStatementCache(counting, 2);
    const a = cached.prepare('select 1');
    assert.equal(cached.prepare('select 1'), a);
    cached.prepare('select 2');
    cached.prepare('select 1'); // now the most recent
    cached.prepare('select 3'); // evicts "select 2"
    assert.equal(cached.prepare('select 1'), a);
    cached.prepare('select 2');
    assert.equal(prepared, 4);
    cached.close();
  });

  it('never hands out a statement that is still iterating', () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec('create table parents (id integer primary key); insert into parents values (1), (2), (3)');
    const cached = withStatementCache(sqlite);
    const text = 'select id from parents order by id';
    const open = (cached.prepare(text) as SQLite.Statement).iterate();
    open.next();
    const again = cached.prepare(text) as SQLite.Statement;
    assert.equal(again.all().length, 3, 'a busy statement would throw "This statement is busy executing a query"');
    open.return?.();
    assert.equal((cached.prepare(text) as SQLite.Statement).all().length, 3);
    cached.close();
  });
});

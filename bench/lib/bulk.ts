import SQLite from 'better-sqlite3';
import pg from 'pg';

/** camelCase -> snake_case, as Kysely's CamelCasePlugin maps the schema's names to columns. */
export const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export type Row = Record<string, string | number | null>;

/**
 * Bulk loading straight through the drivers: multi-row INSERTs inside big transactions on SQLite,
 * one `INSERT … SELECT FROM unnest(…)` per batch on PostgreSQL. Secondary indexes are dropped
 * before the load and rebuilt after it (a sort instead of a million B-tree inserts).
 */
export interface BulkWriter {
  insert(table: string, rows: readonly Row[]): Promise<void>;
  /** SQLite: commits the running transaction and opens the next */
  checkpoint(): Promise<void>;
  dropSecondaryIndexes(tables: readonly string[]): Promise<void>;
  restoreIndexes(): Promise<void>;
  finish(options: { analyze: boolean }): Promise<void>;
}

export function sqliteBulkWriter(file: string): BulkWriter {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  // A load that fails is thrown away and generated again: no need for durability here.
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -262144');
  const statements = new Map<string, SQLite.Statement>();
  let dropped: { name: string; sql: string }[] = [];
  const maxParams = 30_000;
  db.exec('BEGIN');
  return {
    async insert(table, rows) {
      const first = rows[0];
      if (!first) return;
      const columns = Object.keys(first);
      const perStatement = Math.max(1, Math.floor(maxParams / columns.length));
      const tuple = `(${columns.map(() => '?').join(',')})`;
      for (let i = 0; i < rows.length; i += perStatement) {
        const part = rows.slice(i, i + perStatement);
        const key = `${table}:${columns.join(',')}:${part.length}`;
        let statement = statements.get(key);
        if (!statement) {
          statement = db.prepare(
            `INSERT INTO ${table} (${columns.map(snake).join(',')}) VALUES ${Array.from({ length: part.length }, () => tuple).join(',')}`,
          );
          statements.set(key, statement);
        }
        const values: (string | number | null)[] = [];
        for (const row of part) for (const column of columns) values.push(row[column] ?? null);
        statement.run(values);
      }
    },
    async checkpoint() {
      db.exec('COMMIT');
      db.exec('BEGIN');
    },
    async dropSecondaryIndexes(tables) {
      dropped = db
        .prepare(
          `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(',')})`,
        )
        .all(...tables) as { name: string; sql: string }[];
      for (const index of dropped) db.exec(`DROP INDEX ${index.name}`);
    },
    async restoreIndexes() {
      for (const index of dropped) db.exec(index.sql);
      dropped = [];
    },
    async finish({ analyze }) {
      db.exec('COMMIT');
      if (analyze) db.exec('ANALYZE');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

export async function postgresBulkWriter(url: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET maintenance_work_mem = '512MB'`);
  // Foreign keys are not checked row by row during the load (the generator writes consistent data).
  await client.query('SET session_replication_role = replica').catch(() => {});
  const types = new Map<string, Map<string, string>>();
  const typesOf = async (table: string) => {
    let map = types.get(table);
    if (!map) {
      const { rows } = await client.query<{ column_name: string; udt_name: string }>(
        'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      );
      map = new Map(rows.map((r) => [r.column_name, r.udt_name.replace(/^_/, '')]));
      types.set(table, map);
    }
    return map;
  };
  let dropped: { name: string; def: string }[] = [];
  return {
    async insert(table, rows) {
      const first = rows[0];
      if (!first) return;
      const columns = Object.keys(first);
      const columnTypes = await typesOf(table);
      const arrays = columns.map((c) => rows.map((r) => r[c] ?? null));
      const casts = columns.map((c, i) => {
        const type = columnTypes.get(snake(c));
        if (!type) throw new Error(`${table}.${snake(c)} is not a column`);
        return `$${i + 1}::${type}[]`;
      });
      await client.query(`INSERT INTO ${table} (${columns.map(snake).join(',')}) SELECT * FROM unnest(${casts.join(',')})`, arrays);
    },
    async checkpoint() {},
    async dropSecondaryIndexes(tables) {
      const { rows } = await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1)
           AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
        [tables],
      );
      dropped = rows.map((r) => ({ name: r.indexname, def: r.indexdef }));
      for (const index of dropped) await client.query(`DROP INDEX "${index.name}"`);
    },
    async restoreIndexes() {
      for (const index of dropped) await client.query(index.def);
      dropped = [];
    },
    async finish({ analyze }) {
      // VACUUM too: it sets the visibility map, as autovacuum soon would, so index-only scans stay index-only.
      if (analyze) await client.query('VACUUM ANALYZE');
      await client.end();
    },
  };
}

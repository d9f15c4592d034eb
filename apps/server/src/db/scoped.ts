import type { Kysely } from 'kysely';

/**
 * State that belongs to one database handle, for caches of its rows: the Kysely instance an app
 * was built on and every transaction of it share one value (they share the dialect's adapter),
 * while two databases in one process (two apps in a test run, a CLI next to a server) never do.
 * Module-level maps would let a token or bot read from one database answer for another.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export function perDatabase<T>(create: () => T): (db: Kysely<any>) => T {
  const byAdapter = new WeakMap<object, T>();
  return (db) => {
    const key = db.getExecutor().adapter;
    let value = byAdapter.get(key);
    if (value === undefined) {
      value = create();
      byAdapter.set(key, value);
    }
    return value;
  };
}

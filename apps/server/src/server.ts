import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { ensureDefaultAccount, firstStartMessage } from './modules/accounts/first-start.js';

/**
 * Opens the database, applies migrations, creates the default account on an empty database,
 * listens, and drains in-flight requests on SIGINT/SIGTERM before closing the pools.
 */
export async function startServer(config: Config, out: { write(text: string): unknown } = process.stdout): Promise<FastifyInstance> {
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  await migrateToLatest(database.db);
  const fresh = await ensureDefaultAccount(database.db);
  const app = await buildApp(config, { database });
  app.addHook('onClose', async () => database.close());

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // Hard stop if draining hangs: a stuck client must not keep the process alive forever.
    setTimeout(() => process.exit(1), 15_000).unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  const base = config.publicUrl;
  if (fresh) out.write(firstStartMessage(fresh, base));
  out.write(
    `\nleadbox is running on ${base} (${database.dialect}: ${database.location})\n` +
      `  API docs     ${base}/docs\n  OpenAPI      ${base}/openapi.json\n  BotPenguin   ${base}/inbox/...\n\n`,
  );
  return app;
}

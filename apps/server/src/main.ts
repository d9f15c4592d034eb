import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { ensureDefaultAccount, firstStartMessage } from './modules/accounts/first-start.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  await migrateToLatest(database.db);
  const fresh = await ensureDefaultAccount(database.db);
  const app = await buildApp(config, { database });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // Hard stop if draining hangs (a stuck client must not keep the process alive forever).
    setTimeout(() => process.exit(1), 15_000).unref();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  const base = config.publicUrl;
  if (fresh) process.stdout.write(firstStartMessage(fresh, base));
  process.stdout.write(
    `\nleadbox is running on ${base} (${database.dialect}: ${database.location})\n` +
      `  API docs     ${base}/docs\n  OpenAPI      ${base}/openapi.json\n  BotPenguin   ${base}/inbox/...\n\n`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`leadbox failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

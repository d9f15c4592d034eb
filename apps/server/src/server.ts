import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { migrateToLatest } from './db/migrator.js';
import { openInfrastructure } from './infrastructure.js';
import { chooseLogStyle, createLogger } from './lib/log-style.js';
import { ensureOwnerCanSignIn, ownerSignInMessage } from './modules/accounts/first-start.js';
import { recoverImports } from './modules/imports/import-journal.js';
import { startDispatcher } from './modules/webhooks/dispatcher.js';

/**
 * Opens the database, applies migrations, takes back an unfinished import, listens, then creates
 * the default account on an empty database (or reminds how the owner signs in), and drains
 * in-flight requests on SIGINT/SIGTERM before closing the pools.
 */
export async function startServer(config: Config, out: { write(text: string): unknown } = process.stdout): Promise<FastifyInstance> {
  const style = chooseLogStyle({ format: config.logFormat, nodeEnv: config.nodeEnv, isTTY: Boolean(process.stdout.isTTY) });
  const log = createLogger(config.logLevel, style);
  const infra = await openInfrastructure(config, log);
  const { database } = infra;
  // Safe with several instances starting at once: the migrator takes a lock. Deploys that prefer
  // one explicit step run `npx leadbox migrate` first and start instances with LEADBOX_MIGRATE=false.
  if (config.migrateOnStart) await migrateToLatest(database.db);
  // An import the last process stopped in (SQLite applies big ones in chunks) is taken back before
  // anything is served or any job runs: all or nothing, across a crash too.
  await recoverImports(database.db, log);
  const app = await buildApp(config, {
    database,
    limiters: infra.limiters,
    redis: infra.redis,
    bus: infra.bus,
    logger: log,
    requestLogLevel: style.requestLevel,
  });
  const dispatcher = config.webhooks.dispatch ? startDispatcher(database.db, config.webhooks, app.log) : null;
  // Before the requests in flight are drained (which may take until the hard stop): the
  // subscriptions this instance holds go to another instance at once.
  if (dispatcher) app.addHook('preClose', () => dispatcher.stop());
  // Runs after the server stopped accepting and in-flight requests finished.
  app.addHook('onClose', () => infra.close());

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
  // Only once listening: a start that cannot listen (EADDRINUSE) creates no account whose
  // credentials it could never show.
  const signIn = await ensureOwnerCanSignIn(database.db, config.admin);
  if (signIn) out.write(ownerSignInMessage(signIn, base));
  out.write(
    `\nleadbox is running on ${base} (${database.dialect}: ${database.location}${infra.redis ? ', Redis for shared limits' : ''})\n` +
      `  Panel        ${base}/panel/   (sign in as the owner)\n  API docs     ${base}/docs\n  OpenAPI      ${base}/openapi.json\n  BotPenguin   ${base}/inbox/...\n  PollyBot     ${base}/api/v1/leads\n  Widget       ${base}/botpenguin.js\n\n`,
  );
  return app;
}

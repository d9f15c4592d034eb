import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig } from '@leadbox/server/config.js';
import { type Database, openDatabase } from '@leadbox/server/db/database.js';
import { dumpDatabase, restoreDatabase } from '@leadbox/server/db/dump.js';
import { migrateToLatest } from '@leadbox/server/db/migrator.js';
import { AppError } from '@leadbox/server/lib/errors.js';
import { generatePassword } from '@leadbox/server/lib/passwords.js';
import { toIso } from '@leadbox/server/lib/time.js';
import { findAccount, listAccounts } from '@leadbox/server/modules/accounts/accounts.repository.js';
import { createAccount } from '@leadbox/server/modules/accounts/accounts.service.js';
import { findAgentsByEmailAnywhere } from '@leadbox/server/modules/agents/agents.repository.js';
import { type AgentRole, createAgent, listAccountAgents } from '@leadbox/server/modules/agents/agents.service.js';
import { setAgentPassword } from '@leadbox/server/modules/auth/auth.service.js';
import { BOT_PLATFORMS, createBot } from '@leadbox/server/modules/bots/bots.service.js';
import { EXPORT_KINDS, type ExportKind } from '@leadbox/server/modules/exports/export-columns.js';
import { FIELD_HELP } from '@leadbox/server/modules/imports/contact-rows.js';
import { createToken, listAccountTokens, revokeAccountToken } from '@leadbox/server/modules/tokens/tokens.service.js';
import { Argument, Command, CommanderError, Option } from 'commander';
import { type CliContext, collect, type Io } from './context.js';
import { runDoctor } from './doctor.js';
import { type ExportOptions, runExport } from './export-command.js';
import { type ImportOptions, runImport } from './import-command.js';
import { count } from './progress.js';

export type { Io };

/** Commands that work on the configured database (same env variables as the server), or on a server through the SDK. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let database: Database | null = null;
  const db = async () => {
    if (!database) {
      const config = loadConfig(io.env);
      database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
      await migrateToLatest(database.db);
    }
    return database.db;
  };
  const print = (json: boolean, value: unknown, human: string) => io.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
  const jsonOption = () => new Option('--json', 'print machine-readable JSON');
  const ctx: CliContext = { io, db, print };
  let exitCode = 0;

  const program = new Command('leadbox')
    .description('leadbox operator CLI: works directly on the configured database (DATABASE_URL, or SQLite in LEADBOX_DATA_DIR)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply pending database migrations (run once per deploy, before starting instances)')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) => {
      const config = loadConfig(io.env);
      database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
      const { applied } = await migrateToLatest(database.db);
      print(Boolean(o.json), { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    });

  const account = program.command('account').description('customer accounts');
  account
    .command('create')
    .description('create an account with one website bot, one owner agent and one API token')
    .requiredOption('--name <name>', 'account name')
    .option('--owner-email <email>', 'owner agent email')
    .addOption(jsonOption())
    .action(async (o: { name: string; ownerEmail?: string; json?: boolean }) => {
      // The owner gets a generated password, printed once, so the account can sign in to the panel.
      const created = await createAccount(await db(), { name: o.name, ownerEmail: o.ownerEmail, ownerPassword: generatePassword() });
      print(
        Boolean(o.json),
        created,
        Object.entries(created)
          .map(([k, v]) => `${k.padEnd(12)} ${v}`)
          .join('\n'),
      );
    });

  account
    .command('list')
    .description('list the accounts, oldest first')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) => {
      const out = (await listAccounts(await db())).map((r) => ({ customerId: r.id, name: r.name, createdAt: toIso(r.createdAt) }));
      print(Boolean(o.json), out, out.map((a) => `${a.customerId}  ${a.createdAt}  ${a.name}`).join('\n') || 'no accounts');
    });

  program
    .command('bot')
    .description('bots')
    .command('create')
    .description('create a bot in an account')
    .requiredOption('--customer <id>', 'customer (account) id')
    .requiredOption('--name <name>', 'bot name')
    .addOption(new Option('--platform <platform>', 'channel').choices([...BOT_PLATFORMS]).default('website'))
    .addOption(jsonOption())
    .action(async (o: { customer: string; name: string; platform: string; json?: boolean }) => {
      const bot = await createBot(await db(), o.customer, { name: o.name, platform: o.platform });
      const out = { botId: bot.id, customerId: bot.accountId, name: bot.name, platform: bot.platform };
      print(Boolean(o.json), out, `botId ${bot.id} (${bot.platform})`);
    });

  const agent = program.command('agent').description('agents');
  agent
    .command('create')
    .description('create an agent in an account')
    .requiredOption('--customer <id>', 'customer (account) id')
    .requiredOption('--name <name>', 'agent name')
    .requiredOption('--email <email>', 'agent email (unique in the account)')
    .addOption(new Option('--role <role>', 'role').choices(['agent', 'owner']).default('agent'))
    .addOption(jsonOption())
    .action(async (o: { customer: string; name: string; email: string; role: AgentRole; json?: boolean }) => {
      const agent = await createAgent(await db(), o.customer, { name: o.name, email: o.email, role: o.role });
      const out = { agentId: agent.id, customerId: agent.accountId, name: agent.name, email: agent.email, role: agent.role };
      print(Boolean(o.json), out, `agentId ${agent.id} (${agent.email}, ${agent.role})`);
    });

  agent
    .command('list')
    .description("list an account's agents (never their passwords)")
    .requiredOption('--customer <id>', 'customer (account) id')
    .addOption(jsonOption())
    .action(async (o: { customer: string; json?: boolean }) => {
      const target = await db();
      if (!(await findAccount(target, o.customer))) throw new Error(`no account ${o.customer}`);
      const out = (await listAccountAgents(target, o.customer)).map((a) => ({
        agentId: a.id,
        customerId: a.accountId,
        name: a.name,
        email: a.email,
        role: a.role,
        createdAt: toIso(a.createdAt),
      }));
      print(Boolean(o.json), out, out.map((a) => `${a.agentId}  ${a.role.padEnd(5)}  ${a.email}  ${a.name}`).join('\n') || 'no agents');
    });

  agent
    .command('password')
    .description("set an agent's password (their open sessions end)")
    .requiredOption('--email <email>', "the agent's email")
    .option('--customer <id>', 'customer (account) id; needed when the email is an agent of several accounts')
    .addOption(new Option('--password-stdin', 'read the new password from standard input (first line)').conflicts('generate'))
    .addOption(new Option('--generate', 'generate a password and print it once').conflicts('passwordStdin'))
    .addOption(jsonOption())
    .action(async (o: { email: string; customer?: string; passwordStdin?: boolean; generate?: boolean; json?: boolean }) => {
      if (!o.passwordStdin && !o.generate) throw new Error('give --password-stdin or --generate');
      const password = o.generate ? generatePassword() : await readFirstLine(io);
      const target = await db();
      const matches = await findAgentsByEmailAnywhere(target, o.email.trim().toLowerCase(), o.customer?.toLowerCase());
      if (matches.length === 0) throw new Error(`no agent with email ${o.email}${o.customer ? ` in ${o.customer}` : ''}`);
      if (matches.length > 1) throw new Error(`${o.email} is an agent of several accounts: say which with --customer`);
      const found = matches[0] as (typeof matches)[number];
      await setAgentPassword(target, found.accountId, found.id, password);
      const out = { agentId: found.id, customerId: found.accountId, email: found.email, ...(o.generate ? { password } : {}) };
      print(
        Boolean(o.json),
        out,
        o.generate ? `password ${password}\n(for ${found.email}; store it now, it is not shown again)` : `password set for ${found.email}`,
      );
    });

  const token = program.command('token').description('API tokens (shown once at creation, stored only as a hash)');
  token
    .command('create')
    .description('create an API token')
    .requiredOption('--customer <id>', 'customer (account) id')
    .option('--name <name>', 'a label to recognise it by', 'API token')
    .addOption(jsonOption())
    .action(async (o: { customer: string; name: string; json?: boolean }) => {
      const created = await createToken(await db(), o.customer, { name: o.name });
      const out = { tokenId: created.info.id, customerId: o.customer, name: created.info.name, token: created.token };
      print(Boolean(o.json), out, `token ${created.token}\n(id ${created.info.id}; store it now, it is not shown again)`);
    });
  token
    .command('list')
    .description("list an account's tokens (never the tokens themselves)")
    .requiredOption('--customer <id>', 'customer (account) id')
    .addOption(jsonOption())
    .action(async (o: { customer: string; json?: boolean }) => {
      const tokens = (await listAccountTokens(await db(), o.customer)).map((t) => ({
        tokenId: t.id,
        name: t.name,
        hint: t.hint,
        createdAt: toIso(t.createdAt),
        lastUsedAt: toIso(t.lastUsedAt),
        revokedAt: toIso(t.revokedAt),
      }));
      const human = tokens.map(
        (t) => `${t.tokenId}  ${t.hint}  ${t.name}  ${t.revokedAt ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? 'never'}`}`,
      );
      print(Boolean(o.json), tokens, human.join('\n') || 'no tokens');
    });
  token
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .requiredOption('--customer <id>', 'customer (account) id')
    .requiredOption('--id <tokenId>', 'token id (from token list)')
    .addOption(jsonOption())
    .action(async (o: { customer: string; id: string; json?: boolean }) => {
      await revokeAccountToken(await db(), o.customer, o.id);
      print(Boolean(o.json), { tokenId: o.id, revoked: true }, `revoked ${o.id}`);
    });

  program
    .command('dump')
    .description('write every row of the configured database as NDJSON (to move SQLite to PostgreSQL, or back up)')
    .option('--out <file>', 'file to write (default: standard output)')
    .action(async (o: { out?: string }) => {
      const target = o.out ? createWriteStream(o.out) : null;
      let rows = 0;
      for await (const line of dumpDatabase(await db())) {
        rows++;
        if (target) {
          if (!target.write(`${line}\n`)) await once(target, 'drain');
        } else io.stdout.write(`${line}\n`);
      }
      if (target) {
        await new Promise<void>((resolve, reject) => target.end((error?: Error | null) => (error ? reject(error) : resolve())));
        io.stderr.write(`wrote ${rows - 1} rows to ${o.out}\n`);
      }
    });

  program
    .command('restore')
    .description('load a dump into the configured database (empty, migrated), all rows or none')
    .requiredOption('--in <file>', 'dump file written by `leadbox dump`')
    .addOption(jsonOption())
    .action(async (o: { in: string; json?: boolean }) => {
      const target = await db();
      const lines = createInterface({ input: createReadStream(o.in), crlfDelay: Number.POSITIVE_INFINITY });
      const counts = await restoreDatabase(target, lines);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      print(
        Boolean(o.json),
        { rows: total, tables: counts },
        `restored ${total} rows: ${Object.entries(counts)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`,
      );
    });

  program
    .command('import')
    .description('import contacts from a CSV or JSON file (upsert by phone, then email, as POST /inbox/users/import)')
    .argument('<file>', 'a .csv file with a header line, or a .json array of contacts')
    .option('--customer <id>', 'customer (account) id; required on the local database')
    .option('--bot <id>', 'attach new contacts to this bot of the account')
    .option('--map <column=field>', `read a column as a field: ${FIELD_HELP} (repeatable)`, collect, [])
    .addOption(
      new Option('--on-duplicate <mode>', 'a row matching an existing contact: update it, or skip the row')
        .choices(['update', 'skip'])
        .default('update'),
    )
    .option('--rejects <file>', 'where rejected rows go, with a reason column (default: FILE.rejects.csv)')
    .option('--url <url>', 'import through a leadbox server instead of the local database')
    .option('--token <token>', 'API token for --url (default: $LEADBOX_TOKEN)')
    .addOption(jsonOption())
    .action(async (file: string, o: ImportOptions & { json?: boolean }) => {
      const s = await runImport(file, { ...o, token: o.token ?? (o.url ? io.env.LEADBOX_TOKEN : undefined) }, ctx);
      const { rejectsFile, ...counts } = s;
      const human = Object.entries(counts).map(([k, v]) => `${k.padEnd(9)} ${count(v)}`);
      if (rejectsFile) human.push(`rejected rows, with the reason: ${rejectsFile}`);
      print(Boolean(o.json), s, human.join('\n'));
    });

  program
    .command('export')
    .description('write contacts, chats or leads as CSV or NDJSON, streamed page by page, with the filters of the API lists')
    .addArgument(new Argument('<kind>', 'what to export').choices(EXPORT_KINDS))
    .option('--customer <id>', 'customer (account) id; required on the local database')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'ndjson']).default('csv'))
    .option('--out <file>', 'file to write (default: standard output)')
    .option('--search <text>', 'contacts: name, email or phone digits; leads: name or email')
    .option('--tag <tag>', 'contacts: tagged so (repeatable: any of them)', collect, [])
    .option('--status <status>', 'contacts: chat status (repeatable); leads: lead status', collect, [])
    .option('--bot <id>', 'contacts: of this bot (repeatable); chats: this bot only (default: every bot); leads: this chatbot', collect, [])
    .option('--agent <id>', 'contacts: assigned to this agent (repeatable)', collect, [])
    .option('--segment <id>', 'contacts: in this segment (repeatable)', collect, [])
    .option('--created-from <date>', 'contacts: created at or after (ISO-8601)')
    .option('--created-to <date>', 'contacts: created at or before (ISO-8601)')
    .option('--last-seen-from <date>', 'contacts: last seen at or after (ISO-8601)')
    .option('--last-seen-to <date>', 'contacts: last seen at or before (ISO-8601)')
    .option('--contacts-only', 'contacts: only those with an email or phone, or imported (isContact)')
    .addOption(new Option('--type <type>', 'chats: leads or the other chats (default: both)').choices(['lead', 'non-lead']))
    .option('--source <source>', 'leads: this source exactly')
    .option('--url <url>', 'export through a leadbox server instead of the local database')
    .option('--token <token>', 'API token for --url (default: $LEADBOX_TOKEN)')
    .addOption(jsonOption())
    .action(async (kind: ExportKind, o: ExportOptions & { json?: boolean }) => {
      const s = await runExport(kind, { ...o, token: o.token ?? (o.url ? io.env.LEADBOX_TOKEN : undefined) }, ctx);
      // Without --out the data is the output; the summary would corrupt it.
      if (s.out) print(Boolean(o.json), s, `exported ${count(s.rows)} ${kind} to ${s.out}`);
    });

  program
    .command('doctor')
    .description('check the configuration, the database and its migrations, Redis and disk space; exit 1 if anything fails')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) => {
      const checks = await runDoctor(io.env);
      const failing = checks.filter((c) => c.status === 'fail');
      const ok = failing.length === 0;
      const lines = checks.map((c) => `${c.status.padEnd(5)} ${c.name.padEnd(14)} ${c.detail}`);
      lines.push(
        ok ? 'no problems found' : `${failing.length} problem${failing.length > 1 ? 's' : ''}: ${failing.map((c) => c.name).join(', ')}`,
      );
      print(Boolean(o.json), { ok, checks }, lines.join('\n'));
      if (!ok) exitCode = 1;
    });

  program
    .command('serve')
    .description('start the server (same as npm start)')
    .action(async () => {
      const { startServer } = await import('@leadbox/server/server.js');
      await startServer(loadConfig(io.env));
      await new Promise(() => {});
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : 1;
    io.stderr.write(`error: ${describe(error)}\n`);
    return 1;
  } finally {
    await (database as Database | null)?.close();
  }
}

/** The first line of standard input, without its line ending. */
async function readFirstLine(io: Io): Promise<string> {
  if (!io.stdin) throw new Error('no standard input to read the password from');
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new Error('standard input is empty: pipe the password in');
  return line;
}

function describe(error: unknown): string {
  if (error instanceof AppError) {
    const issues = error.issues.map((i) => `\n  ${i.field}: ${i.message}`).join('');
    return `${error.message}${issues}`;
  }
  return error instanceof Error ? error.message : String(error);
}

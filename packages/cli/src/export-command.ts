import { type EventEmitter, once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { type InboxUsersFilter, Leadbox, type LeadStatus } from '@leadbox/sdk';
import type { DB } from '@leadbox/server/db/schema.js';
import { csvLine } from '@leadbox/server/lib/csv.js';
import { AppError } from '@leadbox/server/lib/errors.js';
import { parseIsoToMs } from '@leadbox/server/lib/time.js';
import { findAccount } from '@leadbox/server/modules/accounts/accounts.repository.js';
import { findBot, listBots } from '@leadbox/server/modules/bots/bots.repository.js';
import { CHAT_STATUSES, LEAD_STATUSES } from '@leadbox/server/modules/contacts/contact.js';
import type { ContactFilter } from '@leadbox/server/modules/contacts/contacts-search.repository.js';
import { type Cell, COLUMNS, type ExportKind, type Records } from '@leadbox/server/modules/exports/export-columns.js';
import { chatPages, contactPages, leadPages } from '@leadbox/server/modules/exports/export-queries.js';
import { toChatRecord, toInboxUser } from '@leadbox/server/surfaces/botpenguin/records.js';
import { toLeadRecord } from '@leadbox/server/surfaces/pollybot/records.js';
import type { Kysely } from 'kysely';
import type { CliContext } from './context.js';
import { count, ProgressLine } from './progress.js';

export interface ExportOptions {
  customer?: string;
  format: 'csv' | 'ndjson';
  out?: string;
  search?: string;
  tag: string[];
  status: string[];
  bot: string[];
  agent: string[];
  segment: string[];
  createdFrom?: string;
  createdTo?: string;
  lastSeenFrom?: string;
  lastSeenTo?: string;
  contactsOnly?: boolean;
  type?: 'lead' | 'non-lead';
  source?: string;
  url?: string;
  token?: string;
}

export interface ExportSummary {
  kind: ExportKind;
  format: 'csv' | 'ndjson';
  rows: number;
  out: string | null;
}

/** The filters each kind understands, as the matching API list does. */
const FILTERS: Record<ExportKind, (keyof ExportOptions)[]> = {
  contacts: [
    'search',
    'tag',
    'status',
    'bot',
    'agent',
    'segment',
    'createdFrom',
    'createdTo',
    'lastSeenFrom',
    'lastSeenTo',
    'contactsOnly',
  ],
  chats: ['bot', 'type'],
  leads: ['search', 'status', 'bot', 'source'],
};
const ALL_FILTERS = [...new Set(Object.values(FILTERS).flat())];
const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export async function runExport(kind: ExportKind, o: ExportOptions, ctx: CliContext): Promise<ExportSummary> {
  const misplaced = ALL_FILTERS.filter((key) => !FILTERS[kind].includes(key) && given(o[key]));
  if (misplaced.length > 0)
    throw new Error(`${misplaced.map(flag).join(', ')} does not apply to ${kind} (it takes ${FILTERS[kind].map(flag).join(', ')})`);
  checkStatuses(kind, o.status);
  const records = o.url || o.token ? remoteRecords(kind, o) : await localRecords(kind, o, ctx);
  return write(kind, records as AsyncIterable<Records[typeof kind]>, o, ctx);
}

const given = (value: unknown) => (Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false);

function checkStatuses(kind: ExportKind, statuses: string[]): void {
  const valid: readonly string[] = kind === 'leads' ? LEAD_STATUSES : CHAT_STATUSES;
  const bad = statuses.filter((s) => !valid.includes(s));
  if (bad.length > 0) throw new Error(`--status ${bad.join(', ')}: ${kind} statuses are ${valid.join(', ')}`);
  if (kind === 'leads' && statuses.length > 1) throw new Error('leads take one --status, as the API does');
}

function dateRange(from: string | undefined, to: string | undefined, name: string): { from?: number; to?: number } | undefined {
  if (from === undefined && to === undefined) return undefined;
  const ms = (value: string | undefined, side: string) => {
    if (value === undefined) return undefined;
    const parsed = parseIsoToMs(value);
    if (parsed === null) throw new Error(`--${name}-${side} ${value}: not an ISO-8601 date`);
    return parsed;
  };
  return { from: ms(from, 'from'), to: ms(to, 'to') };
}

async function localRecords(kind: ExportKind, o: ExportOptions, ctx: CliContext): Promise<AsyncIterable<Records[ExportKind]>> {
  if (!o.customer) throw new Error('--customer is required (or --url and --token to export through a server)');
  const db = await ctx.db();
  const accountId = o.customer.toLowerCase();
  if (!(await findAccount(db, accountId))) throw AppError.notFound('Customer', 'customerId', o.customer);
  const bots = o.bot.map((id) => id.toLowerCase());
  if (kind === 'contacts') {
    const filter: ContactFilter = {
      searchText: o.search,
      tags: o.tag,
      statuses: o.status,
      botIds: bots,
      agentIds: o.agent.map((id) => id.toLowerCase()),
      segmentIds: o.segment.map((id) => id.toLowerCase()),
      createdAt: dateRange(o.createdFrom, o.createdTo, 'created'),
      lastSeenAt: dateRange(o.lastSeenFrom, o.lastSeenTo, 'last-seen'),
      contactsOnly: o.contactsOnly,
    };
    return mapPages(contactPages(db, accountId, filter), toInboxUser);
  }
  for (const id of bots) if (!(await findBot(db, accountId, id))) throw AppError.notFound('Bot', 'botId', id);
  if (kind === 'leads') {
    if (bots.length > 1) throw new Error('leads take one --bot, as the chatbot-scoped API does');
    return mapPages(leadPages(db, accountId, { botId: bots[0], status: o.status[0], source: o.source, search: o.search }), (c) => ({
      ...toLeadRecord(c),
      metadata: c.metadata,
    }));
  }
  return localChats(db, accountId, bots.length ? bots : (await listBots(db, accountId)).map((b) => b.id), o.type);
}

async function* mapPages<C, R>(pages: AsyncIterable<C[]>, render: (c: C) => R): AsyncGenerator<R> {
  for await (const page of pages) for (const item of page) yield render(item);
}

/** Bot by bot, leads then the other chats (each list newest activity first, as the API pages them). */
async function* localChats(
  db: Kysely<DB>,
  accountId: string,
  botIds: string[],
  type: ExportOptions['type'],
): AsyncGenerator<Records['chats']> {
  for (const botId of botIds) {
    for (const leads of type ? [type === 'lead'] : [true, false]) {
      for await (const page of chatPages(db, accountId, { botId, leads })) for (const c of page) yield { ...toChatRecord(c), _bot: botId };
    }
  }
}

function remoteRecords(kind: ExportKind, o: ExportOptions): AsyncIterable<Records[ExportKind]> {
  if (!o.url || !o.token) throw new Error('a remote export needs both --url and --token');
  const sdk = new Leadbox({ baseUrl: o.url, token: o.token });
  if (kind === 'leads') {
    if (o.bot.length > 1) throw new Error('leads take one --bot, as the chatbot-scoped API does');
    return sdk.leads({ status: o.status[0] as LeadStatus | undefined, source: o.source, search: o.search }, { chatbotId: o.bot[0] });
  }
  if (kind === 'chats') return remoteChats(sdk, o);
  const body: InboxUsersFilter = { isContact: o.contactsOnly || undefined };
  const applied: string[] = [];
  const apply = <K extends keyof InboxUsersFilter>(key: K, value: InboxUsersFilter[K] | undefined, filterKey: string = key) => {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return;
    body[key] = value;
    applied.push(filterKey);
  };
  const range = (from?: string, to?: string) => (from || to ? { startAt: from ?? '', endsAt: to ?? '' } : undefined);
  apply('searchText', o.search);
  apply('tags', o.tag);
  apply('status', o.status as InboxUsersFilter['status']);
  // The API combines its four per-platform bot lists, so one of them holds every bot.
  apply('_botWebsite', o.bot);
  apply('_agentAssigned', o.agent);
  apply('segments', o.segment);
  apply('createdAt', range(o.createdFrom, o.createdTo));
  apply('lastSeenAt', range(o.lastSeenFrom, o.lastSeenTo));
  body.applicableFilters = applied;
  return sdk.inboxUsers(body);
}

async function* remoteChats(sdk: Leadbox, o: ExportOptions): AsyncGenerator<Records['chats']> {
  if (!o.customer || o.bot.length === 0)
    throw new Error('a remote chats export needs --customer and --bot (the API lists one bot at a time)');
  for (const botId of o.bot) {
    for (const type of o.type ? [o.type] : (['lead', 'non-lead'] as const)) {
      for await (const chat of sdk.chats({ botId, customerId: o.customer, type })) yield { ...chat, _bot: botId };
    }
  }
}

async function write<K extends ExportKind>(
  kind: K,
  records: AsyncIterable<Records[K]>,
  o: ExportOptions,
  ctx: CliContext,
): Promise<ExportSummary> {
  const file = o.out ? createWriteStream(o.out) : null;
  const target = file ?? ctx.io.stdout;
  // Waiting for 'drain' keeps memory flat when the reader (a file, a pipe) is slower than the database.
  const events = target as Partial<EventEmitter>;
  let failed: unknown = null;
  const onError = (error: unknown) => {
    failed ??= error;
  };
  events.on?.('error', onError);
  const emit = async (text: string) => {
    if (failed) throw failed;
    if (target.write(text) === false && events.once) await once(events as EventEmitter, 'drain');
  };
  const progress = new ProgressLine(ctx.io.stdout, Boolean(file && ctx.io.stdout.isTTY));
  const columns = COLUMNS[kind] as [string, (r: Records[K]) => Cell][];
  let rows = 0;
  try {
    if (o.format === 'csv') await emit(csvLine(columns.map(([name]) => name)));
    for await (const record of records) {
      await emit(o.format === 'csv' ? csvLine(columns.map(([, cell]) => cell(record))) : `${JSON.stringify(record)}\n`);
      rows++;
      progress.update(() => `exporting ${kind} to ${path.basename(o.out ?? '')}: ${count(rows)} rows`);
    }
  } catch (error) {
    // `leadbox export … | head` closes the pipe early: that is the reader being done, not a failure.
    if (file || (error as NodeJS.ErrnoException)?.code !== 'EPIPE') throw error;
  } finally {
    events.off?.('error', onError);
    progress.clear();
    if (file) await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return { kind, format: o.format, rows, out: o.out ? path.resolve(o.out) : null };
}

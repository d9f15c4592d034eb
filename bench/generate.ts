/**
 * Fills a fresh database with one realistic account: contacts and chats across 10 bots, leads
 * with emails, skewed tags, segments, attributes, notes, messages, dates over two years.
 * Deterministic from a seed; the account, bots, agents and token go through the services, so the
 * token works; the bulk rows go straight through the drivers.
 *
 *   node --import tsx bench/generate.ts --contacts 1000000 --dir /tmp/leadbox-bench
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Selectable } from 'kysely';
import { migrateToLatest } from '../apps/server/src/db/migrator.js';
import type {
  ContactNotesTable,
  ContactsTable,
  ContactTagsTable,
  MessagesTable,
  SegmentMembersTable,
} from '../apps/server/src/db/schema.js';
import { createAccount } from '../apps/server/src/modules/accounts/accounts.service.js';
import { createAgent } from '../apps/server/src/modules/agents/agents.service.js';
import { createBot } from '../apps/server/src/modules/bots/bots.service.js';
import { CHAT_STATUSES, LEAD_STATUSES } from '../apps/server/src/modules/contacts/contact.js';
import { attributeFieldRows } from '../apps/server/src/modules/contacts/contact-fields.js';
import { createSegment } from '../apps/server/src/modules/segments/segments.service.js';
import { type BulkWriter, postgresBulkWriter, type Row, sqliteBulkWriter } from './lib/bulk.js';
import { fmix32, hex8, int, pick, prng, type Rand, weighted } from './lib/prng.js';
import { type BenchTarget, createTarget } from './lib/target.js';

/** The generated dataset ends here (fixed, so two runs with one seed write the same rows). */
export const DATA_END = Date.UTC(2026, 0, 1);
export const DATA_START = DATA_END - 730 * 86_400_000;

const FIRST = [
  'James',
  'Maria',
  'Wei',
  'Aisha',
  'Carlos',
  'Priya',
  'Olga',
  'Kenji',
  'Fatima',
  'Lucas',
  'Sofia',
  'Ahmed',
  'Emma',
  'Ravi',
  'Chloe',
  'Mateo',
  'Hana',
  'Noah',
  'Amara',
  'Ivan',
  'Lena',
  'Omar',
  'Yuki',
  'Diego',
  'Nora',
  'Arjun',
  'Elif',
  'Tom',
  'Zara',
  'Pablo',
  'Mia',
  'Sven',
  'Leila',
  'Hugo',
  'Anya',
  'Kofi',
  'Ines',
  'Raj',
  'Greta',
  'Felix',
] as const;
const LAST = [
  'Smith',
  'Garcia',
  'Chen',
  'Khan',
  'Silva',
  'Patel',
  'Ivanova',
  'Tanaka',
  'Haddad',
  'Muller',
  'Rossi',
  'Nguyen',
  'Kim',
  'Lindqvist',
  'Okafor',
  'Dubois',
  'Kowalski',
  'Sato',
  'Fernandez',
  'Johansson',
  'Novak',
  'Horvat',
  'Costa',
  'Schmidt',
  'Brown',
  'Moreau',
  'Yilmaz',
  'Petrov',
  'Jansen',
  'Murphy',
  'Larsen',
  'Gupta',
  'Romero',
  'Weber',
  'Ali',
  'Nakamura',
  'Hughes',
  'Santos',
  'Varga',
  'Berg',
] as const;
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'acme.io', 'example.org', 'proton.me', 'fastmail.com', 'corp.test'] as const;
const DIAL_CODES = ['91', '1', '44', '49', '55', '34', '33', '61', '81', '234'] as const;
const CITIES = [
  ['Mumbai', 'India'],
  ['Austin', 'United States'],
  ['London', 'United Kingdom'],
  ['Berlin', 'Germany'],
  ['São Paulo', 'Brazil'],
  ['Madrid', 'Spain'],
  ['Lyon', 'France'],
  ['Sydney', 'Australia'],
  ['Osaka', 'Japan'],
  ['Lagos', 'Nigeria'],
] as const;
const ATTRIBUTE_KEYS = ['plan', 'company', 'utm_campaign', 'language', 'budget', 'role', 'team_size', 'referrer'] as const;
const ATTRIBUTE_VALUES = ['pro', 'starter', 'enterprise', 'spring-sale', 'en', 'es', 'de', '5k-10k', 'cto', 'marketing', '11-50', 'google'];
const MESSAGES = [
  'Hi, I have a question about pricing',
  'Thanks!',
  'Can I talk to a human?',
  'What are your opening hours?',
  'I would like a demo',
  'Sure, here is my email',
  'Our team will get back to you shortly.',
  'Is there a free trial?',
] as const;
const NOTE_TITLES = ['Follow up', 'Called', 'Sent proposal', 'Needs discount', 'Wrong number', 'Demo booked'] as const;
const SOURCES = ['website', 'referral', 'webinar', 'ads', 'linkedin'] as const;
/** a few tags on ~5% of contacts each */
export const COMMON_TAGS = ['vip', 'newsletter', 'pricing-page', 'demo-request', 'returning'] as const;
const SEGMENT_NAMES = [
  'Trial users',
  'Paying customers',
  'Churn risk',
  'Newsletter',
  'Webinar 2025',
  'Enterprise prospects',
  'Partners',
  'Students',
  'Agencies',
  'EMEA',
  'APAC',
  'Americas',
  'Mobile visitors',
  'Returning visitors',
  'Abandoned cart',
  'Support escalations',
  'Beta testers',
  'Event leads',
  'Cold leads',
  'Do not contact',
] as const;
/** share of chats per bot: one big website bot, a long tail */
const BOT_WEIGHTS = [40, 15, 10, 8, 7, 6, 5, 4, 3, 2] as const;
const BOT_PLATFORMS = ['website', 'whatsapp', 'website', 'telegram', 'facebook', 'website', 'whatsapp', 'website', 'telegram', 'website'];
const AGENTS = 20;

export interface GenerateOptions {
  target: BenchTarget;
  contacts: number;
  /** contacts with an email (PollyBot leads); the rest have no email */
  leads: number;
  seed: number;
  /** SQLite: run ANALYZE after the load (off by default: a SQLite database in production has no statistics unless someone runs it) */
  analyzeSqlite?: boolean;
  log?: (line: string) => void;
}

export interface Manifest {
  seed: number;
  dialect: 'sqlite' | 'postgres';
  customerId: string;
  workspaceId: string;
  token: string;
  bots: { id: string; platform: string; chats: number; leadChats: number }[];
  agents: string[];
  segments: { id: string; name: string; members: number }[];
  commonTags: { tag: string; contacts: number }[];
  rareTag: { tag: string; contacts: number };
  /** a name substring for searchText / search, with how many contacts and leads it matches */
  search: { text: string; contacts: number; leads: number };
  /** a month of creation dates, for the date-range filter */
  dateRange: { startAt: string; endsAt: string };
  /** existing widget sessions, for upserts of known uuids */
  sessions: { botId: string; uuid: string }[];
  counts: {
    contacts: number;
    chats: number;
    imported: number;
    emailLeads: number;
    chatLeads: number;
    tags: number;
    distinctTags: number;
    segmentMembers: number;
    notes: number;
    messages: number;
  };
  generateMs: number;
}

const CHUNK = 10_000;

function uuidOf(rand: Rand, i: number, salt: number): string {
  const r = () => hex8((rand() * 0x100000000) >>> 0);
  const a = r();
  const b = r();
  const tail = hex8(fmix32(i ^ salt));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${'89ab'[int(rand, 0, 3)]}${r().slice(0, 3)}-${r().slice(0, 4)}${tail}`;
}

/** Generates the dataset into `target` (which must be empty) and returns what the benchmark needs to drive it. */
export async function generate(options: GenerateOptions): Promise<Manifest> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const { contacts: total, leads: emailLeads, seed, target } = options;
  const rand = prng(seed);
  const salt = fmix32(seed ^ 0x5bd1e995);

  // The account, bots, agents, segments and token through the services, as an operator would.
  const database = target.open();
  await migrateToLatest(database.db);
  const created = DATA_START - 86_400_000;
  const account = await createAccount(
    database.db,
    { name: 'Bench account', botName: 'Main website bot', ownerEmail: 'owner@bench.test' },
    created,
  );
  const bots = [{ id: account.botId, platform: 'website' }];
  for (let b = 1; b < BOT_WEIGHTS.length; b++) {
    const platform = BOT_PLATFORMS[b] as string;
    bots.push({ id: (await createBot(database.db, account.customerId, { name: `Bot ${b + 1}`, platform }, created + b)).id, platform });
  }
  const agents = [account.agentId];
  for (let a = 1; a < AGENTS; a++) {
    agents.push(
      (await createAgent(database.db, account.customerId, { name: `Agent ${a}`, email: `agent${a}@bench.test` }, created + a)).id,
    );
  }
  const segments: { id: string; name: string; members: number; p: number }[] = [];
  for (const [k, name] of SEGMENT_NAMES.entries()) {
    const segment = await createSegment(database.db, account.customerId, name, created + k);
    segments.push({ id: segment.id, name, members: 0, p: 0.04 * 0.8 ** k });
  }
  await database.close();

  const accountId = account.customerId;
  const writer: BulkWriter =
    target.dialect === 'sqlite' ? sqliteBulkWriter(target.sqliteFile as string) : await postgresBulkWriter(target.databaseUrl as string);
  await writer.dropSecondaryIndexes(['contacts', 'contact_tags', 'contact_notes', 'segment_members', 'contact_fields', 'messages']);

  const botOf = weighted(
    bots.map((_, i) => i),
    BOT_WEIGHTS,
  );
  const agentOf = weighted(
    agents,
    agents.map((_, i) => 1 / (i + 1)),
  );
  const statusOf = weighted(CHAT_STATUSES, [55, 8, 5, 5, 2, 25]);
  const leadStatusOf = weighted(LEAD_STATUSES, [50, 20, 12, 8, 6, 4]);
  const authorOf = weighted(['user', 'bot', 'agent'] as const, [45, 40, 15]);
  const rareCount = Math.max(20, Math.min(2000, Math.floor(total / 50)));
  const rareTags = Array.from({ length: rareCount }, (_, k) => `topic-${k + 1}`);
  const rareOf = weighted(
    rareTags,
    rareTags.map((_, k) => 1 / (k + 1) ** 1.1),
  );
  const tagCounts = new Map<string, number>();
  const botStats = bots.map(() => ({ chats: 0, leadChats: 0 }));
  const every = Math.max(1, Math.floor(total / Math.max(1, emailLeads)));
  const sessionEvery = Math.max(1, Math.floor(total / 20_000));
  const searchText = 'dqvis';
  const counts = {
    contacts: 0,
    chats: 0,
    imported: 0,
    emailLeads: 0,
    chatLeads: 0,
    tags: 0,
    distinctTags: 0,
    segmentMembers: 0,
    notes: 0,
    messages: 0,
  };
  const sessions: Manifest['sessions'] = [];
  let searchContacts = 0;
  let searchLeads = 0;
  const span = DATA_END - DATA_START;

  for (let start = 0; start < total; start += CHUNK) {
    const contactRows: Row[] = [];
    const tagRows: Row[] = [];
    const fieldRows: Row[] = [];
    const noteRows: Row[] = [];
    const memberRows: Row[] = [];
    const messageRows: Row[] = [];
    for (let i = start; i < Math.min(total, start + CHUNK); i++) {
      const createdAt = DATA_START + Math.floor(((i + rand()) * span) / total);
      const id = hex8(Math.floor(createdAt / 1000)) + hex8(salt) + hex8(i);
      const imported = rand() < 0.08;
      const hasEmail = i % every === every - 1 && counts.emailLeads < emailLeads;
      const hasName = hasEmail || imported || rand() < 0.3;
      const hasPhone = imported ? rand() < 0.8 : rand() < (hasName ? 0.5 : 0.05);
      const first = pick(rand, FIRST);
      const last = pick(rand, LAST);
      const name = hasName ? `${first} ${last}` : null;
      const email = hasEmail ? `${first}.${last}${i}@${pick(rand, DOMAINS)}` : null;
      const phoneNumber = hasPhone ? String(6_000_000_000 + (fmix32(i ^ salt ^ 0x9e37) % 3_999_999_999)) : null;
      const phonePrefix = hasPhone ? pick(rand, DIAL_CODES) : null;
      const botIndex = imported ? (rand() < 0.3 ? botOf(rand) : -1) : botOf(rand);
      const bot = botIndex >= 0 ? bots[botIndex] : undefined;
      const isLead = name || email || phoneNumber ? 1 : 0;
      const chat = !imported;
      const lastMessageAt = chat && rand() < 0.85 ? createdAt + Math.floor(rand() * Math.min(30 * 86_400_000, DATA_END - createdAt)) : null;
      const lastActivityAt = Math.max(createdAt, lastMessageAt ?? 0);
      const place = rand() < 0.3 ? pick(rand, CITIES) : null;
      const attributes =
        rand() < 0.35
          ? Array.from({ length: int(rand, 1, 3) }, () => ({ key: pick(rand, ATTRIBUTE_KEYS), value: pick(rand, ATTRIBUTE_VALUES) }))
          : [];
      const uniqueAttributes = [...new Map(attributes.map((a) => [a.key, a])).values()];
      // The typed index the contact store keeps beside the attributes (contact_fields).
      for (const f of attributeFieldRows(accountId, id, uniqueAttributes)) fieldRows.push(f as unknown as Row);
      const hasOrdered = rand() < 0.03;
      const uuid = chat ? uuidOf(rand, i, salt) : null;
      const row: Selectable<ContactsTable> = {
        accountId,
        id,
        botId: bot?.id ?? null,
        uuid,
        platform: bot?.platform ?? null,
        name,
        email,
        emailLower: email?.toLowerCase() ?? null,
        phoneNumber,
        phonePrefix,
        phoneKey: phoneNumber ? `${phonePrefix}${phoneNumber}` : null,
        picture: rand() < 0.05 ? `https://cdn.example.com/avatars/${i}.png` : null,
        city: place?.[0] ?? null,
        country: place?.[1] ?? null,
        gender: rand() < 0.2 ? pick(rand, ['female', 'male', 'other']) : null,
        status: statusOf(rand),
        agentId: rand() < 0.35 ? agentOf(rand) : null,
        isOnline: rand() < 0.005 ? 1 : 0,
        websiteVisits: chat ? int(rand, 1, 30) : 0,
        userInteracted: chat && rand() < 0.6 ? 1 : 0,
        isLiveChatActive: chat && rand() < 0.02 ? 1 : 0,
        hasOrdered: hasOrdered ? 1 : 0,
        lastOrderedAt: hasOrdered ? lastActivityAt : null,
        isImported: imported ? 1 : 0,
        isLead,
        isContact: email || phoneNumber || imported ? 1 : 0,
        attributes: JSON.stringify(uniqueAttributes),
        lastMessageAt,
        lastMessageBy: lastMessageAt ? authorOf(rand) : null,
        lastMessageText: lastMessageAt ? pick(rand, MESSAGES) : null,
        lastSeenAt: chat ? lastActivityAt + int(rand, 0, 600_000) : null,
        lastActivityAt,
        createdAt,
        updatedAt: lastActivityAt,
        leadId: `lead_${hex8((rand() * 0x100000000) >>> 0)}${hex8(fmix32((i + salt) >>> 0))}`,
        leadStatus: email ? leadStatusOf(rand) : 'new',
        source: email ? pick(rand, SOURCES) : null,
        metadata: email && rand() < 0.3 ? JSON.stringify({ utm_source: 'google', campaign: 'spring' }) : '{}',
        phoneRaw: null,
        eventSequence: 0,
        version: 1,
        updatedByAgentId: null,
        updatedByName: null,
      };
      contactRows.push(row as unknown as Row);

      counts.contacts++;
      if (imported) counts.imported++;
      if (email) counts.emailLeads++;
      if (chat && bot) {
        counts.chats++;
        const stats = botStats[botIndex] as { chats: number; leadChats: number };
        stats.chats++;
        if (isLead) {
          stats.leadChats++;
          counts.chatLeads++;
        }
        if (i % sessionEvery === 0 && uuid) sessions.push({ botId: bot.id, uuid });
      }
      if (name?.toLowerCase().includes(searchText) || email?.toLowerCase().includes(searchText)) {
        searchContacts++;
        if (email) searchLeads++;
      }

      if (lastMessageAt !== null && row.lastMessageBy && row.lastMessageText) {
        // The chat's history ends with its lastMessage; a few earlier messages before it.
        const earlier = rand() < 0.5 ? int(rand, 1, 3) : 0;
        for (let n = 0; n <= earlier; n++) {
          const last = n === earlier;
          const author = last ? row.lastMessageBy : authorOf(rand);
          const message: Selectable<MessagesTable> = {
            accountId,
            id: hex8(Math.floor(createdAt / 1000)) + hex8(salt ^ 0x3c3c3c3c) + hex8(counts.messages++),
            contactId: id,
            author,
            agentId: author === 'agent' ? (row.agentId ?? agents[0] ?? null) : null,
            tokenId: null,
            text: last ? row.lastMessageText : pick(rand, MESSAGES),
            createdAt: last ? lastMessageAt : createdAt + Math.floor(((n + 1) * (lastMessageAt - createdAt)) / (earlier + 2)),
          };
          messageRows.push(message as unknown as Row);
        }
      }

      const tags: string[] = [];
      for (const tag of COMMON_TAGS) if (rand() < 0.05) tags.push(tag);
      if (rand() < 0.3) tags.push(rareOf(rand));
      if (rand() < 0.05) tags.push(rareOf(rand));
      for (const [j, tag] of [...new Set(tags)].entries()) {
        const tagRow: Selectable<ContactTagsTable> = { accountId, contactId: id, tag, createdAt: createdAt + j };
        tagRows.push(tagRow as unknown as Row);
        tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
      }
      for (const segment of segments) {
        if (rand() >= segment.p) continue;
        const member: Selectable<SegmentMembersTable> = { accountId, segmentId: segment.id, contactId: id, createdAt: lastActivityAt };
        memberRows.push(member as unknown as Row);
        segment.members++;
      }
      if (rand() < 0.06) {
        for (let n = int(rand, 1, 2); n > 0; n--) {
          const note: Selectable<ContactNotesTable> = {
            accountId,
            id: hex8(Math.floor(createdAt / 1000)) + hex8(salt ^ 0xa5a5a5a5) + hex8(counts.notes),
            contactId: id,
            title: pick(rand, NOTE_TITLES),
            description: `${pick(rand, MESSAGES)} (${pick(rand, AGENTS_NOTE)})`,
            createdAt: lastActivityAt + n,
            updatedAt: lastActivityAt + n,
          };
          noteRows.push(note as unknown as Row);
          counts.notes++;
        }
      }
    }
    await writer.insert('contacts', contactRows);
    await writer.insert('contact_tags', tagRows);
    await writer.insert('contact_notes', noteRows);
    await writer.insert('segment_members', memberRows);
    await writer.insert('contact_fields', fieldRows);
    await writer.insert('messages', messageRows);
    counts.tags += tagRows.length;
    counts.segmentMembers += memberRows.length;
    if ((start / CHUNK) % 10 === 9) {
      await writer.checkpoint();
      log(`  ${(start + CHUNK).toLocaleString('en')} contacts written (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  log(`  rows written in ${((Date.now() - started) / 1000).toFixed(1)} s; building indexes`);
  await writer.restoreIndexes();
  await writer.finish({ analyze: target.dialect === 'postgres' || Boolean(options.analyzeSqlite) });
  counts.distinctTags = tagCounts.size;

  // The rare tag: one carried by about 0.005% of contacts (at least 2).
  const wanted = Math.max(2, Math.round(total * 0.00005));
  const rare = [...tagCounts]
    .filter(([tag]) => tag.startsWith('topic-'))
    .sort((a, b) => Math.abs(a[1] - wanted) - Math.abs(b[1] - wanted))[0];
  const month = new Date(DATA_START + span * 0.6);
  const monthStart = Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1);
  const monthEnd = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1) - 1;
  return {
    seed,
    dialect: target.dialect,
    customerId: account.customerId,
    workspaceId: account.workspaceId,
    token: account.token,
    bots: bots.map((b, i) => ({ ...b, ...(botStats[i] as { chats: number; leadChats: number }) })),
    agents,
    segments: segments.map(({ p: _p, ...s }) => s),
    commonTags: COMMON_TAGS.map((tag) => ({ tag, contacts: tagCounts.get(tag) ?? 0 })),
    rareTag: { tag: rare?.[0] ?? 'topic-1', contacts: rare?.[1] ?? 0 },
    search: { text: searchText, contacts: searchContacts, leads: searchLeads },
    dateRange: { startAt: new Date(monthStart).toISOString(), endsAt: new Date(monthEnd).toISOString() },
    sessions,
    counts,
    generateMs: Date.now() - started,
  };
}

const AGENTS_NOTE = ['by phone', 'by email', 'on chat', 'in person'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: '1000000' },
      leads: { type: 'string' },
      seed: { type: 'string', default: '42' },
      dir: { type: 'string' },
      analyze: { type: 'boolean', default: false },
    },
  });
  const contacts = Number(values.contacts);
  const adminUrl = process.env.DATABASE_URL || null;
  const target = await createTarget({ adminUrl, dir: values.dir, name: 'leadbox_bench' });
  const manifest = await generate({
    target,
    contacts,
    leads: Number(values.leads ?? Math.round(contacts / 20)),
    seed: Number(values.seed),
    analyzeSqlite: values.analyze,
    log: (line) => console.log(line),
  });
  const file = target.sqliteFile
    ? path.join(path.dirname(target.sqliteFile), 'manifest.json')
    : path.resolve('leadbox-bench-manifest.json');
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  console.log(
    `${manifest.counts.contacts.toLocaleString('en')} contacts in ${(manifest.generateMs / 1000).toFixed(1)} s: ${target.location}`,
  );
  console.log(`manifest: ${file}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();

import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { PATTERNS } from '../../lib/patterns.js';
import { digitsOnly } from '../../lib/phone.js';

type Db = Kysely<DB>;

/** What the n8n node's `search` names: an email, a WhatsApp number with its country code, or a session uuid. */
export type SearchKey = { kind: 'email'; value: string } | { kind: 'phone'; value: string } | { kind: 'uuid'; value: string };

const UUID = new RegExp(PATTERNS.uuid.pattern);
const EMAIL = new RegExp(PATTERNS.email.pattern);
// The node asks for digits only; a leading "+" and spaces or dashes people paste are forgiven.
const PHONE = /^\+?[\d\s-]+$/;

export function parseSearchKey(raw: string): SearchKey {
  const text = raw.trim();
  if (UUID.test(text)) return { kind: 'uuid', value: text.toLowerCase() };
  if (text.includes('@')) {
    if (EMAIL.test(text)) return { kind: 'email', value: text.toLowerCase() };
  } else if (PHONE.test(text)) {
    const digits = digitsOnly(text);
    if (digits.length >= 4 && digits.length <= 18) return { kind: 'phone', value: digits };
  }
  throw AppError.validation([
    {
      field: 'search',
      message: 'must be an email, a WhatsApp number with its country code (digits only) or a session uuid',
      value: raw,
    },
  ]);
}

/** At most this many matches are counted (the answer says how many matched). */
export const MATCH_LIMIT = 100;

/**
 * The contacts a search key names, most recently active first (then newest, then id): the first
 * is the one the n8n routes act on. `botId`: the bot's contacts; `withoutBot` adds the account's
 * contacts that belong to no bot (imported without a botId). A uuid names a session of the bot only.
 */
export async function findBySearchKey(
  db: Db,
  accountId: string,
  key: SearchKey,
  scope: { botId: string; withoutBot: boolean },
): Promise<{ id: string; botId: string | null }[]> {
  let query = db
    .selectFrom('contacts')
    .select(['id', 'botId'])
    .where('accountId', '=', accountId)
    .orderBy('lastActivityAt', 'desc')
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(MATCH_LIMIT);
  if (key.kind === 'uuid') return query.where('botId', '=', scope.botId).where('uuid', '=', key.value).execute();
  query = query.where(key.kind === 'email' ? 'emailLower' : 'phoneKey', '=', key.value);
  return query
    .where((eb) => (scope.withoutBot ? eb.or([eb('botId', '=', scope.botId), eb('botId', 'is', null)]) : eb('botId', '=', scope.botId)))
    .execute();
}

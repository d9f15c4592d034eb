import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { asNumber, asTime, type FieldSource, VALUE_KEY_LENGTH } from './contact-fields.js';

export const ATTRIBUTE_OPS = ['eq', 'neq', 'contains', 'exists', 'notExists', 'gt', 'gte', 'lt', 'lte'] as const;
export type AttributeOp = (typeof ATTRIBUTE_OPS)[number];
/** At most this many conditions per filter (they all must hold). */
export const MAX_ATTRIBUTE_CONDITIONS = 20;

/** A condition read and typed: `text` compares lower-cased text, `num` numbers, `time` epoch ms. */
export type AttributeCondition = {
  source: FieldSource;
  key: string;
  op: AttributeOp;
  operand: { kind: 'text'; value: string } | { kind: 'num'; value: number } | { kind: 'time'; value: number } | { kind: 'none' };
};

const RANGE_OPS = new Set<AttributeOp>(['gt', 'gte', 'lt', 'lte']);
const SQL_OP = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * Types each `{key, op, value}` by its operator; a value of the wrong type is a 400 naming
 * `<field>[i].value` and what it must be (never a silently empty list):
 * eq / neq: a string, number or boolean (a number compares as a number: 5 = "5.0");
 * contains: a non-empty string; exists / notExists: no value;
 * gt / gte / lt / lte: a number, or an ISO-8601 date string (compared as a time).
 */
export function parseAttributeConditions(
  input: readonly { key: string; op: string; value?: unknown }[],
  field: string,
  source: FieldSource = 'a',
): AttributeCondition[] {
  const issues: FieldIssue[] = [];
  const out: AttributeCondition[] = [];
  if (input.length > MAX_ATTRIBUTE_CONDITIONS) issues.push({ field, message: `at most ${MAX_ATTRIBUTE_CONDITIONS} conditions` });
  for (const [i, c] of input.entries()) {
    const at = `${field}[${i}]`;
    const bad = (message: string) => issues.push({ field: `${at}.value`, message, value: c.value });
    const key = typeof c.key === 'string' ? c.key.trim() : '';
    const op = c.op as AttributeOp;
    if (!key) {
      issues.push({ field: `${at}.key`, message: 'must be a non-empty attribute key', value: c.key });
      continue;
    }
    if (!ATTRIBUTE_OPS.includes(op)) {
      issues.push({ field: `${at}.op`, message: `must be one of ${ATTRIBUTE_OPS.join(', ')}`, value: c.op });
      continue;
    }
    const v = c.value;
    const absent = v === undefined || v === null || v === '';
    if (op === 'exists' || op === 'notExists') {
      if (!absent) bad(`takes no value with ${op}`);
      else out.push({ source, key, op, operand: { kind: 'none' } });
    } else if (op === 'contains') {
      if (typeof v !== 'string' || v.length === 0 || v.length > VALUE_KEY_LENGTH)
        bad(`must be a string of 1 to ${VALUE_KEY_LENGTH} characters with contains`);
      else out.push({ source, key, op, operand: { kind: 'text', value: v.toLowerCase() } });
    } else if (RANGE_OPS.has(op)) {
      const time = typeof v === 'string' ? asTime(v) : null;
      if (typeof v === 'number' && Number.isFinite(v)) out.push({ source, key, op, operand: { kind: 'num', value: v } });
      else if (time !== null) out.push({ source, key, op, operand: { kind: 'time', value: time } });
      else if (typeof v === 'string' && asNumber(v) !== null)
        out.push({ source, key, op, operand: { kind: 'num', value: asNumber(v) as number } });
      else bad(`must be a number or an ISO-8601 date with ${op}`);
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      out.push({ source, key, op, operand: { kind: 'num', value: v } });
    } else if (typeof v === 'string' && v.length > 0 && v.length <= 1000) {
      out.push({ source, key, op, operand: { kind: 'text', value: v.toLowerCase() } });
    } else if (typeof v === 'boolean') {
      out.push({ source, key, op, operand: { kind: 'text', value: String(v) } });
    } else bad(`must be a string, number or boolean with ${op}`);
  }
  if (issues.length > 0) throw AppError.validation(issues);
  return out;
}

type FieldsEb = ExpressionBuilder<DB, 'contactFields'>;

/** The contact_fields rows a positive condition selects (eq, contains, exists, ranges; neq and notExists negate eq and exists). */
function rowMatches(eb: FieldsEb, c: AttributeCondition): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [eb('contactFields.source', '=', c.source), eb('contactFields.key', '=', c.key)];
  const { operand } = c;
  if (c.op === 'exists' || c.op === 'notExists' || operand.kind === 'none') return where;
  if (c.op === 'contains' && operand.kind === 'text') {
    const pattern = `%${operand.value.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(sql<SqlBool>`${eb.ref('contactFields.valueLower')} like ${pattern} escape '\\'`);
  } else if (c.op === 'eq' || c.op === 'neq') {
    if (operand.kind === 'text') {
      where.push(eb('contactFields.valueKey', '=', operand.value.slice(0, VALUE_KEY_LENGTH)));
      if (operand.value.length > VALUE_KEY_LENGTH) where.push(eb('contactFields.valueLower', '=', operand.value));
    } else where.push(eb('contactFields.num', '=', operand.value));
  } else {
    const op = SQL_OP[c.op as keyof typeof SQL_OP];
    where.push(eb(operand.kind === 'time' ? 'contactFields.time' : 'contactFields.num', op, operand.value as number));
  }
  return where;
}

const negated = (c: AttributeCondition) => c.op === 'neq' || c.op === 'notExists';

/**
 * The WHERE term of one condition on `contacts`. `drive`: the contact ids come from the index
 * (few matches); otherwise each contact is probed by its primary key, in the listing's order.
 */
export function attributeCondition(
  eb: ExpressionBuilder<DB, 'contacts'>,
  c: AttributeCondition,
  plan: { drive: boolean; accountId?: string },
): Expression<SqlBool> {
  if (plan.drive && plan.accountId && !negated(c)) {
    const accountId = plan.accountId;
    return eb(
      'contacts.id',
      'in',
      eb
        .selectFrom('contactFields')
        .select('contactFields.contactId')
        .where('contactFields.accountId', '=', accountId)
        .where((f) => f.and(rowMatches(f, c))),
    );
  }
  const probe = eb.exists(
    eb
      .selectFrom('contactFields')
      .select(sql`1`.as('one'))
      .whereRef('contactFields.accountId', '=', 'contacts.accountId')
      .whereRef('contactFields.contactId', '=', 'contacts.id')
      .where((f) => f.and(rowMatches(f, c))),
  );
  return negated(c) ? eb.not(probe) : probe;
}

/** Conditions matching this many contacts or fewer are driven from the index. */
export const DRIVE_ATTRIBUTES_AT_MOST = 2000;

/** For each condition, whether to drive it from the index: a count of its matches, capped (an index range scan). */
export async function planAttributeConditions(db: Kysely<DB>, accountId: string, conditions: readonly AttributeCondition[]) {
  const plans: boolean[] = [];
  for (const c of conditions) {
    if (negated(c)) {
      plans.push(false);
      continue;
    }
    const row = await db
      .selectFrom((eb) =>
        eb
          .selectFrom('contactFields')
          .select('contactFields.contactId')
          .where('contactFields.accountId', '=', accountId)
          .where((f) => f.and(rowMatches(f, c)))
          .limit(DRIVE_ATTRIBUTES_AT_MOST + 1)
          .as('m'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    plans.push(Number(row?.n ?? 0) <= DRIVE_ATTRIBUTES_AT_MOST);
  }
  return plans;
}

/**
 * PollyBot's `metadata.KEY=VALUE` query parameters as conditions (eq on the metadata key, as
 * text, case-insensitive). A repeated or empty one is a 400 naming it.
 */
export function metadataConditions(query: Record<string, unknown>): AttributeCondition[] | undefined {
  const issues: FieldIssue[] = [];
  const out: AttributeCondition[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('metadata.')) continue;
    const key = name.slice('metadata.'.length);
    if (!key) issues.push({ field: name, message: 'names no metadata key (metadata.KEY=VALUE)' });
    else if (typeof value !== 'string') issues.push({ field: name, message: 'must be given once, as text', value });
    else if (value.length === 0) issues.push({ field: name, message: 'must not be empty' });
    else out.push({ source: 'm', key, op: 'eq', operand: { kind: 'text', value: value.toLowerCase() } });
  }
  if (out.length + issues.length > MAX_ATTRIBUTE_CONDITIONS)
    issues.push({ field: 'metadata', message: `at most ${MAX_ATTRIBUTE_CONDITIONS} metadata filters` });
  if (issues.length > 0) throw AppError.validation(issues);
  return out.length > 0 ? out : undefined;
}

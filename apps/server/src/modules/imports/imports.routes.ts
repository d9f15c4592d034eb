import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { type Static, Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { PATTERNS } from '../../lib/patterns.js';
import { actorOf } from '../../plugins/api-guard.js';
import { toAppError } from '../../plugins/errors.js';
import { Envelope, errorResponses, ok } from '../../surfaces/botpenguin/envelope.js';
import { AttributeInput, attributesOf, TagsInput } from '../chats/chats.schemas.js';
import { LIMITS } from '../contacts/contact.js';
import { emptyRowIssues, type ImportRow, importContacts } from './imports.service.js';

const ImportContact = Type.Object({
  _id: Type.Optional(
    Type.String({
      pattern: PATTERNS.objectId.pattern,
      description: "a contact's id, as GET /inbox/users/{id} returns it: the row updates that contact (before matching by phone or email)",
    }),
  ),
  profile: Type.Object({
    userDetails: Type.Object({
      userProvidedName: Type.Optional(Type.String({ maxLength: LIMITS.nameLength })),
      name: Type.Optional(Type.String({ maxLength: LIMITS.nameLength, description: 'read when userProvidedName is absent' })),
      contact: Type.Optional(
        Type.Object({
          email: Type.Optional(Type.String({ maxLength: LIMITS.emailLength, pattern: PATTERNS.emailOrEmpty.pattern })),
          phone: Type.Optional(
            Type.Object({
              number: Type.String({ pattern: PATTERNS.phoneDigitsOrEmpty.pattern, description: 'national number, digits' }),
              prefix: Type.Optional(Type.String({ pattern: PATTERNS.prefixOrEmpty.pattern, description: 'dial code without "+"' })),
            }),
          ),
        }),
      ),
      tags: Type.Optional(TagsInput),
      attributes: Type.Optional(Type.Array(AttributeInput, { maxItems: LIMITS.attributesPerRequest })),
    }),
  }),
});

/** Objects and arrays one import body may hold: 10 per row on average. */
export const IMPORT_JSON_CONTAINERS = 10 * LIMITS.importRows;

/** 10,000 rows of about 800 bytes (docs/botpenguin-api.md). */
export const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;

const ImportBody = Type.Array(ImportContact, { minItems: 1, maxItems: LIMITS.importRows });

const ImportResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  users: Type.Array(Type.Object({ _id: Type.String(), action: Type.Union([Type.Literal('created'), Type.Literal('updated')]) }), {
    description: 'one entry per contact sent, in order',
  }),
});

type ImportContact = Static<typeof ImportContact>;

/** Reads one row; tolerant of a row the schema rejected (its problems are reported separately). */
function toImportRow(raw: unknown): ImportRow {
  const d = ((raw as Partial<ImportContact> | null)?.profile?.userDetails ?? {}) as Partial<ImportContact['profile']['userDetails']>;
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() || undefined : undefined);
  const number = text(d.contact?.phone?.number);
  const id = text((raw as Partial<ImportContact> | null)?._id)?.toLowerCase();
  return {
    ...(id ? { id } : {}),
    name: text(d.userProvidedName) ?? text(d.name),
    email: text(d.contact?.email),
    phone: number ? { number, prefix: text(d.contact?.phone?.prefix)?.replace(/^\+/, '') ?? null } : undefined,
    tags: d.tags,
    attributes: attributesOf(d.attributes),
  };
}

const rowOf = (field: string) => Number(/^body\[(\d+)\]/.exec(field)?.[1] ?? -1);
const sortByRow = (issues: FieldIssue[]) => [...issues].sort((a, b) => rowOf(a.field) - rowOf(b.field));

export const importsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.post(
    '/users/import',
    {
      // 10,000 rows of about 800 bytes, with about 10 objects and arrays each (docs/botpenguin-api.md).
      bodyLimit: IMPORT_BODY_LIMIT,
      config: { jsonContainers: IMPORT_JSON_CONTAINERS },
      // Schema problems and rows with nothing to import are reported together, in one 400.
      attachValidation: true,
      schema: {
        tags: ['BotPenguin: Contacts & Chats'],
        operationId: 'importUsers',
        summary: 'Import contacts (upsert by phone, then email), all or nothing',
        description: `Up to ${LIMITS.importRows} contacts per request. Any invalid row fails the whole request with one line per problem.`,
        querystring: Type.Object({ botId: Type.Optional(Type.String({ pattern: PATTERNS.objectIdOrEmpty.pattern })) }),
        headers: Type.Object({ botid: Type.Optional(Type.String()) }),
        body: ImportBody,
        response: { 200: Envelope(ImportResult), ...errorResponses },
      },
    },
    async (request) => {
      const schemaIssues = request.validationError ? toAppError(request.validationError).issues : [];
      const rawRows: unknown[] = Array.isArray(request.body) ? request.body : [];
      const rows = rawRows.map(toImportRow);
      const issues = [...schemaIssues, ...emptyRowIssues(rows).filter((i) => !schemaIssues.some((s) => s.field.startsWith(i.field)))];
      if (issues.length > 0) throw AppError.validation(sortByRow(issues).slice(0, 100));
      const headerBot = request.headers.botid?.trim();
      if (headerBot && !new RegExp(PATTERNS.objectId.pattern).test(headerBot)) {
        throw AppError.validation([{ field: 'botId header', message: PATTERNS.objectId.message, value: headerBot }]);
      }
      const botId = (request.query.botId || headerBot || undefined)?.toLowerCase();
      // In chunks on SQLite: the server's other requests share its one connection (the server takes
      // back an import it did not finish when it starts again).
      const result = await importContacts(db, actorOf(request).accountId, { rows, botId }, { inChunks: true });
      return ok({ created: result.created, updated: result.updated, users: result.rows.map((r) => ({ _id: r.id, action: r.action })) });
    },
  );
};

/**
 * The ceiling: a bare Fastify server with leadbox's route shapes and the same JSON-schema
 * validation (the route schemas imported from the server, the same Ajv options and JSON parser),
 * answering each operation with a response of the same bytes held in memory. No database, no
 * authentication, no rate limit: what leadbox would reach if its own work cost nothing.
 *
 * The harness registers the responses (`POST /__bench/responses {op: body}`); every benchmark
 * request names its operation in `x-bench-op`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { Type } from 'typebox';
import { PATTERNS } from '../apps/server/src/lib/patterns.js';
import { AttributeInput, ChatListQuery, LeadUpsertBody, TagsInput } from '../apps/server/src/modules/chats/chats.schemas.js';
import { LIMITS } from '../apps/server/src/modules/contacts/contact.js';
import { InboxUsersBody } from '../apps/server/src/modules/contacts/contacts.schemas.js';
import { ListLeadsQuery } from '../apps/server/src/modules/leads/leads.schemas.js';

// imports.routes.ts keeps its body schema to itself: the same schema, from the same parts.
const ImportContact = Type.Object({
  profile: Type.Object({
    userDetails: Type.Object({
      userProvidedName: Type.Optional(Type.String({ maxLength: LIMITS.nameLength })),
      name: Type.Optional(Type.String({ maxLength: LIMITS.nameLength })),
      contact: Type.Optional(
        Type.Object({
          email: Type.Optional(Type.String({ maxLength: LIMITS.emailLength, pattern: PATTERNS.emailOrEmpty.pattern })),
          phone: Type.Optional(
            Type.Object({
              number: Type.String({ pattern: PATTERNS.phoneDigitsOrEmpty.pattern }),
              prefix: Type.Optional(Type.String({ pattern: PATTERNS.prefixOrEmpty.pattern })),
            }),
          ),
        }),
      ),
      tags: Type.Optional(TagsInput),
      attributes: Type.Optional(Type.Array(AttributeInput, { maxItems: LIMITS.attributesPerRequest })),
    }),
  }),
});
const ImportBody = Type.Array(ImportContact, { minItems: 1, maxItems: LIMITS.importRows });

const responses = new Map<string, string>();

const app = Fastify({
  logger: false,
  ajv: { customOptions: { allErrors: true, verbose: true, coerceTypes: 'array' } },
  bodyLimit: 1024 * 1024,
}).withTypeProvider<TypeBoxTypeProvider>();

app.removeContentTypeParser(['application/json', 'text/plain']);
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
  const text = String(body);
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
  } catch (error) {
    done(error as Error, undefined);
  }
});

const answer = async (request: FastifyRequest, reply: FastifyReply) => {
  const op = request.headers['x-bench-op'];
  const body = typeof op === 'string' ? responses.get(op) : undefined;
  if (body === undefined) return reply.code(404).send({ error: `no response registered for ${String(op)}` });
  return reply.type('application/json; charset=utf-8').send(body);
};

app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/__bench/responses', async (request) => {
  for (const [op, body] of Object.entries(request.body as Record<string, string>)) responses.set(op, body);
  return { registered: responses.size };
});

await app.register(
  async (inbox) => {
    inbox.put('/direct/lead', { schema: { body: LeadUpsertBody } }, answer);
    inbox.get('/direct/chats', { schema: { querystring: ChatListQuery } }, answer);
    inbox.post('/users', { schema: { body: Type.Optional(InboxUsersBody) } }, answer);
    inbox.post(
      '/users/import',
      {
        bodyLimit: 32 * 1024 * 1024,
        schema: {
          querystring: Type.Object({ botId: Type.Optional(Type.String({ pattern: PATTERNS.objectIdOrEmpty.pattern })) }),
          body: ImportBody,
        },
      },
      answer,
    );
  },
  { prefix: '/inbox' },
);

// The PollyBot scope validates with its own Ajv instances (query strings coerced, bodies as sent).
const ajvOptions = { allErrors: true, verbose: true, useDefaults: true, removeAdditional: false, strict: false } as const;
const bodyAjv = new Ajv({ ...ajvOptions, coerceTypes: false });
const queryAjv = new Ajv({ ...ajvOptions, coerceTypes: true });
await app.register(
  async (v1) => {
    v1.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema));
    v1.get('/leads', { schema: { querystring: ListLeadsQuery } }, answer);
  },
  { prefix: '/api/v1' },
);

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3999) });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}

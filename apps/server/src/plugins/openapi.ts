import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI 3.1 document is generated from the route schemas; /docs renders it. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'leadbox API',
        version: '0.1.0',
        description:
          'Contacts, chats and leads inbox for chatbots. `/inbox/...` is wire-compatible with the BotPenguin v7 Contacts & Chats API, `/api/v1/...` with the PollyBot.ai Leads API v1. One token works on both.',
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer sk-workspace_… (with `authtype: Key` on /inbox)' },
          bpToken: { type: 'apiKey', in: 'header', name: 'x-bp-token' },
          botToken: { type: 'apiKey', in: 'header', name: 'x-bot-token' },
          panelSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'leadbox_session',
            description: 'The panel: the cookie POST /api/v1/auth/login sets (HttpOnly, SameSite=Lax).',
          },
          csrf: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: 'With a panel session, every write (POST, PUT, DELETE) also sends the csrfToken that sign-in answered.',
          },
        },
      },
      security: [{ bearer: [] }, { bpToken: [] }, { botToken: [] }, { panelSession: [], csrf: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

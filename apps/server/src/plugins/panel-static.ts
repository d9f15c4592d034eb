import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const PANEL_DIST = path.resolve(import.meta.dirname, '../../../panel/dist');

/**
 * Serves the built panel at /panel (any unknown path under it gets index.html: the panel routes in
 * the browser) and sends / there. Without a build, /panel says how to make one.
 */
export async function registerPanel(app: FastifyInstance, dist = PANEL_DIST): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/panel/'));
  if (!existsSync(path.join(dist, 'index.html'))) {
    app.get('/panel/*', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The panel is not built: run `npm run build` (npm install does it), then restart.'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: dist, prefix: '/panel/', index: ['index.html'], wildcard: false });
  app.get('/panel', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/panel/'));
  app.get('/panel/*', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html'));
}

import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer (nosniff, referrer policy, no MIME sniffing, HSTS when the
 * public URL is https), and a Content-Security-Policy on the pages leadbox serves: the panel and
 * the docs may not be framed, the bot page may be framed by `frameAncestors` (a customer's site).
 * The widget script and its API stay usable from any site (Cross-Origin-Resource-Policy).
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean; frameAncestors: string }): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    frameguard: false,
    hsts: options.https,
  });
  const panel = [
    "default-src 'self'",
    "script-src 'self'",
    // React sets style attributes; the widget's Shadow DOM brings its own <style>.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ];
  app.addHook('onSend', async (request, reply) => {
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return;
    const path = request.url;
    if (path.startsWith('/page/'))
      reply.header('content-security-policy', [...panel, `frame-ancestors ${options.frameAncestors}`].join('; '));
    else if (path.startsWith('/docs')) reply.header('content-security-policy', "frame-ancestors 'none'");
    else reply.header('content-security-policy', [...panel, "frame-ancestors 'none'"].join('; '));
  });
}

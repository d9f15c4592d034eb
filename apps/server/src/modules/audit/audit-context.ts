import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Who an audit entry says made a change. */
export interface AuditActor {
  type: 'agent' | 'token' | 'cli' | 'job' | 'visitor' | 'system';
  id: string | null;
  name: string | null;
  address: string | null;
  userAgent: string | null;
}

interface Context {
  /** the request being served (its actor is known only after authentication), or a fixed actor */
  request?: FastifyRequest;
  actor?: Partial<AuditActor> & Pick<AuditActor, 'type'>;
  /** a job writes one entry for the whole job, not one per contact */
  perContact: boolean;
}

// Holds no data of its own: each request, job step or CLI command runs in a store of its own.
const storage = new AsyncLocalStorage<Context>();
const resourceKey = Symbol('audit-context');

export function currentAuditContext(): Context | undefined {
  return storage.getStore();
}

/** Runs `fn` as a fixed actor (a job step, a CLI command): what it changes is recorded as theirs. */
export function runAsActor<T>(
  actor: Partial<AuditActor> & Pick<AuditActor, 'type'>,
  fn: () => T,
  options: { perContact?: boolean } = {},
): T {
  return storage.run({ actor, perContact: options.perContact ?? actor.type !== 'job' }, fn);
}

/**
 * Every request runs in a context that knows it, so the contact store (and anything else that
 * records) finds the request's actor, address and user agent without each caller passing them.
 * The body parser runs outside the request's async context, hence the second hook (the approach
 * of @fastify/request-context).
 */
export function registerAuditContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    storage.run({ request, perContact: true }, () => {
      const resource = new AsyncResource('audit-context');
      (request as unknown as Record<symbol, AsyncResource>)[resourceKey] = resource;
      resource.runInAsyncScope(done, request.raw);
    });
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const resource = (request as unknown as Record<symbol, AsyncResource | undefined>)[resourceKey];
    if (resource) resource.runInAsyncScope(done, request.raw);
    else done();
  });
}

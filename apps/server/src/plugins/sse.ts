import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown): void;
  /** sends a last event (with a reconnection delay for EventSource) and ends the response */
  end(event: string, data: unknown, retryMs?: number): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** the open event streams of this instance, told to reconnect elsewhere when it shuts down */
    eventStreams?: Set<EventStream>;
  }
}

/**
 * Keeps the app's open streams so a shutdown can end them at once: each gets a `reconnect` event
 * and a `retry` of 1 to 5 s (spread, so clients do not all come back in the same second), instead of
 * being held open, looking live, until the hard stop while new connections are refused.
 */
export function trackEventStreams(app: FastifyInstance): void {
  const streams = new Set<EventStream>();
  app.decorate('eventStreams', streams);
  app.addHook('preClose', () => {
    for (const stream of [...streams]) stream.end('reconnect', { reason: 'shutdown' }, 1000 + Math.floor(Math.random() * 4000));
  });
}

/**
 * Turns the reply into a Server-Sent Events stream: sends a comment every `heartbeatMs` (keeps
 * proxies from closing it and lets the server notice a gone client), calls `onClose` once.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { heartbeatMs: number; headers?: Record<string, string>; onHeartbeat?: () => Promise<void>; onClose: () => void },
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...options.headers,
  });
  raw.write('retry: 3000\n\n');
  const heartbeat = setInterval(() => {
    raw.write(': ping\n\n');
    options.onHeartbeat?.().catch((error: unknown) => request.log.warn({ err: error }, 'heartbeat failed'));
  }, options.heartbeatMs);
  const registry = request.server.eventStreams;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    registry?.delete(stream);
    options.onClose();
  };
  const stream: EventStream = {
    send(event, data) {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end(event, data, retryMs) {
      if (closed) return;
      raw.end(`${retryMs ? `retry: ${retryMs}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      close();
    },
  };
  registry?.add(stream);
  // The response's close is the client going away; the request's fires as soon as a GET was read.
  raw.on('close', close);
  return stream;
}

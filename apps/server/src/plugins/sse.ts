import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown): void;
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
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    options.onClose();
  };
  // The response's close is the client going away; the request's fires as soon as a GET was read.
  raw.on('close', close);
  return {
    send(event, data) {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}

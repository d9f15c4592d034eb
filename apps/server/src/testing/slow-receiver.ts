import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * How the receiver answers: `ok` at once; `trickle` sends `200` and its headers, then one byte
 * every `everyMs` until `forMs` have passed; `hang` reads the request and never answers.
 */
export type Behaviour = { mode: 'ok' } | { mode: 'hang' } | { mode: 'trickle'; everyMs: number; forMs: number };

export interface Attempt {
  id: string;
  /** Date.now() when the request arrived and when it was over (answered, or cut off by the sender) */
  start: number;
  end: number | null;
  /** true when the sender closed the connection before the answer was complete */
  cutOff: boolean;
  behaviour: Behaviour['mode'];
}

/**
 * A loopback webhook receiver that answers slowly on demand and records when each request was
 * open, so a test can tell whether two senders ever had the same delivery in flight at once.
 */
export async function startSlowReceiver(initial: Behaviour = { mode: 'ok' }) {
  let behaviour = initial;
  const attempts: Attempt[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const attempt: Attempt = {
      id: String(req.headers['x-webhook-id'] ?? ''),
      start: Date.now(),
      end: null,
      cutOff: false,
      behaviour: behaviour.mode,
    };
    attempts.push(attempt);
    open.add(res);
    const current = behaviour;
    let timer: NodeJS.Timeout | null = null;
    res.on('close', () => {
      if (timer) clearInterval(timer);
      open.delete(res);
      attempt.cutOff = !res.writableFinished;
      attempt.end = Date.now();
    });
    req.resume();
    req.on('end', () => {
      if (current.mode === 'ok') res.writeHead(200).end('ok');
      else if (current.mode === 'trickle') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('.');
        const until = Date.now() + current.forMs;
        timer = setInterval(() => {
          if (Date.now() >= until) res.end('.');
          else res.write('.');
        }, current.everyMs);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    attempts,
    behave(next: Behaviour) {
      behaviour = next;
    },
    /** pairs of requests for one delivery id that were open at the same time */
    overlaps(): [Attempt, Attempt][] {
      const found: [Attempt, Attempt][] = [];
      for (const [i, x] of attempts.entries())
        for (const y of attempts.slice(i + 1))
          if (x.id === y.id && y.start < (x.end ?? Number.POSITIVE_INFINITY) && x.start < (y.end ?? Number.POSITIVE_INFINITY))
            found.push([x, y]);
      return found;
    },
    async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'the receiver') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; attempts: ${JSON.stringify(attempts)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type SlowReceiver = Awaited<ReturnType<typeof startSlowReceiver>>;

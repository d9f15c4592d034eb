import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../lib/errors.js';

/** JSON objects and arrays a request body may hold unless its route says otherwise (`config.jsonContainers`). */
export const JSON_CONTAINERS = 10_000;

/** How deep a JSON body may nest (a PollyBot `metadata` document included). */
export const JSON_DEPTH = 32;

/** True when `value` nests objects or arrays more than `limit` levels deep. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** True when `text` has more than `budget` `{` and `[` (stops counting there). */
export function exceedsContainers(text: string, budget: number): boolean {
  let count = 0;
  for (const open of ['{', '[']) {
    for (let at = text.indexOf(open); at !== -1; at = text.indexOf(open, at + 1)) if (++count > budget) return true;
  }
  return false;
}

/**
 * How request bodies and URLs are read: JSON only (a text/plain body is a 415, not a string that
 * fails validation), checked for size and shape before and after parsing, and no NUL anywhere.
 */
export function registerJsonBody(app: FastifyInstance): void {
  // A NUL in a query or path (%00) would reach PostgreSQL (which refuses it) or SQLite's search.
  app.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url)) throw AppError.validation([{ field: 'query', message: 'must not contain NUL characters (%00)' }]);
  });
  // Clients send `Content-Type: application/json` on GETs and DELETEs without a body: an empty
  // body is "no body", not a parse error.
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (/^\s*$/.test(text)) return done(null, undefined);
    // Parsing allocates every object and array: a megabyte of `{}` takes a second of the event
    // loop. Counted (over-counting braces inside strings) before parsing, against the route's budget.
    const budget = (request.routeOptions.config as { jsonContainers?: number } | undefined)?.jsonContainers ?? JSON_CONTAINERS;
    if (exceedsContainers(text, budget)) {
      return done(AppError.validation([{ field: 'body', message: `holds more than ${budget} JSON objects and arrays` }]), undefined);
    }
    // PostgreSQL cannot store a NUL character and SQLite's search chokes on one: refused up front.
    if (text.includes('\\u0000') || text.includes('\u0000')) {
      return done(AppError.validation([{ field: 'body', message: 'must not contain NUL characters (\\u0000)' }]), undefined);
    }
    let value: unknown;
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(AppError.validation([{ field: 'body', message: 'is not valid JSON' }]), undefined);
    }
    if (nestedDeeperThan(value, JSON_DEPTH)) {
      return done(AppError.validation([{ field: 'body', message: `is nested more than ${JSON_DEPTH} levels deep` }]), undefined);
    }
    done(null, value);
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../lib/errors.js';
import { nextTurn, TURN_BUDGET_MS } from '../lib/turns.js';

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

/** A body this large whose top level is a list (an import) is read a slice at a time: {@link parseJsonListInTurns}. */
export const LIST_IN_TURNS_BYTES = 256 * 1024;

const notJson = () => AppError.validation([{ field: 'body', message: 'is not valid JSON' }]);
const tooMany = (budget: number) => AppError.validation([{ field: 'body', message: `holds more than ${budget} JSON objects and arrays` }]);
const tooDeep = (depth: number) => AppError.validation([{ field: 'body', message: `is nested more than ${depth} levels deep` }]);
const parseSecurely = (text: string): unknown => secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });

/** True when the `"` at `at` is escaped: an odd number of backslashes before it. */
function escapedQuote(text: string, at: number): boolean {
  let slashes = 0;
  while (text.charCodeAt(at - 1 - slashes) === 92) slashes++;
  return slashes % 2 === 1;
}

/**
 * Parses a JSON list (`[…]`) as `JSON.parse` would, without holding the event loop for all of it:
 * a scan finds the list's elements (checking the budget of objects and arrays, counted outside
 * strings, and the nesting depth on the way) and each element is parsed on its own, with turns of
 * the event loop in between. 8 MB in one `JSON.parse` and one walk for the depth held the loop for
 * 50-100 ms (issue 15). Each element is parsed by `JSON.parse`, so an element that is not JSON, or
 * brackets that do not match, fail as they would in one parse; what lies between elements can only
 * be commas, as the scan splits there.
 */
export async function parseJsonListInTurns(text: string, limits: { depth: number; containers: number }): Promise<unknown[]> {
  const bounds: number[] = [];
  let depth = 0;
  let containers = 0;
  let elementStart = -1;
  let closedAt = -1;
  let since = performance.now();
  let steps = 0;
  const token = /[[\]{}",]/g;
  token.lastIndex = text.indexOf('[');
  for (let match = token.exec(text); match; match = token.exec(text)) {
    const at = match.index;
    const c = text.charCodeAt(at);
    if (c === 34) {
      let end = at;
      do {
        end = text.indexOf('"', end + 1);
        if (end === -1) throw notJson();
      } while (escapedQuote(text, end));
      token.lastIndex = end + 1;
    } else if (c === 123 || c === 91) {
      if (++containers > limits.containers) throw tooMany(limits.containers);
      if (++depth > limits.depth) throw tooDeep(limits.depth);
      if (depth === 1) elementStart = at + 1;
    } else if (c === 125 || c === 93) {
      if (--depth === 0) {
        if (c !== 93) throw notJson();
        bounds.push(elementStart, at);
        closedAt = at;
        break;
      }
    } else if (depth === 1) {
      bounds.push(elementStart, at);
      elementStart = at + 1;
    }
    if ((++steps & 1023) === 0 && performance.now() - since >= TURN_BUDGET_MS) {
      await nextTurn();
      since = performance.now();
    }
  }
  if (closedAt === -1 || !/^\s*$/.test(text.slice(closedAt + 1))) throw notJson();
  // `[]`: one empty element, which means none.
  if (bounds.length === 2 && /^\s*$/.test(text.slice(bounds[0], bounds[1]))) return [];
  const list: unknown[] = new Array(bounds.length / 2);
  since = performance.now();
  for (let i = 0; i < list.length; i++) {
    try {
      list[i] = parseSecurely(text.slice(bounds[2 * i], bounds[2 * i + 1]));
    } catch {
      throw notJson();
    }
    if ((i & 15) === 15 && performance.now() - since >= TURN_BUDGET_MS) {
      await nextTurn();
      since = performance.now();
    }
  }
  return list;
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
  app.addContentTypeParser('application/json', { parseAs: 'string' }, async (request: FastifyRequest, body: string | Buffer) => {
    const text = String(body);
    if (/^\s*$/.test(text)) return undefined;
    const budget = (request.routeOptions.config as { jsonContainers?: number } | undefined)?.jsonContainers ?? JSON_CONTAINERS;
    // PostgreSQL cannot store a NUL character and SQLite's search chokes on one: refused up front.
    if (text.includes('\\u0000') || text.includes('\u0000')) {
      throw AppError.validation([{ field: 'body', message: 'must not contain NUL characters (\\u0000)' }]);
    }
    // Parsing allocates every object and array: a megabyte of `{}` takes a second of the event
    // loop. Counted (over-counting braces inside strings) before parsing, against the route's budget.
    if (exceedsContainers(text, budget)) throw tooMany(budget);
    if (text.length > LIST_IN_TURNS_BYTES && /^\s*\[/.test(text))
      return parseJsonListInTurns(text, { depth: JSON_DEPTH, containers: budget });
    let value: unknown;
    try {
      value = parseSecurely(text);
    } catch {
      throw notJson();
    }
    if (nestedDeeperThan(value, JSON_DEPTH)) throw tooDeep(JSON_DEPTH);
    return value;
  });
}

import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { forEachInTurns } from '../lib/turns.js';

/** An input of up to this many values (objects, arrays, scalars) has all its problems listed. */
export const FULL_REPORT_NODES = 1_000;

/** A list body longer than this is validated an element at a time, with turns of the event loop in between. */
export const LIST_IN_TURNS_ITEMS = 500;

/** Problems listed at most for a list validated in turns (the first ones, in order). */
export const LIST_ISSUES = 100;

type Schema = Record<string, unknown>;

/**
 * A schema compiler whose validators stop at the first problem (`allErrors` on untrusted input
 * lets one body of a million items cost a million error objects), then, for a small input only,
 * validate again to list every problem, so a client fixing a form sees all its fields at once.
 * Both passes cost O(size of the input) at most once each.
 */
export function boundedValidatorCompiler(
  options: Options & { withFormats?: boolean },
  pick?: (httpPart: string | undefined) => Options,
): FastifySchemaCompiler<unknown> {
  const { withFormats, ...ajvOptions } = options;
  const instances = new Map<string, { first: Ajv; every: Ajv }>();
  const ajvFor = (httpPart: string | undefined) => {
    const extra = pick?.(httpPart) ?? {};
    const key = JSON.stringify(extra);
    let pair = instances.get(key);
    if (!pair) {
      const make = (allErrors: boolean) => {
        const ajv = new Ajv({ ...ajvOptions, ...extra, allErrors });
        if (withFormats) addFormats.default(ajv);
        return ajv;
      };
      pair = { first: make(false), every: make(true) };
      instances.set(key, pair);
    }
    return pair;
  };
  return ({ schema, httpPart }) => {
    const { first, every } = ajvFor(httpPart);
    const items = (schema as Schema).items;
    if (httpPart === 'body' && (schema as Schema).type === 'array' && items && typeof items === 'object' && !Array.isArray(items)) {
      return listInTurns(schema as Schema, items as Schema, first, every) as ValidateFunction;
    }
    return bounded(schema as AnySchema, first, every);
  };
}

/** Stops at the first problem; lists every problem of a small input. */
function bounded(schema: AnySchema, first: Ajv, every: Ajv): ValidateFunction {
  const fast = first.compile(schema);
  let full: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    if (fast(data)) return true;
    validate.errors = fast.errors;
    if (nodesUpTo(data, FULL_REPORT_NODES) <= FULL_REPORT_NODES) {
      full ??= every.compile(schema);
      full(data);
      validate.errors = full.errors ?? fast.errors;
    }
    return false;
  }) as ValidateFunction;
  return validate;
}

/** How many values `data` holds, counting no further than `cap + 1`. */
export function nodesUpTo(data: unknown, cap: number): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && count <= cap) {
    const value = stack.pop();
    count++;
    const children = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : [];
    if (count + children.length > cap) return cap + 1;
    for (const v of children) stack.push(v);
  }
  return count;
}

/**
 * A list body (an import of 10,000 rows) validated as one would be, without holding the event loop
 * for all of it: the list's own keywords (length) first, then each element against the items
 * schema, with turns of the event loop in between (Fastify awaits a validator that answers a
 * promise). The first {@link LIST_ISSUES} problems are listed, each element's in full. A short list
 * is validated at once.
 */
function listInTurns(schema: Schema, items: Schema, first: Ajv, every: Ajv) {
  const { items: _, ...listOnly } = schema;
  const list = first.compile(listOnly);
  const whole = bounded(schema, first, every);
  const item = first.compile(items);
  let itemInFull: ValidateFunction | undefined;
  const validate = (data: unknown): boolean | Promise<boolean> => {
    if (!Array.isArray(data) || data.length <= LIST_IN_TURNS_ITEMS) {
      if (whole(data)) return true;
      validate.errors = whole.errors;
      return false;
    }
    if (!list(data)) {
      validate.errors = list.errors;
      return false;
    }
    return (async () => {
      const errors: NonNullable<ValidateFunction['errors']> = [];
      await forEachInTurns(data.length, (i) => {
        if (item(data[i])) return;
        itemInFull ??= every.compile(items);
        itemInFull(data[i]);
        for (const e of itemInFull.errors ?? item.errors ?? []) errors.push({ ...e, instancePath: `/${i}${e.instancePath}` });
        return errors.length < LIST_ISSUES;
      });
      if (errors.length === 0) return true;
      // Rejected with its own problems: concurrent requests share this function, so not through `validate.errors`.
      throw Object.assign(new Error('body does not match its schema'), {
        validation: errors.slice(0, LIST_ISSUES),
        validationContext: 'body',
      });
    })();
  };
  validate.errors = null as ValidateFunction['errors'];
  return validate;
}

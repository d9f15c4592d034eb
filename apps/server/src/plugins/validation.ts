import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/** An input of up to this many values (objects, arrays, scalars) has all its problems listed. */
export const FULL_REPORT_NODES = 1_000;

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
    const fast = first.compile(schema as AnySchema);
    let full: ValidateFunction | undefined;
    const validate = ((data: unknown) => {
      if (fast(data)) return true;
      validate.errors = fast.errors;
      if (nodesUpTo(data, FULL_REPORT_NODES) <= FULL_REPORT_NODES) {
        full ??= every.compile(schema as AnySchema);
        full(data);
        validate.errors = full.errors ?? fast.errors;
      }
      return false;
    }) as ValidateFunction;
    return validate;
  };
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

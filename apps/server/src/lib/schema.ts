import { type TSchema, Type } from 'typebox';

/** A value of `t`, or null (OpenAPI `anyOf` with `null`). */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

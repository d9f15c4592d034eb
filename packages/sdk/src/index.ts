export { LeadboxError, type Surface } from './errors.js';
export { Leadbox, type LeadboxOptions } from './leadbox.js';
export type { RetryOptions } from './retry.js';
export type * from './types.js';

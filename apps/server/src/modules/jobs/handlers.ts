import { bulkHandler } from '../bulk/bulk.handler.js';
import { importJobHandler } from '../imports/import-job.js';
import type { JobHandler } from './runner.js';

/** Every kind of background job the runner knows; each module adds its handler here. */
// biome-ignore lint/suspicious/noExplicitAny: each handler has its own params type
export const jobHandlers: JobHandler<any>[] = [bulkHandler(), importJobHandler()];

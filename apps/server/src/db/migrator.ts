import { type Kysely, type Migration, Migrator } from 'kysely';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-leads.js';
import * as m0003 from './migrations/0003-webhooks.js';
import * as m0004 from './migrations/0004-messages.js';
import * as m0005 from './migrations/0005-chat-paging.js';
import * as m0006 from './migrations/0006-search.js';
import * as m0007 from './migrations/0007-agent-sessions.js';
import * as m0008 from './migrations/0008-jobs.js';
import * as m0009 from './migrations/0009-search-trigger.js';
import * as m0010 from './migrations/0010-event-sequence.js';
import * as m0011 from './migrations/0011-created-xid.js';
import * as m0012 from './migrations/0012-import-journal.js';
import * as m0013 from './migrations/0013-token-creator.js';
import * as m0014 from './migrations/0014-contact-version.js';
import * as m0020 from './migrations/0020-flow-states.js';
import * as m0023 from './migrations/0023-integration-messages.js';
import * as m0024 from './migrations/0024-contact-fields.js';
import * as m0027 from './migrations/0027-first-sign-in.js';
import * as m0040 from './migrations/0040-contact-updated-by.js';
import * as m0041 from './migrations/0041-contacts-activity-order.js';

/** Listed by hand so a build or bundle can never miss or reorder one. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-leads': m0002,
  '0003-webhooks': m0003,
  '0004-messages': m0004,
  '0005-chat-paging': m0005,
  '0006-search': m0006,
  '0007-agent-sessions': m0007,
  '0008-jobs': m0008,
  '0009-search-trigger': m0009,
  '0010-event-sequence': m0010,
  '0011-created-xid': m0011,
  '0012-import-journal': m0012,
  '0013-token-creator': m0013,
  '0014-contact-version': m0014,
  '0020-flow-states': m0020,
  '0023-integration-messages': m0023,
  '0024-contact-fields': m0024,
  '0027-first-sign-in': m0027,
  '0040-contact-updated-by': m0040,
  '0041-contacts-activity-order': m0041,
};

export interface MigrationReport {
  applied: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

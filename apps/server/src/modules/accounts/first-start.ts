import type { Kysely } from 'kysely';
import { lockKey } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { generatePassword } from '../../lib/passwords.js';
import { countAccounts } from './accounts.repository.js';
import { createAccountIn, type NewAccount } from './accounts.service.js';

/**
 * On an empty database, creates the default account (bot, owner, token); otherwise does nothing.
 * Instances starting together on one empty PostgreSQL database create it once.
 */
export async function ensureDefaultAccount(db: Kysely<DB>): Promise<NewAccount | null> {
  return db.transaction().execute(async (trx) => {
    await lockKey(trx, 'leadbox:first-start');
    if ((await countAccounts(trx)) > 0) return null;
    return createAccountIn(trx, {
      name: 'Default account',
      botName: 'Website bot',
      ownerName: 'Owner',
      ownerEmail: 'owner@leadbox.local',
      ownerPassword: generatePassword(),
    });
  });
}

export function firstStartMessage(account: NewAccount, baseUrl: string): string {
  return [
    '',
    'leadbox created a default account on this empty database. Keep the token: it is shown only this once.',
    '',
    `  customerId   ${account.customerId}`,
    `  workspaceId  ${account.workspaceId}`,
    `  botId        ${account.botId}`,
    `  owner agent  ${account.agentId} (${account.ownerEmail})`,
    ...(account.ownerPassword
      ? [`  password     ${account.ownerPassword}   (signs in as ${account.ownerEmail}: POST /api/v1/auth/login)`]
      : []),
    `  API token    ${account.token}`,
    '',
    'Try it:',
    '',
    `  curl -s '${baseUrl}/inbox/direct/lead' -X PUT \\`,
    `    -H 'x-bp-token: ${account.token}' -H 'Content-Type: application/json' \\`,
    `    --data-raw '{"uuid":"7e88d192-9b20-4035-9b68-d4ac3d58a34f","botId":"${account.botId}","customerId":"${account.customerId}","name":"John Doe","email":"john@example.com","phone":"9876543210","dialCode":"+91","tags":["lead"]}'`,
    '',
    `  curl -s '${baseUrl}/inbox/direct/chats?botId=${account.botId}&customerId=${account.customerId}&page=1&type=lead' \\`,
    `    -H 'Authorization: Bearer ${account.token}' -H 'authtype: Key'`,
    '',
  ].join('\n');
}

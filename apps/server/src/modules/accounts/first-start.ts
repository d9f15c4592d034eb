import type { Kysely } from 'kysely';
import { lockKey } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { generatePassword, hashPassword } from '../../lib/passwords.js';
import { findAgent, setPasswordHash } from '../agents/agents.repository.js';
import { countAccounts, findFirstStartOwner, insertFirstStartOwner, setFirstStartPasswordHash } from './accounts.repository.js';
import { createAccountIn, type NewAccount } from './accounts.service.js';

export const DEFAULT_OWNER_EMAIL = 'owner@leadbox.local';

/** The owner a first start creates (config.admin): null fields take the defaults. */
export interface FirstStartAdmin {
  email: string | null;
  password: string | null;
}

/**
 * What a start has to tell the operator: the account it just created, or (until the first-start
 * owner has signed in once) how to sign in, with a fresh password when the last one was generated.
 */
export type OwnerSignIn =
  | { kind: 'created'; account: NewAccount; passwordFromEnvironment: boolean }
  | {
      kind: 'reminder';
      customerId: string;
      agentId: string;
      ownerEmail: string;
      /** a new generated password (the previous one stopped working); absent when LEADBOX_ADMIN_PASSWORD set it */
      password?: string;
    };

/**
 * On an empty database, creates the default account (bot, owner, token). On a database whose
 * first-start owner has never signed in, gives that owner a new generated password to print, so a
 * start whose banner was lost locks no one out. Otherwise does nothing. Instances starting
 * together on one PostgreSQL database do this one at a time.
 */
export async function ensureOwnerCanSignIn(db: Kysely<DB>, admin: FirstStartAdmin, now = Date.now()): Promise<OwnerSignIn | null> {
  return db.transaction().execute(async (trx) => {
    await lockKey(trx, 'leadbox:first-start');
    if ((await countAccounts(trx)) === 0) {
      const account = await createAccountIn(
        trx,
        {
          name: 'Default account',
          botName: 'Website bot',
          ownerName: 'Owner',
          ownerEmail: admin.email ?? DEFAULT_OWNER_EMAIL,
          ownerPassword: admin.password ?? generatePassword(),
        },
        now,
      );
      const owner = await findAgent(trx, account.customerId, account.agentId);
      await insertFirstStartOwner(trx, {
        accountId: account.customerId,
        agentId: account.agentId,
        passwordHash: admin.password ? null : (owner?.passwordHash ?? null),
        createdAt: now,
      });
      return admin.password
        ? { kind: 'created', account: { ...account, ownerPassword: undefined }, passwordFromEnvironment: true }
        : { kind: 'created', account, passwordFromEnvironment: false };
    }
    const first = await findFirstStartOwner(trx);
    const owner = first && (await findAgent(trx, first.accountId, first.agentId));
    if (!first || !owner || owner.lastSignInAt !== null) return null;
    const reminder = { kind: 'reminder' as const, customerId: owner.accountId, agentId: owner.id, ownerEmail: owner.email };
    if (first.passwordHash === null) return reminder;
    // Someone set another password since (the CLI, an owner): they know it; leave it alone.
    if (owner.passwordHash !== first.passwordHash) return null;
    const password = generatePassword();
    const hash = await hashPassword(password);
    await setPasswordHash(trx, owner.accountId, owner.id, hash, now);
    await setFirstStartPasswordHash(trx, owner.accountId, hash);
    return { ...reminder, password };
  });
}

export function ownerSignInMessage(signIn: OwnerSignIn, baseUrl: string): string {
  return signIn.kind === 'created'
    ? firstStartMessage(signIn.account, baseUrl, signIn.passwordFromEnvironment)
    : reminderMessage(signIn, baseUrl);
}

function reminderMessage(signIn: Extract<OwnerSignIn, { kind: 'reminder' }>, baseUrl: string): string {
  return [
    '',
    'The owner has not signed in yet. Sign in to the panel with:',
    '',
    `  Panel        ${baseUrl}/panel/`,
    `  email        ${signIn.ownerEmail}`,
    signIn.password
      ? `  password     ${signIn.password}   (new at this start: a password printed before no longer works)`
      : '  password     the one in LEADBOX_ADMIN_PASSWORD (or LEADBOX_ADMIN_PASSWORD_FILE)',
    `  customerId   ${signIn.customerId}`,
    '',
    'This is printed at every start until the owner has signed in once. The API token was shown at the',
    `first start only; make another in the panel (API tokens) or with: npx leadbox token create --customer ${signIn.customerId}`,
    '',
  ].join('\n');
}

function firstStartMessage(account: NewAccount, baseUrl: string, passwordFromEnvironment: boolean): string {
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
      : passwordFromEnvironment
        ? [`  password     the one in LEADBOX_ADMIN_PASSWORD (signs in as ${account.ownerEmail})`]
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

import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { findAccount } from '../accounts/accounts.repository.js';
import { type AgentRow, findAgentByEmail, insertAgent } from './agents.repository.js';

export const AGENT_ROLES = ['owner', 'agent'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface Agent {
  id: string;
  accountId: string;
  name: string;
  email: string;
  role: AgentRole;
  createdAt: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function toAgent(row: AgentRow): Agent {
  return { id: row.id, accountId: row.accountId, name: row.name, email: row.email, role: row.role as AgentRole, createdAt: row.createdAt };
}

export async function createAgent(
  db: Kysely<DB>,
  accountId: string,
  input: { name: string; email: string; role?: AgentRole },
  now = Date.now(),
): Promise<Agent> {
  const name = input.name.trim();
  const email = input.email.trim();
  const issues = [];
  if (!name || name.length > 200) issues.push({ field: 'name', message: 'must be 1 to 200 characters' });
  if (!EMAIL.test(email) || email.length > 254) issues.push({ field: 'email', message: 'must be a valid email address', value: email });
  if (issues.length > 0) throw AppError.validation(issues);
  if (!(await findAccount(db, accountId))) throw AppError.notFound('Customer', 'customerId', accountId);
  if (await findAgentByEmail(db, accountId, email.toLowerCase())) {
    throw new AppError('CONFLICT', 'An agent with this email already exists', {
      issues: [{ field: 'email', message: 'is already used by an agent of this account', value: email }],
    });
  }
  const row: AgentRow = {
    accountId,
    id: newObjectId(now),
    name,
    email,
    emailLower: email.toLowerCase(),
    role: input.role ?? 'agent',
    passwordHash: null,
    createdAt: now,
    updatedAt: now,
  };
  await insertAgent(db, row);
  return toAgent(row);
}

import { type Static, Type } from 'typebox';
import { workspaceIdOf } from '../../lib/ids.js';
import { formatPhone } from '../../lib/phone.js';
import { Nullable } from '../../lib/schema.js';
import { toIso } from '../../lib/time.js';
import type { Contact } from '../../modules/contacts/contact.js';

export const LeadRecord = Type.Object({
  id: Type.String({ examples: ['lead_1234567890abcdef'] }),
  name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  source: Nullable(Type.String()),
  status: Type.String({ examples: ['new'] }),
  metadata: Type.Object({}, { additionalProperties: true }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  workspaceId: Type.String({ examples: ['ws_5fed38e56fb193dcc6c933f5'] }),
});
export type LeadRecord = Static<typeof LeadRecord>;

/** A contact as a PollyBot lead; the phone reads as it was sent here, or as `+prefix number`. */
export function toLeadRecord(c: Contact): LeadRecord {
  return {
    id: c.leadId,
    name: c.name,
    email: c.email,
    phone: c.phoneRaw ?? formatPhone(c.phone?.prefix ?? null, c.phone?.number ?? null),
    source: c.source,
    status: c.leadStatus,
    metadata: c.metadata,
    createdAt: toIso(c.createdAt) as string,
    updatedAt: toIso(c.updatedAt) as string,
    workspaceId: workspaceIdOf(c.accountId),
  };
}

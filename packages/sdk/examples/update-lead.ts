// PollyBot "Update Lead" with the SDK: a status change, then notes in metadata, then several fields.
import { Leadbox, LeadboxError, type LeadPatch } from '@leadbox/sdk';

const leadbox = new Leadbox({
  baseUrl: process.env.LEADBOX_URL ?? 'http://127.0.0.1:3000',
  token: process.env.LEADBOX_TOKEN ?? 'sk-workspace_your_api_key',
});

async function updateLead(leadId: string, updates: LeadPatch) {
  try {
    return await leadbox.updateLead(leadId, updates);
  } catch (error) {
    if (error instanceof LeadboxError && error.code === 'LEAD_NOT_FOUND') throw new Error(`Lead ${leadId} not found`);
    throw error;
  }
}

const leadId = process.env.LEAD_ID ?? 'lead_1234567890abcdef';

await updateLead(leadId, { status: 'contacted' });

await updateLead(leadId, {
  metadata: { notes: 'Very interested in our services', lead_score: 90, follow_up_date: '2024-01-25' },
});

const lead = await updateLead(leadId, {
  phone: '+1-555-999-8888',
  status: 'qualified',
  source: 'referral',
  metadata: { referrer: 'Jane Smith', budget_range: '$10k-25k' },
});
console.log(`${lead.name}: ${lead.status}, ${lead.phone}, metadata ${JSON.stringify(lead.metadata)}`);

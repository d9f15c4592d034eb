// BotPenguin: save what a visitor typed into the widget as a lead, then list the bot's leads.
import { randomUUID } from 'node:crypto';
import { Leadbox } from '@leadbox/sdk';

const leadbox = new Leadbox({
  baseUrl: process.env.LEADBOX_URL ?? 'http://127.0.0.1:3000',
  token: process.env.LEADBOX_TOKEN ?? 'YOUR_API_TOKEN',
});
const botId = process.env.LEADBOX_BOT_ID ?? 'YOUR_BOT_ID';
const customerId = process.env.LEADBOX_CUSTOMER_ID ?? 'YOUR_CUSTOMER_ID';

// The widget creates the session uuid when the visitor opens the bot.
await leadbox.upsertLead({
  uuid: process.env.SESSION_UUID ?? randomUUID(),
  botId,
  customerId,
  name: 'John Doe',
  email: 'john@example.com',
  phone: '9876543210',
  dialCode: '+91',
  status: 'OPEN',
  tags: ['lead'],
  attributes: [{ key: 'plan', value: 'pro' }],
});

// Every lead of the bot, page after page (newest activity first).
for await (const chat of leadbox.chats({ botId, customerId, type: 'lead' })) {
  const { name, contact, tags } = chat.profile.userDetails;
  console.log(`${chat.uuid}  ${name}  ${contact.email}  +${contact.phone.prefix} ${contact.phone.number}  [${tags.join(', ')}]`);
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './testing.js';

const root = path.resolve(import.meta.dirname, '../../..');
const example = (name: string) => path.join(root, 'packages/sdk/examples', name);

/** Runs an example file as a user would, with the server's address and token in its environment. */
async function runExample(name: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', example(name)], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  return stdout;
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

describe('SDK examples (docs/sdk-and-cli.md)', () => {
  it('are in the documentation word for word', () => {
    const doc = readFileSync(path.join(root, 'docs/sdk-and-cli.md'), 'utf8');
    for (const name of ['update-lead.ts', 'botpenguin-lead.ts']) {
      assert.ok(doc.includes(readFileSync(example(name), 'utf8').trim()), `${name} is shown in docs/sdk-and-cli.md`);
    }
  });

  it('update-lead.ts applies the three updates of the vendor example', async () => {
    const lead = await server.client().createLead({ name: 'John Doe', email: 'john.doe@example.com', metadata: { utm_source: 'google' } });
    const out = await runExample('update-lead.ts', { LEADBOX_URL: server.url, LEADBOX_TOKEN: server.a.token, LEAD_ID: lead.id });
    const updated = await server.client().getLead(lead.id);
    assert.equal(updated.status, 'qualified');
    assert.equal(updated.phone, '+1-555-999-8888');
    assert.equal(updated.source, 'referral');
    assert.deepEqual(updated.metadata, {
      utm_source: 'google',
      notes: 'Very interested in our services',
      lead_score: 90,
      follow_up_date: '2024-01-25',
      referrer: 'Jane Smith',
      budget_range: '$10k-25k',
    });
    assert.equal(out, `John Doe: qualified, +1-555-999-8888, metadata ${JSON.stringify(updated.metadata)}\n`);
  });

  it("botpenguin-lead.ts saves a widget lead and lists it among the bot's leads", async () => {
    const uuid = randomUUID();
    const out = await runExample('botpenguin-lead.ts', {
      LEADBOX_URL: server.url,
      LEADBOX_TOKEN: server.a.token,
      LEADBOX_BOT_ID: server.a.botId,
      LEADBOX_CUSTOMER_ID: server.a.customerId,
      SESSION_UUID: uuid,
    });
    assert.equal(out, `${uuid}  John Doe  john@example.com  +91 9876543210  [lead]\n`);
  });
});

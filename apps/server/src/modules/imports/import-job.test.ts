import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CsvParser } from '../../lib/csv.js';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { startJobRunner } from '../jobs/runner.js';
import { importJobHandler } from './import-job.js';
import { importContacts } from './imports.service.js';

const silent = { info() {}, warn() {}, error() {} };
const records = (csv: string) => {
  const parser = new CsvParser();
  return [...parser.push(csv), ...parser.end()].map((r) => r.fields);
};
/** A word no other test uses, so each test finds its own contacts. */
const runTag = () => `r${randomUuid().replace(/-/g, '').slice(0, 10)}`;

// The app's own runner stays idle (LEADBOX_JOBS=false): each test runs the queued import with a
// runner of its own, in steps of two records, so a small file crosses several steps.
describeEachDialect(
  'panel import job (POST /api/v1/imports)',
  (ctx) => {
    let steps = 0;
    let widestRead = 0;
    const runImports = async (options: { window?: number } = {}) => {
      const handler = importJobHandler({ rowsPerStep: 2, ...options });
      const counting: typeof handler = {
        ...handler,
        step: (trx, job) => {
          steps++;
          const readInput = (from: number, length: number) => {
            widestRead = Math.max(widestRead, length);
            return job.readInput(from, length);
          };
          return handler.step(trx, { ...job, readInput });
        },
      };
      const runner = startJobRunner(ctx().database.db, [counting], silent, { pollMs: 10, concurrency: 1, autostart: false });
      await runner.runOnce();
      await runner.stop();
    };
    const start = async (body: Record<string, unknown>, token = ctx().a.token) => {
      const res = await call(ctx().app, 'POST', '/api/v1/imports', { token, body });
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json.data.status, 'queued');
      return res.json.data.id as string;
    };
    const job = async (id: string, token = ctx().a.token) => (await call(ctx().app, 'GET', `/api/v1/jobs/${id}`, { token })).json.data;
    const find = async (text: string, token = ctx().a.token) => {
      const res = await call(ctx().app, 'POST', '/inbox/users', {
        token,
        body: { searchText: text, applicableFilters: ['searchText'], limit: 100 },
      });
      assert.equal(res.statusCode, 200);
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
      return res.json.data as any[];
    };
    const importJobs = async (token = ctx().a.token) =>
      (await call(ctx().app, 'GET', '/api/v1/jobs?kind=contacts.import&limit=100', { token })).json.data.jobs as { id: string }[];

    it('imports a file over several steps: good rows land, bad ones are rejected with the reason and their original text', async () => {
      const t = runTag();
      const csv = [
        'Full Name,email,Phone,Plan,notes',
        `"Doe, Jane ${t}",jane.${t}@x.test,+91 98765 43210,pro,"line one`,
        'line two"',
        `Bob ${t},not-an-email,,free,`,
        ',,,,',
        `"Cy ""The Guy"" ${t}",cy.${t}@x.test,,basic,"say ""hi"", twice"`,
        `Dee ${t},dee.${t}@x.test`,
        `Eve ${t},eve.${t}@x.test,555-0100,,`,
      ].join('\r\n');
      steps = 0;
      const id = await start({
        csv,
        mapping: { 'Full Name': 'name', Plan: 'attribute:plan', notes: 'attribute:notes' },
        fileName: 'people.csv',
      });
      assert.equal((await job(id)).total, 5, 'the records under the header, without the blank one');
      await runImports();
      assert.ok(steps >= 3, `several steps (${steps})`);

      const done = await job(id);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.processed, 5);
      assert.deepEqual(done.counts, { created: 3, updated: 0, skipped: 0 });
      assert.equal(done.rejected, 2);
      assert.deepEqual(done.params.columns, ['Full Name', 'email', 'Phone', 'Plan', 'notes']);

      const [jane] = await find(`jane.${t}`);
      assert.equal(jane.profile.userDetails.userProvidedName, `Doe, Jane ${t}`);
      assert.deepEqual(jane.profile.userDetails.contact.phone, { number: '9876543210', prefix: '91' });
      assert.deepEqual(jane.profile.userDetails.attributes, [
        { key: 'plan', value: 'pro' },
        { key: 'notes', value: 'line one\r\nline two' },
      ]);
      const [cy] = await find(`cy.${t}`);
      assert.equal(cy.profile.userDetails.userProvidedName, `Cy "The Guy" ${t}`);
      assert.deepEqual(cy.profile.userDetails.attributes.at(-1), { key: 'notes', value: 'say "hi", twice' });
      assert.equal((await find(`eve.${t}`))[0]?.profile.userDetails.contact.phone.number, '5550100');
      assert.deepEqual(await find(`Bob ${t}`), []);

      const rejects = await call(ctx().app, 'GET', `/api/v1/jobs/${id}/rejects`, { token: ctx().a.token });
      assert.equal(rejects.statusCode, 200);
      const lines = rejects.body.split('\r\n');
      assert.equal(lines[0], 'Full Name,email,Phone,Plan,notes,error');
      assert.equal(lines[1], `Bob ${t},not-an-email,,free,,line 4: email: must be a valid email address`);
      assert.equal(lines[2], `Dee ${t},dee.${t}@x.test,line 7: has 2 fields where the header has 5`);
      assert.deepEqual(records(rejects.body)[1], [
        `Bob ${t}`,
        'not-an-email',
        '',
        'free',
        '',
        'line 4: email: must be a valid email address',
      ]);
    });

    it('an exported file imported again changes nothing and creates nothing: rows match on the id column first', async () => {
      const t = runTag();
      const { a } = ctx();
      await importContacts(ctx().database.db, a.customerId, {
        rows: [
          { name: `Only a name ${t}`, tags: [t] },
          { name: `Only a name ${t}`, tags: [t] },
          { name: `Mail ${t}`, email: `mail.${t}@x.test`, tags: [t], attributes: [{ key: 'plan', value: 'pro' }] },
          { name: `Phone ${t}`, phone: { number: '5550199', prefix: '1' }, tags: [t, 'vip'] },
          { name: `=HYPERLINK("http://evil.test","open") ${t}`, email: `formula.${t}@x.test`, tags: [t] },
        ],
      });
      const before = await find(t);
      assert.equal(before.length, 5);
      const exported = await call(ctx().app, 'POST', '/api/v1/contacts/export', {
        token: a.token,
        body: { tags: [t], applicableFilters: ['tags'] },
      });
      assert.equal(exported.statusCode, 200);
      assert.ok(exported.body.includes(`"'=HYPERLINK(`), 'a formula is written so a spreadsheet shows it as text');
      const id = await start({ csv: exported.body, fileName: 'contacts.csv' });
      await runImports();
      const done = await job(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(done.counts, { created: 0, updated: 5, skipped: 0 });
      assert.equal(done.rejected, 0);
      const after = await find(t);
      const view = (users: typeof before) =>
        users.map((u) => ({ id: u._id, details: u.profile.userDetails })).sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(view(after), view(before), 'the same contacts with the same fields');
    });

    it('reads the stored file a window at a time: records across windows, CRLF cut in two, wide characters, a record wider than the window', async () => {
      const t = runTag();
      const long = `${'note '.repeat(12)}\r\nand more`;
      // The third record starts with U+FEFF (not a byte order mark there); a name is trimmed of it.
      const csv = [
        '\ufeffname,email,note',
        `Zoë 😀 ${t},zoe.${t}@x.test,🎉`,
        `Al ${t},al.${t}@x.test,"${long}"`,
        `\ufeffBo ${t},bo.${t}@x.test,`,
        `Cy ${t},not-an-email,`,
        `Di 😀😀 ${t},di.${t}@x.test,last`,
      ].join('\r\n');
      steps = 0;
      widestRead = 0;
      const id = await start({ csv, mapping: { note: 'attribute:note' } });
      await runImports({ window: 8 });
      const done = await job(id);
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(done.counts, { created: 4, updated: 0, skipped: 0 });
      assert.equal(done.processed, 5);
      assert.ok(widestRead < csv.length / 2, `never read the whole file at once (widest read ${widestRead} of ${csv.length})`);
      assert.deepEqual((await find(`zoe.${t}`))[0]?.profile.userDetails.attributes, [{ key: 'note', value: '🎉' }]);
      assert.equal((await find(`zoe.${t}`))[0]?.profile.userDetails.userProvidedName, `Zoë 😀 ${t}`);
      assert.deepEqual((await find(`al.${t}`))[0]?.profile.userDetails.attributes, [{ key: 'note', value: long }]);
      assert.equal((await find(`bo.${t}`))[0]?.profile.userDetails.userProvidedName, `Bo ${t}`);
      assert.equal((await find(`di.${t}`))[0]?.profile.userDetails.userProvidedName, `Di 😀😀 ${t}`);
      const rejects = await call(ctx().app, 'GET', `/api/v1/jobs/${id}/rejects`, { token: ctx().a.token });
      assert.equal(rejects.body.split('\r\n')[1], `Cy ${t},not-an-email,,line 6: email: must be a valid email address`);
    });

    it('on a duplicate updates the existing contact, or skips the row and leaves the contact as it was', async () => {
      const t = runTag();
      const { database, a } = ctx();
      await importContacts(database.db, a.customerId, { rows: [{ name: `Old ${t}`, email: `dup.${t}@x.test`, tags: ['old'] }] });
      const csv = `name,email,tags\nNew ${t},DUP.${t}@x.test,new\nFresh ${t},fresh.${t}@x.test,\nFresh again ${t},fresh.${t}@x.test,again\n`;

      const skipped = await start({ csv, onDuplicate: 'skip' });
      await runImports();
      assert.deepEqual((await job(skipped)).counts, { created: 1, updated: 1, skipped: 1 }, 'the repeated row merges into the new contact');
      const [kept] = await find(`dup.${t}`);
      assert.equal(kept.profile.userDetails.userProvidedName, `Old ${t}`);
      assert.deepEqual(kept.profile.userDetails.tags, ['old']);
      const [fresh] = await find(`fresh.${t}`);
      assert.equal(fresh.profile.userDetails.userProvidedName, `Fresh again ${t}`);

      const updated = await start({ csv, onDuplicate: 'update' });
      await runImports();
      assert.deepEqual((await job(updated)).counts, { created: 0, updated: 3, skipped: 0 });
      const [merged] = await find(`dup.${t}`);
      assert.equal(merged.profile.userDetails.userProvidedName, `New ${t}`);
      assert.deepEqual(merged.profile.userDetails.tags, ['old', 'new']);
      assert.equal((await find(`fresh.${t}`)).length, 1);
    });

    it('refuses a mapping or a file it cannot import with a 400, and queues nothing', async () => {
      const before = (await importJobs()).length;
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ csv: 'name,email\nAnn,ann@x.test\n', mapping: { email: 'mail' } }, /must be one of id, name, email/],
        [{ csv: 'name,email\nAnn,ann@x.test\n', mapping: { 'E-mail': 'email' } }, /no such column \(it has name, email\)/],
        [{ csv: 'first,second\n1,2\n' }, /no column is read as name, email or phone/],
        [{ csv: 'name,email\n\n,\n' }, /has no rows under its header/],
        [{ csv: '"name,email\nAnn,ann@x.test\n' }, /never closed/],
        [{ csv: 'name\nAnn\n', onDuplicate: 'merge' }, /onDuplicate|must be equal to one of|must match/i],
        [{ csv: 'name,email,email\nAnn,a@x.test,b@x.test\n' }, /names the column \\"email\\" more than once/],
      ];
      for (const [body, message] of cases) {
        const res = await call(ctx().app, 'POST', '/api/v1/imports', { token: ctx().a.token, body });
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json.success, false);
        assert.equal(res.json.code, 'VALIDATION_ERROR');
        assert.match(JSON.stringify(res.json.details), message, JSON.stringify(body));
      }
      const otherBot = await call(ctx().app, 'POST', '/api/v1/imports', {
        token: ctx().a.token,
        body: { csv: 'name\nAnn\n', botId: ctx().b.botId },
      });
      assert.equal(otherBot.statusCode, 404, "another account's bot is not found");
      assert.equal((await importJobs()).length, before);
    });

    it("keeps an import to its account: the other account can't see the job or its rejects, and its contacts are untouched", async () => {
      const t = runTag();
      const { database, a, b } = ctx();
      await importContacts(database.db, b.customerId, { rows: [{ name: `Bea ${t}`, email: `shared.${t}@x.test` }] });
      const id = await start({ csv: `name,email\nAnn ${t},shared.${t}@x.test\nbad,bad\n`, botId: a.botId });
      await runImports();
      assert.deepEqual(
        (await job(id)).counts,
        { created: 1, updated: 0, skipped: 0 },
        "b's contact with the same email is not a duplicate",
      );
      assert.equal((await find(`shared.${t}`))[0]?._bot, a.botId);

      for (const url of [`/api/v1/jobs/${id}`, `/api/v1/jobs/${id}/rejects`]) {
        const other = await call(ctx().app, 'GET', url, { token: b.token });
        assert.equal(other.statusCode, 404, url);
        assert.equal(other.json.success, false);
      }
      assert.equal((await call(ctx().app, 'POST', `/api/v1/jobs/${id}/cancel`, { token: b.token })).statusCode, 404);
      assert.ok(!(await importJobs(b.token)).some((j) => j.id === id));
      const [bea] = await find(`shared.${t}`, b.token);
      assert.equal(bea.profile.userDetails.userProvidedName, `Bea ${t}`);
      assert.equal((await find(t, b.token)).length, 1);
    });
  },
  { env: { LEADBOX_JOBS: 'false' } },
);

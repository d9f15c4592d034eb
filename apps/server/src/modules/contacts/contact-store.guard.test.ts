import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

// The contact store is the only writer of the contacts table and its relation tables: a write
// elsewhere would skip the derived columns, the row lock, the webhook events or the cache drops.

const SRC = path.resolve(import.meta.dirname, '../..');
const STORE = path.join('modules', 'contacts', 'contact-store.ts');
const TABLES = ['contacts', 'contactTags', 'contactNotes', 'segmentMembers', 'contactFields'];
const SQL_TABLES = ['contacts', 'contact_tags', 'contact_notes', 'segment_members', 'contact_fields'];

const kysely = new RegExp(
  String.raw`\.(insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\(\s*['"\`](${TABLES.join('|')})(\s+as\s+\w+)?['"\`]`,
  'g',
);
const raw = new RegExp(String.raw`\b(insert\s+(or\s+\w+\s+)?into|update|delete\s+from)\s+["\`]?(${SQL_TABLES.join('|')})\b`, 'gi');

/** `file:line  code` for every statement in `text` that writes one of the tables. */
export function contactWrites(file: string, text: string): string[] {
  const found: string[] = [];
  for (const pattern of [kysely, raw]) {
    for (const m of text.matchAll(pattern)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.push(`${file}:${line}  ${m[0].trim()}`);
    }
  }
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('contact store guard', () => {
  it('finds the writes it looks for (Kysely and raw SQL), and not reads', () => {
    const sample = [
      "await db.updateTable('contacts').set({ agentId: null })",
      "db.insertInto('contactTags').values(rows)",
      "trx.deleteFrom('segmentMembers as m')",
      'sql`update contacts set name = $1`',
      'sql`DELETE FROM contact_notes where id = 1`',
      "db.selectFrom('contacts').selectAll()",
      "db.updateTable('agents').set({ name })",
    ].join('\n');
    assert.deepEqual(
      contactWrites('x.ts', sample).map((w) => w.split('  ')[0]),
      ['x.ts:1', 'x.ts:2', 'x.ts:3', 'x.ts:4', 'x.ts:5'],
    );
  });

  it('no file outside modules/contacts/contact-store.ts writes contacts, contact_tags, contact_notes, segment_members or contact_fields', () => {
    const writes = sources(SRC)
      .filter((file) => path.relative(SRC, file) !== STORE)
      .flatMap((file) => contactWrites(path.relative(SRC, file), readFileSync(file, 'utf8')));
    assert.deepEqual(writes, [], 'move these writes into the contact store');
  });

  it('the store itself is found and does write them (the scan is not looking at the wrong folder)', () => {
    assert.ok(contactWrites(STORE, readFileSync(path.join(SRC, STORE), 'utf8')).length > 0);
  });
});

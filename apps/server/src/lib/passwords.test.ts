import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('verify against their scrypt hash and nothing else', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.match(hash, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterz', hash), false);
    assert.equal(await verifyPassword('anything', null), false);
    assert.notEqual(await hashPassword('same'), await hashPassword('same'), 'salted');
  });
  it('generates typeable passwords', () => assert.match(generatePassword(), /^([a-z2-9]{5}-){3}[a-z2-9]{5}$/));
});

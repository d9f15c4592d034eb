import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePassword, hashPassword, SCRYPT_COST_DEFAULT, scryptCost, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hash at N=2^17 in production by default, and that hash verifies', async () => {
    assert.equal(scryptCost({}), SCRYPT_COST_DEFAULT);
    assert.equal(scryptCost({ NODE_ENV: 'production' }), 17);
    const hash = await hashPassword('correct horse battery', scryptCost({}));
    assert.match(hash, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery', hash), true);
  });
  it('use a low cost under the test harness, and the configured one when set', async () => {
    assert.equal(process.env.LEADBOX_TEST, '1', 'scripts/test.mjs sets LEADBOX_TEST=1');
    assert.equal(scryptCost({ LEADBOX_TEST: '1' }), 10);
    assert.equal(scryptCost({ LEADBOX_PASSWORD_SCRYPT_COST: '12' }), 12);
    assert.equal(scryptCost({ LEADBOX_TEST: '1', LEADBOX_PASSWORD_SCRYPT_COST: '14' }), 14);
    assert.throws(() => scryptCost({ LEADBOX_PASSWORD_SCRYPT_COST: '9' }), /10 to 20/);
    assert.throws(() => scryptCost({ LEADBOX_PASSWORD_SCRYPT_COST: 'high' }), /10 to 20/);
    assert.match(await hashPassword('x'), /^scrypt\$1024\$8\$1\$/);
  });
  it('verify against their scrypt hash and nothing else', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterz', hash), false);
    assert.equal(await verifyPassword('anything', null), false);
    assert.notEqual(await hashPassword('same'), await hashPassword('same'), 'salted');
  });
  it('generates typeable passwords', () => assert.match(generatePassword(), /^([a-z2-9]{5}-){3}[a-z2-9]{5}$/));
});

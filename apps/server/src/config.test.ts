import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('reads TRUST_PROXY as off, on, or a list of proxy addresses and CIDR ranges, and refuses anything else', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,::1' }).trustProxy, ['10.0.0.1', '172.16.0.0/12', '::1']);
    assert.throws(() => loadConfig({ TRUST_PROXY: 'yes' }), /TRUST_PROXY must be true, false or a list/);
    assert.throws(() => loadConfig({ TRUST_PROXY: '10.0.0.1, 300.1.1.1' }), /not understood: 300\.1\.1\.1/);
  });

  it('defaults to 127.0.0.1:3000 and ./data', () => {
    const config = loadConfig({}, '/srv/leadbox');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, '/srv/leadbox/data');
    assert.equal(config.databaseUrl, null);
    assert.equal(config.rateLimits.inbox.points, 100);
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
  });

  it('reads overrides', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', LEADBOX_DATA_DIR: '/var/lib/leadbox' }, '/x');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, '/var/lib/leadbox');
  });

  it('refuses a password hashing cost outside 10–20 at start-up', () => {
    assert.doesNotThrow(() => loadConfig({ LEADBOX_PASSWORD_SCRYPT_COST: '12' }));
    assert.throws(
      () => loadConfig({ LEADBOX_PASSWORD_SCRYPT_COST: '30' }),
      /LEADBOX_PASSWORD_SCRYPT_COST must be a whole number from 10 to 20/,
    );
  });

  it('reads the first-start owner from LEADBOX_ADMIN_* and refuses a weak, unreadable or doubly given password', () => {
    assert.deepEqual(loadConfig({}).admin, { email: null, password: null });
    assert.deepEqual(loadConfig({ LEADBOX_ADMIN_EMAIL: ' olga@acme.test ', LEADBOX_ADMIN_PASSWORD: 'a long secret 2026' }).admin, {
      email: 'olga@acme.test',
      password: 'a long secret 2026',
    });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    assert.match(problems({ LEADBOX_ADMIN_PASSWORD: 'short' }).join(), /LEADBOX_ADMIN_PASSWORD must be 10 to 200 characters/);
    assert.match(problems({ LEADBOX_ADMIN_PASSWORD: 'password123' }).join(), /most common/);
    assert.match(problems({ LEADBOX_ADMIN_EMAIL: 'not an email' }).join(), /LEADBOX_ADMIN_EMAIL must be an email address/);
    assert.match(problems({ LEADBOX_ADMIN_PASSWORD_FILE: '/nonexistent/secret' }).join(), /cannot be read \(ENOENT/);
    assert.match(
      problems({ LEADBOX_ADMIN_PASSWORD: 'a long secret 2026', LEADBOX_ADMIN_PASSWORD_FILE: '/nonexistent/secret' }).join(),
      /not both/,
    );
  });

  it('lists every bad value at once', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        assert.match(error.message, /PORT/);
        assert.match(error.message, /DATABASE_URL/);
        return true;
      },
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { type Database, DatabaseUnavailableError, openDatabase } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { newApiToken } from '../lib/tokens.js';
import { call, randomUuid, testConfig } from '../testing/harness.js';
import { freePort } from '../testing/server-process.js';
import { DATABASE_RETRY_AFTER_SECONDS, toAppError } from './errors.js';

describe('toAppError: a lost or unreachable database is a 503, anything else is not', () => {
  const lost = new DatabaseUnavailableError('PostgreSQL at db:5432/x: connection lost: terminated', 'connection lost');

  it('maps the error, and the error as a cause, to UNAVAILABLE with a retry hint', () => {
    for (const error of [lost, new Error('rollback failed', { cause: lost })]) {
      const appError = toAppError(error);
      assert.equal(appError.code, 'UNAVAILABLE');
      assert.equal(appError.status, 503);
      assert.equal(appError.meta.retryAfter, DATABASE_RETRY_AFTER_SECONDS);
      assert.equal(appError.message, 'Service unavailable', 'no host or database name towards the client');
    }
  });

  it('leaves query errors and bugs alone', () => {
    assert.equal(toAppError(Object.assign(new Error('duplicate key'), { code: '23505' })).code, 'INTERNAL');
    assert.equal(toAppError(new TypeError('x is undefined')).code, 'INTERNAL');
    assert.equal(toAppError(new AppError('NOT_FOUND', 'Lead not found')).code, 'NOT_FOUND');
  });
});

describe('every surface answers 503 with Retry-After while PostgreSQL cannot be reached', () => {
  let database: Database;
  let app: FastifyInstance;
  const token = newApiToken();

  before(async () => {
    // Nothing listens on this port: every connection attempt is refused.
    database = openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/leadbox`, dataDir: '' });
    app = await buildApp(testConfig({ LEADBOX_JOBS: 'false' }), { database });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await database?.close();
  });

  it('BotPenguin /inbox: 503 in its envelope', async () => {
    const res = await call(app, 'GET', '/inbox/segments', { token });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], String(DATABASE_RETRY_AFTER_SECONDS));
    assert.deepEqual(res.json, { success: false, message: 'Service unavailable', code: 503, data: [] });
  });

  it('PollyBot /api/v1: 503 in its envelope', async () => {
    const res = await call(app, 'POST', '/api/v1/leads', { token, body: { name: 'Ann', email: 'ann@example.com' } });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], String(DATABASE_RETRY_AFTER_SECONDS));
    assert.deepEqual(res.json, { success: false, error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' });
  });

  it('the widget API: 503 in the native envelope', async () => {
    const body = { uuid: randomUuid(), botId: '6b01c6db624194e3162ef5cf', customerId: '6b01c6db624194e3162ef5ce' };
    const res = await call(app, 'POST', '/widget/v1/session', { body });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], String(DATABASE_RETRY_AFTER_SECONDS));
    assert.deepEqual(res.json, { error: { code: 'UNAVAILABLE', message: 'Service unavailable', issues: [] } });
  });

  it('what needs no database is answered as usual: a request without a token is a 401', async () => {
    const res = await call(app, 'GET', '/inbox/segments');
    assert.equal(res.statusCode, 401);
  });

  it('/readyz is 503 and names the database; /healthz stays 200', async () => {
    const ready = await call(app, 'GET', '/readyz');
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json.status, 'not ready');
    assert.match(ready.json.database, /^failing: PostgreSQL at 127\.0\.0\.1:\d+\/leadbox: cannot connect: /);
    assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200);
  });
});

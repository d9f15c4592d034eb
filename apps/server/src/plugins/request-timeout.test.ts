import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../testing/harness.js';

// A client that sends its headers and then trickles (or never sends) its body holds a socket and
// a parser: it is answered 408 and cut off once the request timeout passes.

describe('slow requests', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig({ LEADBOX_REQUEST_TIMEOUT_MS: '500' }), { database: testDb.database });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
  });
  after(async () => {
    await app.close();
    await testDb.drop();
  });

  it('a body that never arrives is answered 408 and the connection closed, within seconds', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /widget/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"na');
      });
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.setTimeout(15_000, () => {
        socket.destroy();
        reject(new Error('still open after 15 s'));
      });
    });
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(Date.now() - started < 10_000);
  });
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { pino } from 'pino';
import { chooseLogStyle, RequestLogController } from './log-style.js';

describe('chooseLogStyle', () => {
  it('is human-readable and quiet about requests on a terminal, JSON with request lines otherwise', () => {
    assert.deepEqual(chooseLogStyle({ format: 'auto', nodeEnv: undefined, isTTY: true }), { pretty: true, requestLevel: 'debug' });
    assert.deepEqual(chooseLogStyle({ format: 'auto', nodeEnv: 'development', isTTY: true }), { pretty: true, requestLevel: 'debug' });
    assert.deepEqual(chooseLogStyle({ format: 'auto', nodeEnv: undefined, isTTY: false }), { pretty: false, requestLevel: 'info' });
    assert.deepEqual(chooseLogStyle({ format: 'auto', nodeEnv: 'production', isTTY: true }), { pretty: false, requestLevel: 'info' });
  });

  it('follows LOG_FORMAT whatever the terminal says', () => {
    assert.deepEqual(chooseLogStyle({ format: 'json', nodeEnv: undefined, isTTY: true }), { pretty: false, requestLevel: 'info' });
    assert.deepEqual(chooseLogStyle({ format: 'pretty', nodeEnv: 'production', isTTY: false }), { pretty: true, requestLevel: 'debug' });
  });
});

describe('RequestLogController', () => {
  const appLogging = async (requestLevel: 'info' | 'debug', level: 'info' | 'debug') => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = Fastify({
      loggerInstance: pino({ level }, sink),
      logController: new RequestLogController(requestLevel, (r) => r.url === '/healthz'),
    });
    app.get('/ok', async () => 'ok');
    app.get('/healthz', async () => 'ok');
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    for (const url of ['/ok', '/healthz', '/boom']) await app.inject({ url });
    await app.close();
    return lines;
  };

  it('at debug, LOG_LEVEL=info shows no request lines but still the errors', async () => {
    const lines = await appLogging('debug', 'info');
    assert.equal(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').length, 0);
    assert.ok(
      lines.some((l) => l.level >= 50),
      'the 500 is still logged as an error',
    );
  });

  it('at debug, LOG_LEVEL=debug shows them (never the probes)', async () => {
    const lines = await appLogging('debug', 'debug');
    const requests = lines.filter((l) => l.msg === 'incoming request');
    assert.equal(requests.length, 2, 'two of the three requests: /healthz is left out');
    assert.ok(requests.every((l) => l.level === 20));
  });

  it('at info, as before: a line per request at info', async () => {
    const lines = await appLogging('info', 'info');
    assert.equal(lines.filter((l) => l.msg === 'incoming request' && l.level === 30).length, 2);
  });
});

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isPublicAddress, signPayload, urlProblem } from './delivery-target.js';

describe('webhook targets', () => {
  it('treats only public unicast addresses as public', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(isPublicAddress(a), true, a);
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::127.0.0.1',
      '::7f00:1',
      '::a00:1',
      '224.0.0.1',
    ]) {
      assert.equal(isPublicAddress(a), false, a);
    }
  });
  it('refuses private and malformed URLs unless private targets are allowed', () => {
    assert.equal(urlProblem('https://hooks.example.com/x', false), null);
    assert.match(urlProblem('http://127.0.0.1:9000/', false) ?? '', /private/);
    assert.match(urlProblem('http://localhost/', false) ?? '', /private/);
    assert.match(urlProblem('http://[::1]/', false) ?? '', /private/);
    assert.match(urlProblem('http://[::127.0.0.1]/', false) ?? '', /private/, 'IPv4-compatible IPv6 (URL writes it [::7f00:1])');
    assert.match(urlProblem('ftp://example.com/', false) ?? '', /http/);
    assert.match(urlProblem('https://user:pw@example.com/', false) ?? '', /credentials/);
    assert.match(urlProblem('not a url', false) ?? '', /valid URL/);
    assert.equal(urlProblem('http://127.0.0.1:9000/', true), null);
  });
});

describe('signPayload', () => {
  it('signs the raw body and the timestamped body with the secret', () => {
    const signed = signPayload('s3cret', '{"a":1}', 'dlv_1', 'lead.created', 1700000000);
    assert.equal(signed.headers['x-webhook-signature'], `sha256=${createHmac('sha256', 's3cret').update('{"a":1}').digest('hex')}`);
    assert.equal(
      signed.headers['x-webhook-signature-timestamped'],
      `t=1700000000,sha256=${createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex')}`,
    );
    assert.equal(signed.headers['x-webhook-id'], 'dlv_1');
    assert.equal(signed.headers['x-webhook-timestamp'], '1700000000');
  });
});

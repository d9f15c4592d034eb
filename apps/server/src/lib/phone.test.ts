import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPhone, isPlausiblePhone, phoneKey, splitPhone } from './phone.js';

describe('phone helpers', () => {
  it('phoneKey joins dial code and number as digits', () => assert.equal(phoneKey('+91', '98765 43210'), '919876543210'));
  it('phoneKey is null without a number', () => assert.equal(phoneKey('91', ''), null));
  it('splits international numbers into dial code and national number', () => {
    assert.deepEqual(splitPhone('+1-555-123-4567'), { prefix: '1', number: '5551234567' });
    assert.deepEqual(splitPhone('+91 98765 43210'), { prefix: '91', number: '9876543210' });
    assert.deepEqual(splitPhone('+44 20 7946 0958'), { prefix: '44', number: '2079460958' });
  });
  it('keeps the digits as the number when there is no dial code', () =>
    assert.deepEqual(splitPhone('(555) 123-4567'), { prefix: null, number: '5551234567' }));
  it('accepts phone-like text only', () => {
    assert.equal(isPlausiblePhone('+1-555-123-4567'), true);
    assert.equal(isPlausiblePhone('call me'), false);
    assert.equal(isPlausiblePhone('12'), false);
    assert.equal(isPlausiblePhone('1234567890123456'), false);
  });
  it('formats a stored phone', () => {
    assert.equal(formatPhone('91', '9876543210'), '+91 9876543210');
    assert.equal(formatPhone(null, '5551234'), '5551234');
    assert.equal(formatPhone('1', null), null);
  });
});

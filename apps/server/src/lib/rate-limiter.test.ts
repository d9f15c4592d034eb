import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryRateLimiter, slidingWindowMemoryLimiter } from './rate-limiter.js';

describe('memoryRateLimiter', () => {
  it('allows exactly the limit per window, then refuses with a retry time', async () => {
    const limiter = memoryRateLimiter({ points: 3, windowSeconds: 60 }, 'test');
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('k'));
    assert.deepEqual(
      decisions.map((d) => [d.allowed, d.remaining]),
      [
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ],
    );
    const refused = decisions[3];
    assert.ok(refused && refused.retryAfterSeconds >= 59 && refused.retryAfterSeconds <= 60);
  });

  it('keeps keys apart and peeks without counting', async () => {
    const limiter = memoryRateLimiter({ points: 1, windowSeconds: 60 }, 'test2');
    assert.equal((await limiter.consume('a')).allowed, true);
    assert.equal((await limiter.peek('b')).remaining, 1);
    assert.equal((await limiter.consume('b')).allowed, true);
    assert.equal((await limiter.peek('a')).remaining, 0);
  });
});

describe('slidingWindowMemoryLimiter', () => {
  it('frees one slot as each counted request leaves the window', async () => {
    let t = 1_000_000;
    const limiter = slidingWindowMemoryLimiter({ points: 2, windowSeconds: 10 }, () => t);
    assert.equal((await limiter.consume('k')).allowed, true);
    t += 4_000;
    assert.equal((await limiter.consume('k')).allowed, true);
    t += 1_000;
    const refused = await limiter.consume('k');
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterSeconds, 5, 'the first request leaves 10s after it was made');
    assert.equal(refused.resetAtMs, 1_000_000 + 10_000);
    t = 1_000_000 + 10_001;
    const after = await limiter.consume('k');
    assert.equal(after.allowed, true);
    assert.equal(after.remaining, 0, 'the second request is still in the window');
  });
});

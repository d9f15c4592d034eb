import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDialect } from '../testing/harness.js';

describeEachDialect(
  'security headers',
  (ctx) => {
    const get = (url: string) => ctx().app.inject({ method: 'GET', url });

    it('every answer says nosniff and a referrer policy; the widget script stays loadable by any site', async () => {
      for (const url of ['/healthz', '/botpenguin.js', '/openapi.json']) {
        const res = await get(url);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
        assert.ok(res.headers['referrer-policy'], url);
      }
      assert.equal((await get('/botpenguin.js')).headers['cross-origin-resource-policy'], 'cross-origin');
    });

    it('the panel may not be framed and runs only its own scripts; the bot page may be framed by the configured sites', async () => {
      const panel = await get('/panel/');
      assert.match(String(panel.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(String(panel.headers['content-security-policy']), /script-src 'self'/);
      const { a } = ctx();
      const page = await get(`/page/${a.botId}/${a.customerId}`);
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors https:\/\/shop\.example/);
    });
  },
  { env: { LEADBOX_FRAME_ANCESTORS: 'https://shop.example' } },
);

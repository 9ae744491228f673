'use strict';
// Browser test of the text-to-speech page (voice, rate, preview played in an <audio>),
// run with `node --test tests/browser/` (environment: see browser_lib.cjs). It puts the
// demo tenant's TTS settings back as it found them.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, withPage, sel, visible, textarea, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');

if (skip) console.log(`# skipping TTS browser tests: ${skip}`);

test('admin sets the voice and rate, and previews a text', { skip, timeout: 180000 }, async () => {
  await withPage('tts', async (page) => {
    await loginAdmin(page);
    const before = await apiCall(page, 'GET', '/api/v1/tts/settings');
    assert.equal(before.status, 200);
    try {
      // the menu entry and the page, in Chinese first
      await visible(page, 'menu-tts').click();
      await page.locator(sel('page-tts')).waitFor();
      assert.match(await page.locator(`${sel('page-tts')} h2`).innerText(), /语音合成/);
      await switchLang(page, 'en');
      await page.waitForFunction(() => /Text to speech/.test(document.querySelector('[data-test="page-tts"] h2').innerText));

      // voice and rate, saved
      await page.locator(sel('tts-voice')).click();
      await page.locator('.el-select-dropdown__item:visible', { hasText: 'American' }).click();
      const slider = page.locator(`${sel('tts-rate')} .el-slider__button-wrapper`);
      await slider.focus();
      for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
      const shown = await page.locator(sel('tts-rate-value')).innerText();
      const rate = Number(shown.match(/\d+/)[0]);
      assert.notEqual(rate, before.body.rate, `the slider moved (${shown})`);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/tts/settings') && r.request().method() === 'PUT');
      await page.locator(sel('tts-save')).click();
      assert.equal((await saved).status(), 200);
      const after = await apiCall(page, 'GET', '/api/v1/tts/settings');
      assert.equal(after.body.voice, 'en-us');
      assert.equal(after.body.rate, rate);

      // a preview plays in the page's <audio>
      await textarea(page, 'tts-text').fill('Welcome to the hotline');
      await page.locator('.el-input__count:visible', { hasText: '22 / 600' }).waitFor();
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/tts/preview'));
      await page.locator(sel('tts-preview')).click();
      const res = await answer;
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'audio/wav');
      const audio = page.locator(sel('tts-audio'));
      await audio.waitFor();
      const duration = await audio.evaluate((a) => new Promise((resolve) => {
        if (a.readyState >= 1) resolve(a.duration);
        else a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
      }));
      assert.ok(duration > 0.5, `audio of ${duration} s`);
      assert.match(await audio.getAttribute('src'), /^blob:/);

      // nothing to say: the button is off
      await textarea(page, 'tts-text').fill('   ');
      assert.ok(await page.locator(sel('tts-preview')).isDisabled(), 'nothing to say: the button is off');
    } finally {
      await apiCall(page, 'PUT', '/api/v1/tts/settings', { voice: before.body.voice, rate: before.body.rate });
    }
  });
});

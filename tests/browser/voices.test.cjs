'use strict';
// Browser test of the voice library and music-on-hold pages, run with `node --test tests/browser/`.
// Same environment as console.test.cjs:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of a running hotlined serving web/dist
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// plus playwright-core from web/node_modules and chromium (/usr/bin/chromium or CHROMIUM_PATH).
// Without HOTLINE_URL every test is skipped. On failure a screenshot is saved under
// build/test-results/.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  skip, RUN, withPage, sel, visible, input, loginAdmin, switchLang,
} = require('./browser_lib.cjs');

if (skip) console.log(`# skipping voice library browser tests: ${skip}`);

/** A 16-bit mono WAV of a sine, made here (no fixture). 330 Hz: no phone of the call tests sends it, and
 *  the class made here is the demo tenant's music on hold while it exists (the browser tests run side by
 *  side), so a held caller of another test hears it without mistaking it for a phone's tone. */
function wav(seconds = 1, rate = 16000, hz = 330) {
  const n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  return b;
}

async function uploadFile(page, name, file) {
  await page.locator(sel('voice-upload')).click();
  await visible(page, 'voice-upload-dialog').waitFor();
  await input(page, 'voice-name').fill(name);
  await page.locator(`${sel('voice-file')} input[type=file]`).setInputFiles(file);
  await visible(page, 'voice-upload-save').click();
}

const row = (page, table, text) => page.locator(`${sel(table)} .el-table__body tr`, { hasText: text }).first();

test('admin uploads, listens to, approves a voice, puts it on hold music and cannot delete it', { skip, timeout: 120000 }, async () => {
  await withPage('voices', async (page) => {
    await loginAdmin(page);
    await page.locator(sel('menugroup-media')).waitFor();
    assert.equal((await page.locator(sel('menu-voices')).innerText()).trim(), '语音库');
    await page.locator(sel('menu-voices')).click();
    await page.locator(sel('page-voices')).waitFor();

    // a text file called .mp3 is refused with the daemon's reason, and nothing is listed
    await uploadFile(page, `Bad ${RUN}`, { name: 'prompt.mp3', mimeType: 'audio/mpeg', buffer: Buffer.from('just some text\n') });
    await page.locator('.el-message--error', { hasText: 'not audio' }).waitFor();
    await page.keyboard.press('Escape');

    // a WAV is uploaded as the raw body and waits for review
    const name = `Welcome ${RUN}`;
    await uploadFile(page, name, { name: 'welcome.wav', mimeType: 'audio/wav', buffer: wav(1.5) });
    const r = row(page, 'voice-table', name);
    await r.waitFor();
    assert.equal((await r.locator(sel('voice-status')).innerText()).trim(), '待审核');
    assert.equal(await page.locator(`${sel('voice-table')} .el-table__body tr`, { hasText: `Bad ${RUN}` }).count(), 0);

    // the player gets the normalised audio from the daemon
    const duration = await r.locator(sel('voice-player')).evaluate((a) => new Promise((resolve, reject) => {
      a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
      a.addEventListener('error', () => reject(new Error('audio error ' + (a.error && a.error.code))), { once: true });
      a.preload = 'metadata';
      a.load();
    }));
    assert.ok(Math.abs(duration - 1.5) < 0.05, `duration ${duration}`);

    // approve it
    await r.locator(sel('voice-review')).click();
    await visible(page, 'voice-review-dialog').waitFor();
    await visible(page, 'voice-review-save').click();
    await page.waitForFunction(([n]) => [...document.querySelectorAll('[data-test="voice-table"] .el-table__body tr')]
      .some((tr) => tr.textContent.includes(n) && tr.textContent.includes('审核通过')), [name]);

    // a music-on-hold class plays it
    await page.locator(sel('menu-moh')).click();
    await page.locator(sel('page-moh')).waitFor();
    await page.locator(sel('moh-create')).click();
    await visible(page, 'moh-dialog').waitFor();
    const cls = `Queue music ${RUN}`;
    await input(page, 'moh-name').fill(cls);
    await visible(page, 'moh-voices').click();
    await page.locator(`${sel('moh-voices-opt-' + name)}:visible`).click();
    await page.keyboard.press('Escape');
    await visible(page, 'moh-save').click();
    await row(page, 'moh-table', cls).waitFor();
    assert.match(await row(page, 'moh-table', cls).innerText(), new RegExp(`1\\. ${name}`));

    // so the voice cannot be deleted: the message names the class
    await page.locator(sel('menu-voices')).click();
    await row(page, 'voice-table', name).locator(sel('voice-delete')).click();
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await page.locator('.el-message--error', { hasText: cls }).waitFor();
    await row(page, 'voice-table', name).waitFor();

    // English
    await switchLang(page, 'en');
    assert.equal((await page.locator(sel('menu-voices')).innerText()).trim(), 'Voice library');
    assert.equal((await row(page, 'voice-table', name).locator(sel('voice-status')).innerText()).trim(), 'Approved');
  });
});

'use strict';
// Browser tests of the recording pages (Recordings list, Recording policy) and the Recording
// select of the extension dialog, run with `node --test tests/browser/` (environment: see
// browser_lib.cjs). The demo tenant's policy is put back as it was found.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, withPage, sel, visible, input, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');

if (skip) console.log(`# skipping recording browser tests: ${skip}`);

const POLICY = '/api/v1/recording-policy';

test('admin sets the recording policy and runs the clean-up', { skip, timeout: 120000 }, async () => {
  await withPage('recording-policy', async (page) => {
    await loginAdmin(page);
    const before = await apiCall(page, 'GET', POLICY);
    assert.equal(before.status, 200);
    const { inbound, outbound, internal, format, mode, retention_days } = before.body;
    try {
      await apiCall(page, 'PUT', POLICY, { inbound: false, outbound: false, internal: false, format: 'wav',
        mode: 'stereo', retention_days: 90 });
      await visible(page, 'menu-recording-policy').click();
      await page.locator(sel('page-recording-policy')).waitFor();
      assert.match(await page.locator(`${sel('page-recording-policy')} h2`).innerText(), /录音策略/);

      await page.locator(sel('policy-inbound')).click();
      await page.locator(sel('policy-internal')).click();
      await page.locator(`${sel('policy-format')} label`, { hasText: 'MP3' }).click();
      await page.locator(`${sel('policy-mode')} label`, { hasText: '单声道' }).click();
      await input(page, 'policy-retention').fill('30');
      const saved = page.waitForResponse((r) => r.url().endsWith(POLICY) && r.request().method() === 'PUT');
      await page.locator(sel('policy-save')).click();
      assert.equal((await saved).status(), 200);
      const after = await apiCall(page, 'GET', POLICY);
      assert.deepEqual(
        [after.body.inbound, after.body.outbound, after.body.internal, after.body.format, after.body.mode,
          after.body.retention_days],
        [true, false, true, 'mp3', 'mono', 30],
      );
      await page.waitForFunction(() => /保存于/.test(document.querySelector('[data-test="policy-saved"]').innerText));

      const cleaned = page.waitForResponse((r) => r.url().endsWith('/api/v1/recordings/cleanup'));
      await page.locator(sel('policy-cleanup')).click();
      const res = await cleaned;
      assert.equal(res.status(), 200);
      assert.equal(typeof (await res.json()).deleted, 'number');

      await switchLang(page, 'en');
      await page.waitForFunction(() =>
        /Recording policy/.test(document.querySelector('[data-test="page-recording-policy"] h2').innerText));
    } finally {
      await apiCall(page, 'PUT', POLICY, { inbound, outbound, internal, format, mode, retention_days });
    }
  });
});

test('the recordings page lists, filters and says when there is nothing', { skip, timeout: 120000 }, async () => {
  await withPage('recordings', async (page) => {
    await loginAdmin(page);
    await visible(page, 'menu-recordings').click();
    await page.locator(sel('page-recordings')).waitFor();
    assert.match(await page.locator(`${sel('page-recordings')} h2`).innerText(), /录音记录/);
    const listed = await apiCall(page, 'GET', '/api/v1/recordings');
    assert.equal(listed.status, 200);
    if (listed.body.total === 0) {
      await page.locator(`${sel('recordings-table')} .el-table__empty-text`, { hasText: '暂无录音' }).waitFor();
    }
    // a filter goes to the API
    await page.locator(sel('recordings-format')).click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'MP3' }).click();
    const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/recordings?') && r.url().includes('format=mp3'));
    await page.locator(sel('recordings-search')).click();
    assert.equal((await filtered).status(), 200);
    await switchLang(page, 'en');
    await page.waitForFunction(() => /Recordings/.test(document.querySelector('[data-test="page-recordings"] h2').innerText));
  });
});

test('the extension dialog sets whether its calls are recorded', { skip, timeout: 120000 }, async () => {
  await withPage('extension-record', async (page) => {
    await loginAdmin(page);
    await visible(page, 'menu-extensions').click();
    await page.locator(sel('page-extensions')).waitFor();
    let created = null;
    for (let attempt = 0; attempt < 5 && !created; attempt++) {
      if (attempt === 0) {
        await page.locator(sel('ext-create')).click();
        await visible(page, 'ext-dialog').waitFor();
        await page.locator(sel('ext-form-generate')).click();
        await page.locator(sel('ext-form-record')).click();
        await visible(page, 'ext-record-never').click();
      }
      await input(page, 'ext-form-number').fill(String(100000 + Math.floor(Math.random() * 900000)));
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/extensions') && r.request().method() === 'POST');
      await page.locator(sel('ext-save')).click();
      const res = await saved;
      if (res.status() === 409) continue;
      assert.equal(res.status(), 201);
      created = await res.json();
    }
    assert.ok(created, 'an extension was created');
    try {
      assert.equal(created.record, 'never');
    } finally {
      await apiCall(page, 'DELETE', `/api/v1/extensions/${created.id}`);
    }
  });
});

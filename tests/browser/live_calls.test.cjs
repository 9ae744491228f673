'use strict';
// Browser tests of the live calls page and the extensions' call features (DND, forwarding),
// run with `node --test tests/browser/`. Same environment as console.test.cjs:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of a running hotlined serving web/dist
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// plus playwright-core from web/node_modules and chromium (/usr/bin/chromium or CHROMIUM_PATH).
// Without HOTLINE_URL every test is skipped. On failure a screenshot is saved under
// build/test-results/. The live calls test expects no call in progress in the tenant.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  skip, RUN, withPage, sel, visible, input, loginAdmin, switchLang, apiCall,
} = require('./browser_lib.cjs');

if (skip) console.log(`# skipping live calls browser tests: ${skip}`);


/** The header texts of an el-table. */
async function headers(page, table) {
  const cells = await page.locator(`${sel(table)} .el-table__header-wrapper th .cell`).allInnerTexts();
  return cells.map((c) => c.trim()).filter(Boolean);
}

/** An extension number (8 digits) unlikely to be taken. */
const newNumber = () => String(60000000 + Math.floor(Math.random() * 9999999));

test('admin opens the live calls page in both languages', { skip, timeout: 120000 }, async () => {
  await withPage('live-page', async (page) => {
    await loginAdmin(page);

    await page.locator(sel('menugroup-records')).waitFor();
    assert.equal((await page.locator(sel('menu-live-calls')).innerText()).trim(), '实时通话');
    const first = page.waitForResponse((r) => r.url().endsWith('/api/v1/calls/live') && r.request().method() === 'GET');
    await page.locator(sel('menu-live-calls')).click();
    await page.locator(sel('page-live-calls')).waitFor();
    const res = await first;
    if (res.status() === 503) {
      // telephony is off (--sip off): the page says so instead of showing a table
      await page.locator(sel('live-unavailable')).waitFor();
      assert.ok((await page.locator(sel('live-unavailable')).innerText()).includes('电话服务未运行'));
      return;
    }
    assert.equal(res.status(), 200, `GET /calls/live answered ${res.status()}`);
    const data = await res.json();
    assert.equal(data.total, 0, 'no call in progress in the tenant');
    assert.equal((await page.locator(sel('live-title')).innerText()).trim(), '实时通话');

    // the empty state and the table headers
    const empty = page.locator(`${sel('live-table')} .el-table__empty-text`);
    await empty.waitFor();
    assert.equal((await empty.innerText()).trim(), '当前没有进行中的通话');
    const zh = await headers(page, 'live-table');
    for (const h of ['方向', '主叫', '被叫', '状态', '开始时间', '通话时长', '接听方', '操作']) {
      assert.ok(zh.includes(h), `header "${h}" in ${JSON.stringify(zh)}`);
    }

    // it refreshes by itself (every 2 s)
    await page.waitForResponse((r) => r.url().endsWith('/api/v1/calls/live') && r.status() === 200, { timeout: 6000 });

    // hanging up a call that is not in progress: the server answers 404
    const gone = await apiCall(page, 'DELETE', '/api/v1/calls/live/does-not-exist');
    assert.equal(gone.status, 404);

    // English
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="live-title"]').innerText.trim() === 'Live calls');
    assert.equal((await page.locator(sel('menu-live-calls')).innerText()).trim(), 'Live calls');
    assert.equal((await empty.innerText()).trim(), 'No calls in progress');
    const en = await headers(page, 'live-table');
    for (const h of ['Direction', 'Caller', 'Callee', 'State', 'Started', 'Talk time', 'Answered by', 'Actions']) {
      assert.ok(en.includes(h), `header "${h}" in ${JSON.stringify(en)}`);
    }
    await switchLang(page, 'zh-CN');
  });
});

test('admin turns do-not-disturb on and off in the extension dialog', { skip, timeout: 120000 }, async () => {
  await withPage('ext-dnd', async (page) => {
    await loginAdmin(page);

    // an extension to work on, made through the API
    let ext = null;
    for (let attempt = 0; attempt < 5 && !ext; attempt++) {
      const r = await apiCall(page, 'POST', '/api/v1/extensions', { number: newNumber(), display_name: `DND ${RUN}` });
      if (r.status === 409) continue;
      assert.equal(r.status, 201, `create extension answered ${r.status}`);
      ext = r.body;
    }
    assert.ok(ext, 'an extension was created');
    assert.equal(ext.dnd, false);
    assert.equal(ext.no_answer_seconds, 20);
    const number = ext.number;
    const row = `${sel('ext-table')} tr:has(${sel(`ext-reg-${number}`)})`;

    try {
      await page.locator(sel('menu-extensions')).click();
      await page.locator(sel('page-extensions')).waitFor();
      await input(page, 'ext-search').fill(number);
      await page.locator(sel('ext-search-btn')).click();
      await page.locator(sel(`ext-reg-${number}`)).waitFor();
      assert.equal(await page.locator(`${row} ${sel('ext-dnd-tag')}`).count(), 0, 'no DND tag yet');

      // edit: the call features are in the dialog, with their defaults
      await page.locator(`${row} ${sel('ext-edit')}`).click();
      await visible(page, 'ext-dialog').waitFor();
      assert.equal(await input(page, 'ext-form-no-answer-seconds').inputValue(), '20');
      assert.equal(await input(page, 'ext-form-fwd-busy').inputValue(), '');

      // a forwarding target is checked as the server does: a number, not the extension itself
      const fwd = input(page, 'ext-form-fwd-busy');
      const fwdError = page.locator(`.el-form-item:has(${sel('ext-form-fwd-busy')}) .el-form-item__error`);
      await fwd.fill('12a');
      await fwd.blur();
      await fwdError.waitFor();
      await fwd.fill(number);
      await fwd.blur();
      await fwdError.waitFor();
      await fwd.fill('');
      await fwd.blur();
      await fwdError.waitFor({ state: 'detached' });

      // DND on, save
      const sw = visible(page, 'ext-form-dnd');
      const isOn = () => sw.evaluate((el) => (el.closest('.el-switch') || el).classList.contains('is-checked'));
      assert.equal(await isOn(), false);
      await sw.click();
      let saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/extensions/${ext.id}`) && r.request().method() === 'PATCH');
      await page.locator(sel('ext-save')).click();
      let res = await saved;
      assert.equal(res.status(), 200, `PATCH answered ${res.status()}`);
      assert.equal((await res.json()).dnd, true);
      const tag = page.locator(`${row} ${sel('ext-dnd-tag')}`);
      await tag.waitFor();
      assert.equal((await tag.innerText()).trim(), '免打扰');

      // and off again
      await page.locator(`${row} ${sel('ext-edit')}`).click();
      await visible(page, 'ext-dialog').waitFor();
      assert.equal(await isOn(), true);
      await sw.click();
      saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/extensions/${ext.id}`) && r.request().method() === 'PATCH');
      await page.locator(sel('ext-save')).click();
      res = await saved;
      assert.equal(res.status(), 200);
      assert.equal((await res.json()).dnd, false);
      await tag.waitFor({ state: 'detached' });
    } finally {
      const del = await apiCall(page, 'DELETE', `/api/v1/extensions/${ext.id}`);
      assert.equal(del.status, 204);
    }
  });
});

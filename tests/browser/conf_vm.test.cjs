'use strict';
// Browser tests of the Conference rooms and Voicemail pages, run with `node --test tests/browser/`.
// Environment and set-up: browser_lib.cjs (HOTLINE_URL, HOTLINE_ADMIN_PASSWORD, chromium).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, RUN, withPage, sel, visible, input, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');

if (skip) console.log(`# skipping conference/voicemail browser tests: ${skip}`);

/** A number (7 digits) unlikely to be taken by an extension, room or box. */
const newNumber = () => String(4000000 + Math.floor(Math.random() * 5999999));

async function confirmDelete(page, urlPart) {
  const removed = page.waitForResponse((r) => r.url().includes(urlPart) && r.request().method() === 'DELETE');
  await page.locator('.el-message-box__btns .el-button--primary').click();
  assert.equal((await removed).status(), 204);
}

test('admin adds a conference room with PINs, edits and deletes it, in both languages', { skip, timeout: 120000 }, async () => {
  await withPage('conference-rooms', async (page) => {
    await loginAdmin(page);
    await page.locator(sel('menugroup-telephony')).waitFor();
    assert.equal((await page.locator(sel('menu-conferences')).innerText()).trim(), '语音会议');
    await page.locator(sel('menu-conferences')).click();
    await page.locator(sel('page-conferences')).waitFor();

    // equal PINs are refused before anything is sent
    await page.locator(sel('conf-create')).click();
    await visible(page, 'conf-dialog').waitFor();
    await input(page, 'conf-name').fill(`Board ${RUN}`);
    await input(page, 'conf-pin').fill('1234');
    await input(page, 'conf-admin-pin').fill('1234');
    await input(page, 'conf-number').fill(newNumber());
    await page.locator(sel('conf-save')).click();
    await page.locator('.el-message', { hasText: '管理员密码不能与使用密码相同' }).waitFor();

    let created = null;
    let number = '';
    await input(page, 'conf-admin-pin').fill('999');
    for (let attempt = 0; attempt < 5 && !created; attempt++) {
      number = newNumber();
      await input(page, 'conf-number').fill(number);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/conference-rooms') && r.request().method() === 'POST');
      await page.locator(sel('conf-save')).click();
      const res = await saved;
      if (res.status() === 409) continue;
      assert.equal(res.status(), 201, `create room answered ${res.status()}`);
      created = await res.json();
    }
    assert.ok(created, 'a room was created');
    assert.deepEqual([created.pin, created.admin_pin, created.max_members], ['1234', '999', 10]);

    // listed with PIN tags, never the PINs themselves
    await input(page, 'conf-search').fill(number);
    await page.keyboard.press('Enter');
    const row = page.locator(`${sel('conf-table')} tr:has(${sel(`conf-number-${number}`)})`);
    await row.waitFor();
    const text = await row.innerText();
    assert.ok(text.includes('有密码') && text.includes('管理员密码'), text);
    assert.ok(!text.includes('1234'), 'the list shows no PIN');

    // editing reads the room with its PINs
    await row.locator(sel('conf-edit')).click();
    await visible(page, 'conf-dialog').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-test="conf-pin"]').value === '1234');
    await input(page, 'conf-pin').fill('');
    const updated = page.waitForResponse((r) => r.url().includes(`/api/v1/conference-rooms/${created.id}`) && r.request().method() === 'PATCH');
    await page.locator(sel('conf-save')).click();
    const upd = await (await updated).json();
    assert.deepEqual([upd.has_pin, upd.admin_pin], [false, '999']);
    await row.locator('.el-tag', { hasText: '无密码' }).waitFor();

    // who is in the room now: nobody (the participants API, answered live)
    const people = page.waitForResponse((r) => r.url().endsWith(`/api/v1/conference-rooms/${created.id}/participants`));
    await row.locator(sel('conf-live')).click();
    assert.equal((await people).status(), 200);
    await page.locator(`${sel('conf-participants')} .el-table__empty-text`, { hasText: '会议室里没有人' }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(`${sel('conf-live-drawer')}`).waitFor({ state: 'hidden' });

    // English
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="conf-title"]').innerText.trim() === 'Conference rooms');
    assert.equal((await page.locator(sel('menu-voicemail')).innerText()).trim(), 'Voicemail');
    await row.locator(sel('conf-delete')).click();
    await confirmDelete(page, `/api/v1/conference-rooms/${created.id}`);
    await switchLang(page, 'zh-CN');
  });
});

test('admin adds an extension box and a tenant box, and sees the messages tab', { skip, timeout: 120000 }, async () => {
  await withPage('voicemail', async (page) => {
    await loginAdmin(page);
    // an extension to give a box to
    let ext = null;
    for (let attempt = 0; attempt < 5 && !ext; attempt++) {
      const r = await apiCall(page, 'POST', '/api/v1/extensions', { number: newNumber(), display_name: `VM ${RUN}` });
      if (r.status === 201) ext = r.body;
    }
    assert.ok(ext, 'an extension was created');

    await page.locator(sel('menu-voicemail')).click();
    await page.locator(sel('page-voicemail')).waitFor();
    assert.equal((await page.locator(sel('vm-title')).innerText()).trim(), '语音信箱');

    // the extension's own box: picked from the extensions
    await page.locator(sel('vm-box-create')).click();
    await visible(page, 'vm-box-dialog').waitFor();
    await page.locator(`${sel('vm-box-extension')}`).click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: `VM ${RUN}` }).click();
    await input(page, 'vm-box-pin').fill('4321');
    const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/voicemail-boxes') && r.request().method() === 'POST');
    await page.locator(sel('vm-box-save')).click();
    const extBox = await (await made).json();
    assert.deepEqual([extBox.extension_id, extBox.number, extBox.pin, extBox.max_message_s], [ext.id, ext.number, '4321', 120]);
    await page.locator(sel(`vm-box-${ext.number}`)).waitFor();

    // a tenant box on the extension's number is refused with the server's message
    await page.locator(sel('vm-box-create')).click();
    await visible(page, 'vm-box-dialog').waitFor();
    await page.locator(`${sel('vm-box-kind')} .el-radio`, { hasText: '公共信箱' }).click();
    await input(page, 'vm-box-number').fill(ext.number);
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/voicemail-boxes') && r.request().method() === 'POST');
    await page.locator(sel('vm-box-save')).click();
    assert.equal((await refused).status(), 409);
    await page.locator('.api-error', { hasText: 'extension' }).waitFor();
    let tenantBox = null;
    for (let attempt = 0; attempt < 5 && !tenantBox; attempt++) {
      await input(page, 'vm-box-number').fill(newNumber());
      await input(page, 'vm-box-name').fill(`Sales ${RUN}`);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/voicemail-boxes') && r.request().method() === 'POST');
      await page.locator(sel('vm-box-save')).click();
      const res = await saved;
      if (res.status() === 409) continue;
      assert.equal(res.status(), 201);
      tenantBox = await res.json();
    }
    assert.ok(tenantBox);
    assert.equal(tenantBox.extension_id, null);

    // its message count opens the messages tab filtered by the box (no messages yet)
    const listed = page.waitForResponse((r) => r.url().includes('/api/v1/voicemail-messages?') && r.url().includes(`box_id=${tenantBox.id}`));
    await page.locator(sel(`vm-box-count-${tenantBox.number}`)).click();
    assert.equal((await listed).status(), 200);
    await page.locator(`${sel('vm-msg-table')} .el-table__empty-text`).waitFor();

    // English, then clean up through the API
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="vm-title"]').innerText.trim() === 'Voicemail');
    await switchLang(page, 'zh-CN');
    for (const url of [`/api/v1/voicemail-boxes/${extBox.id}`, `/api/v1/voicemail-boxes/${tenantBox.id}`, `/api/v1/extensions/${ext.id}`]) {
      assert.equal((await apiCall(page, 'DELETE', url)).status, 204, url);
    }
  });
});

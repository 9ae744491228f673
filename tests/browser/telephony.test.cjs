'use strict';
// Browser tests of the console's telephony pages (Extensions, Call records, Speed dial), run with
// `node --test tests/browser/`. Same environment as console.test.cjs:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of a running hotlined serving web/dist
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// plus playwright-core from web/node_modules and chromium (/usr/bin/chromium or CHROMIUM_PATH).
// Without HOTLINE_URL every test is skipped. On failure a screenshot is saved under
// build/test-results/.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  skip, BASE, TENANT, RUN, withPage, sel, visible, input, loginAdmin, switchLang, apiCall, pickOption,
} = require('./browser_lib.cjs');

if (skip) console.log(`# skipping telephony browser tests: ${skip}`);

/** An extension number (8 digits) unlikely to be taken. */
const newNumber = () => String(70000000 + Math.floor(Math.random() * 29999999));

test('admin creates an extension and opens the call records, in both languages', { skip, timeout: 120000 }, async () => {
  await withPage('extension-calls', async (page) => {
    await loginAdmin(page);

    // the menu groups and entries are there (the built-in Administrator holds every key)
    await page.locator(sel('menugroup-telephony')).waitFor();
    await page.locator(sel('menugroup-records')).waitFor();
    assert.equal((await page.locator(sel('menu-extensions')).innerText()).trim(), '分机管理');

    // create an extension through the dialog, with a generated password
    await page.locator(sel('menu-extensions')).click();
    await page.locator(sel('page-extensions')).waitFor();
    let created = null;
    let number = '';
    for (let attempt = 0; attempt < 5 && !created; attempt++) {
      number = newNumber();
      if (attempt === 0) {
        await page.locator(sel('ext-create')).click();
        await visible(page, 'ext-dialog').waitFor();
        await page.locator(sel('ext-form-generate')).click();
        const pw = await input(page, 'ext-form-password').inputValue();
        assert.match(pw, /^[A-Za-z0-9]{16}$/, 'the generate button fills a password');
        await input(page, 'ext-form-display-name').fill(`Phone ${RUN}`);
      }
      await input(page, 'ext-form-number').fill(number);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/extensions') && r.request().method() === 'POST');
      await page.locator(sel('ext-save')).click();
      const res = await saved;
      if (res.status() === 409) continue; // number taken: try another one
      assert.equal(res.status(), 201, `create extension answered ${res.status()}`);
      created = await res.json();
    }
    assert.ok(created, 'an extension was created');
    assert.equal(created.number, number);
    assert.equal(created.registered, false);

    // the password is shown once, with the phone settings (domain = tenant code)
    await visible(page, 'ext-created-dialog').waitFor();
    assert.equal(await input(page, 'ext-created-password').inputValue(), created.password);
    const setup = await page.locator(sel('ext-phone-setup')).innerText();
    assert.ok(setup.includes(number) && setup.includes(created.password), 'setup box names user and password');
    assert.equal((await page.locator(sel('ext-setup-domain')).innerText()).trim(), TENANT);
    assert.equal((await page.locator(sel('ext-setup-server')).innerText()).trim(), `${new URL(BASE).hostname}:5060`);
    await page.locator(sel('ext-created-close')).click();

    // the table shows it, not registered
    await input(page, 'ext-search').fill(number);
    await page.locator(sel('ext-search-btn')).click();
    const state = page.locator(sel(`ext-reg-${number}`));
    await state.waitFor();
    assert.equal(await state.getAttribute('data-registered'), 'false');
    assert.equal((await state.innerText()).trim(), '未注册');

    // its registrations drawer is empty
    await page.locator(`${sel('ext-table')} tr:has(${sel(`ext-reg-${number}`)}) ${sel('ext-regs')}`).click();
    await visible(page, 'ext-regs-drawer').waitFor();
    await page.locator(`${sel('ext-regs-table')} .el-table__empty-text`).waitFor();
    await page.keyboard.press('Escape');

    // call records: the filter form and the table (possibly empty)
    await page.locator(sel('menu-calls')).click();
    await page.locator(sel('page-calls')).waitFor();
    await page.locator(sel('calls-filters')).waitFor();
    for (const f of ['calls-range', 'calls-caller', 'calls-callee', 'calls-status', 'calls-direction', 'calls-search']) {
      await visible(page, f).first().waitFor(); // shown
    }
    const listed = page.waitForResponse((r) => r.url().includes('/api/v1/calls?') && r.request().method() === 'GET');
    await input(page, 'calls-callee').fill(number);
    await page.locator(sel('calls-search')).click();
    const listRes = await listed;
    assert.equal(listRes.status(), 200);
    assert.ok(listRes.url().includes(`callee=${number}`), 'the callee filter is sent');
    await page.locator(sel('calls-table')).waitFor();
    assert.equal((await page.locator(sel('calls-title')).innerText()).trim(), '通话记录');

    // English
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="calls-title"]').innerText.trim() === 'Call records');
    assert.equal((await page.locator(sel('menu-extensions')).innerText()).trim(), 'Extensions');
    await page.locator(sel('menu-extensions')).click();
    await input(page, 'ext-search').fill(number);
    await page.locator(sel('ext-search-btn')).click();
    await page.waitForFunction((n) => {
      const el = document.querySelector(`[data-test="ext-reg-${n}"]`);
      return el && el.innerText.trim() === 'Not registered';
    }, number);

    // clean up through the UI
    await page.locator(`${sel('ext-table')} tr:has(${sel(`ext-reg-${number}`)}) ${sel('ext-delete')}`).click();
    const removed = page.waitForResponse((r) => r.url().includes(`/api/v1/extensions/${created.id}`) && r.request().method() === 'DELETE');
    await page.locator('.el-message-box__btns .el-button--primary').click();
    assert.equal((await removed).status(), 204);
    await switchLang(page, 'zh-CN');
  });
});

test('admin adds, edits and deletes a speed dial, in both languages', { skip, timeout: 120000 }, async () => {
  await withPage('speed-dial', async (page) => {
    await loginAdmin(page);
    await page.locator(sel('menugroup-telephony')).waitFor();
    assert.equal((await page.locator(sel('menu-speed-dials')).innerText()).trim(), '快速拨号');
    await page.locator(sel('menu-speed-dials')).click();
    await page.locator(sel('page-speed-dials')).waitFor();
    assert.equal((await page.locator(sel('sd-title')).innerText()).trim(), '快速拨号');

    // a short number a feature code claims is refused by the server, with its message
    await page.locator(sel('sd-create')).click();
    await visible(page, 'sd-dialog').waitFor();
    await input(page, 'sd-short').fill('81');
    await input(page, 'sd-number').fill('13900001111');
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/speed-dials') && r.request().method() === 'POST');
    await page.locator(sel('sd-save')).click();
    assert.equal((await refused).status(), 400);
    await page.locator('.api-error', { hasText: 'feature code' }).waitFor();

    // then a free one (6 digits starting 1-7: never a feature code)
    let created = null;
    for (let attempt = 0; attempt < 5 && !created; attempt++) {
      const short = String(100000 + Math.floor(Math.random() * 699999));
      await input(page, 'sd-short').fill(short);
      await input(page, 'sd-remark').fill(`boss ${RUN}`);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/speed-dials') && r.request().method() === 'POST');
      await page.locator(sel('sd-save')).click();
      const res = await saved;
      if (res.status() === 409) continue; // taken: try another one
      assert.equal(res.status(), 201, `create speed dial answered ${res.status()}`);
      created = await res.json();
    }
    assert.ok(created, 'a speed dial was created');
    assert.equal(created.number, '13900001111');
    assert.equal(created.remark, `boss ${RUN}`);

    // listed; edit its number
    await input(page, 'sd-search').fill(created.short_number);
    await page.locator(sel('sd-search-btn')).click();
    const row = `${sel('sd-table')} tr:has(${sel(`sd-short-${created.short_number}`)})`;
    await page.locator(row).waitFor();
    assert.ok((await page.locator(row).innerText()).includes(`*${created.short_number}`));
    await page.locator(`${row} ${sel('sd-edit')}`).click();
    await visible(page, 'sd-dialog').waitFor();
    assert.equal(await input(page, 'sd-short').inputValue(), created.short_number);
    await input(page, 'sd-number').fill('+8613900002222');
    const updated = page.waitForResponse((r) => r.url().includes(`/api/v1/speed-dials/${created.id}`) && r.request().method() === 'PATCH');
    await page.locator(sel('sd-save')).click();
    assert.equal((await updated).status(), 200);
    await page.waitForFunction((sel) => {
      const el = document.querySelector(sel);
      return el && el.innerText.includes('+8613900002222');
    }, row);

    // English
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="sd-title"]').innerText.trim() === 'Speed dial');
    assert.equal((await page.locator(sel('menu-speed-dials')).innerText()).trim(), 'Speed dial');

    // delete through the UI
    await page.locator(`${row} ${sel('sd-delete')}`).click();
    const removed = page.waitForResponse((r) => r.url().includes(`/api/v1/speed-dials/${created.id}`) && r.request().method() === 'DELETE');
    await page.locator('.el-message-box__btns .el-button--primary').click();
    assert.equal((await removed).status(), 204);
    await page.locator(`${row}`).waitFor({ state: 'detached' });
    await switchLang(page, 'zh-CN');
  });
});

test('admin makes an outbound route whose caller ID agents choose from a pool', { skip, timeout: 90000 }, async () => {
  await withPage('outbound-route-choice', async (page) => {
    await loginAdmin(page);
    const made = [];
    try {
      const num = await apiCall(page, 'POST', '/api/v1/numbers', { number: `2157${newNumber()}` });
      assert.equal(num.status, 201, JSON.stringify(num.body));
      made.push(`/api/v1/numbers/${num.body.id}`);
      await page.locator(sel('menu-routes')).click();
      await page.locator(sel('page-routes')).waitFor();
      await page.locator('.el-tabs__item', { hasText: '呼出路由' }).click();
      await page.locator(sel('outroute-table')).waitFor();
      await page.locator(sel('route-create')).click();
      await visible(page, 'outroute-dialog').waitFor();
      const name = `选号 ${RUN}`;
      await input(page, 'outroute-name').fill(name);
      await input(page, 'outroute-pattern-0').fill(`71${newNumber().slice(-4)}X.`);
      // agents choose, but no number to choose from: the server says so, nothing is saved
      await page.locator(sel('outroute-cid-choice')).click();
      await page.locator(sel('outroute-save')).click();
      await page.locator('.api-error, .el-message--error', { hasText: 'caller_id_pool' }).first().waitFor();
      await visible(page, 'outroute-dialog').waitFor();
      // the pool gets the tenant's number: saved, and the list says agents choose
      await pickOption(page, sel('outroute-cid-pool'), num.body.number);
      await page.keyboard.press('Escape');
      await page.locator(sel('outroute-save')).click();
      await visible(page, 'outroute-dialog').waitFor({ state: 'hidden' });
      const row = page.locator(`${sel('outroute-table')} tr`, { hasText: name });
      await row.locator(sel('outroute-choice-tag')).waitFor();
      const list = await apiCall(page, 'GET', `/api/v1/outbound-routes?q=${encodeURIComponent(name)}`);
      const route = list.body.items.find((r) => r.name === name);
      assert.ok(route, JSON.stringify(list.body));
      made.unshift(`/api/v1/outbound-routes/${route.id}`);
      assert.equal(route.caller_id_choice, true);
      assert.deepEqual(route.caller_id_pool, [num.body.number]);
      // the workbench offers the number
      const wb = await apiCall(page, 'GET', '/api/v1/workbench');
      assert.ok(wb.body.caller_ids.includes(num.body.number), JSON.stringify(wb.body.caller_ids));
    } finally {
      for (const url of made) await apiCall(page, 'DELETE', url);
    }
  });
});

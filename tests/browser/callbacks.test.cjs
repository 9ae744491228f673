'use strict';
// Browser test of the callback requests page (views/CallbackRequests.vue), run with
// `node --test tests/browser/`. Environment and set-up: browser_lib.cjs; the request is made by a
// real caller (baresip, sip_peer.cjs) who presses the queue's leave key, as only callers make
// them, so without HOTLINE_SIP or baresip the test is skipped. A queue with the leave key `#` set
// to callback and a busy agent (so the caller waits), a peer trunk, a number and a route are made
// through the API; the page lists the request (caller, queue, pending), the queue filter keeps
// it, "done" marks it, the status filter finds it again, the edit dialog sets the agent and a
// note, English shows translated labels, and a read-only user sees no buttons.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip: noBrowser, RUN, TENANT, BASE, withPage, sel, visible, input, textarea, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');
const { sipSkip, freeSipPort, Baresip } = require('./sip_peer.cjs');

const skip = noBrowser || sipSkip;
if (skip) console.log(`# skipping callback requests browser tests: ${skip}`);

const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CALLER = `1390000${digits(4)}`;

async function create(page, url, body) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await apiCall(page, 'POST', url, body());
    if (r.status === 409) continue;
    assert.equal(r.status, 201, `${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  throw new Error(`${url}: always 409`);
}

/** Picks `label` in the el-select `test`. */
async function pick(page, test, label) {
  await page.locator(sel(test)).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click();
}

test('the callback requests page lists a caller\'s request; done, filters and edit work; zh/en', { skip, timeout: 90000 }, async () => {
  await withPage('callbacks', async (page) => {
    await loginAdmin(page);
    const port = await freeSipPort();
    const undo = [];
    const made = (row, url) => { undo.unshift(`${url}/${row.id}`); return row; };
    let phone = null;
    try {
      const ext = made(await create(page, '/api/v1/extensions', () => ({ number: digits(8), password: `Pw${RUN}x12345678` })), '/api/v1/extensions');
      const agent = made(await create(page, '/api/v1/agents', () => ({ agent_no: digits(7), name: `回呼 ${RUN}`, extension_id: ext.id })), '/api/v1/agents');
      const queue = made(await create(page, '/api/v1/queues', () => ({
        name: `回呼队列 ${RUN}`, leave_key: '#', leave_to: 'callback', members: [{ agent_id: agent.id }], max_wait_s: 60,
      })), '/api/v1/queues');
      const trunk = made(await create(page, '/api/v1/trunks', () => ({
        name: `cb-carrier-${RUN}`, type: 'peer', host: '127.0.0.1', port, peer_cidrs: ['127.0.0.1/32'],
      })), '/api/v1/trunks');
      const number = made(await create(page, '/api/v1/numbers', () => ({ number: `8657198${digits(6)}`, trunk_id: trunk.id })), '/api/v1/numbers');
      made(await create(page, '/api/v1/inbound-routes', () => ({
        name: `Callback ${RUN}`, number: number.number, destination: { type: 'queue', target: queue.id },
      })), '/api/v1/inbound-routes');
      assert.equal((await apiCall(page, 'POST', `/api/v1/agents/${agent.id}/login`, { state: 'busy' })).status, 200);

      // ---- a caller waits, presses # and is hung up: a pending request ----
      phone = await new Baresip({ name: 'callback', user: CALLER, port }).start();
      await phone.command('dial', `sip:${number.number}@127.0.0.1`);
      assert.ok(await phone.waitFor('Call established', 10000), `the call is answered: ${phone.log.slice(-1500)}`);
      await sleep(1000);
      await phone.command('sndcode', '#');
      assert.ok(await phone.waitFor('terminated', 10000), `hotlined hangs up: ${phone.log.slice(-1500)}`);
      let cb = null;
      for (let i = 0; i < 50 && !cb; i++, await sleep(100)) {
        cb = (await apiCall(page, 'GET', `/api/v1/callback-requests?queue_id=${queue.id}`)).body.items[0] ?? null;
      }
      assert.ok(cb, 'the request is stored');

      // ---- the page, in Chinese: pending first, the caller, the queue's name ----
      assert.equal((await page.locator(sel('menu-callback-requests')).innerText()).trim(), '回呼请求');
      await page.locator(sel('menu-callback-requests')).click();
      await page.locator(sel('page-callbacks')).waitFor();
      assert.equal((await page.locator(sel('callbacks-title')).innerText()).trim(), '回呼请求');
      await page.locator(sel(`callback-caller-${cb.id}`)).waitFor();
      assert.equal((await page.locator(sel(`callback-caller-${cb.id}`)).innerText()).trim(), CALLER);
      assert.equal((await page.locator(sel(`callback-queue-${cb.id}`)).innerText()).trim(), queue.name);
      assert.equal((await page.locator(sel(`callback-status-${cb.id}`)).innerText()).trim(), '待处理');

      // the queue filter asks the API for that queue only
      const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/callback-requests?') && r.url().includes(`queue_id=${queue.id}`));
      await pick(page, 'callbacks-queue', queue.name);
      assert.equal((await filtered).status(), 200);
      assert.equal(await page.locator('[data-test^="callback-caller-"]').count(), 1);

      // ---- done: the row leaves the pending list, the API says done ----
      const patched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/callback-requests/${cb.id}`) && r.request().method() === 'PATCH');
      await page.locator(sel(`callback-done-${cb.id}`)).click();
      assert.equal((await patched).status(), 200);
      assert.deepEqual(JSON.parse((await patched).request().postData()), { status: 'done' });
      await page.locator(sel(`callback-caller-${cb.id}`)).waitFor({ state: 'detached' });
      assert.equal((await apiCall(page, 'GET', `/api/v1/callback-requests/${cb.id}`)).body.status, 'done');

      // the status filter finds it again
      await pick(page, 'callbacks-status', '已完成');
      await page.locator(sel(`callback-status-${cb.id}`), { hasText: '已完成' }).waitFor();
      assert.equal(await page.locator(sel(`callback-done-${cb.id}`)).count(), 0, 'no "done" on a done request');

      // ---- edit: the agent who called back and a note ----
      await page.locator(sel(`callback-edit-${cb.id}`)).click();
      await visible(page, 'callback-dialog').waitFor();
      await pick(page, 'callback-form-agent', agent.name);
      await textarea(page, 'callback-form-note').fill('已回电，客户满意');
      const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/callback-requests/${cb.id}`) && r.request().method() === 'PATCH');
      await page.locator(sel('callback-form-save')).click();
      assert.equal((await saved).status(), 200);
      await page.locator(sel(`callback-note-${cb.id}`), { hasText: '已回电，客户满意' }).waitFor();
      assert.match(await page.locator(sel(`callback-agent-${cb.id}`)).innerText(), new RegExp(agent.agent_no));
      const now = (await apiCall(page, 'GET', `/api/v1/callback-requests/${cb.id}`)).body;
      assert.deepEqual([now.status, now.agent_id, now.note, now.caller], ['done', agent.id, '已回电，客户满意', CALLER]);

      // ---- English ----
      await switchLang(page, 'en');
      await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === 'Callback requests', sel('callbacks-title'));
      assert.equal((await page.locator(sel(`callback-status-${cb.id}`)).innerText()).trim(), 'Done');
      assert.equal((await page.locator(sel('menu-callback-requests')).innerText()).trim(), 'Callback requests');
      await switchLang(page, 'zh-CN');

      // ---- a read-only user (queues read-only) sees the request, no buttons ----
      const role = made(await create(page, '/api/v1/roles', () => ({
        name: `cb-ro-${RUN}`, permissions: { queues: 'ro' }, data_scope: 'tenant',
      })), '/api/v1/roles');
      const password = `Ro-${RUN}-pass-123`;
      const user = await create(page, '/api/v1/users', () => ({ username: `cbro${RUN}`, password, role_ids: [role.id] }));
      undo.unshift(`/api/v1/users/${user.id}`);
      const ro = await page.context().browser().newContext({ viewport: { width: 1440, height: 900 } });
      try {
        const p2 = await ro.newPage();
        await p2.goto(`${BASE}/#/login`);
        await input(p2, 'login-tenant').fill(TENANT);
        await input(p2, 'login-username').fill(user.username);
        await input(p2, 'login-password').fill(password);
        await p2.locator(sel('login-submit')).click();
        await p2.locator(sel('menu-callback-requests')).click();
        await pick(p2, 'callbacks-status', '已完成');
        await p2.locator(sel(`callback-caller-${cb.id}`)).waitFor();
        assert.equal(await p2.locator(`${sel(`callback-edit-${cb.id}`)}, [data-test^="callback-done-"]`).count(), 0, 'no actions');
      } finally {
        await ro.close();
      }
    } finally {
      if (phone) await phone.stop();
      for (const url of undo) {
        if (url.startsWith('/api/v1/agents/')) await apiCall(page, 'POST', `${url}/logout`);
        assert.equal((await apiCall(page, 'DELETE', url)).status, 204, `DELETE ${url}`);
      }
    }
  });
});

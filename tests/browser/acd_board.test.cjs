'use strict';
// Browser test of the console's live ACD board (views/AcdBoard.vue), run with
// `node --test tests/browser/`. Environment and set-up: browser_lib.cjs (HOTLINE_URL,
// HOTLINE_ADMIN_PASSWORD, chromium); the waiting call also needs HOTLINE_SIP (the daemon's SIP
// address) and baresip (sip_peer.cjs), else that part is skipped.
// Agents, a queue and a busy reason are made through the API; the agents are logged in through
// the API; the board then shows their states, a supervisor sets one busy with a reason and logs
// the other out from it, a real call waits in the queue, a read-only user sees no supervisor
// buttons, and English shows translated labels.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, RUN, TENANT, BASE, withPage, sel, visible, input, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');
const { sipSkip, freeSipPort, Baresip } = require('./sip_peer.cjs');

if (skip) console.log(`# skipping ACD board browser tests: ${skip}`);
else if (sipSkip) console.log(`# ACD board browser tests place no call: ${sipSkip}`);

const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));
const PHONE_PW = `Pw${RUN}x12345678`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** POSTs `body(attempt)` until the answer is not a 409 (a random number taken); answers the row. */
async function create(page, url, body) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await apiCall(page, 'POST', url, body());
    if (r.status === 409) continue;
    assert.equal(r.status, 201, `${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  throw new Error(`${url}: always 409`);
}

/** Everything the test needs, made through the API; `undo` removes it (newest first). */
async function setUp(page, port) {
  const undo = [];
  const made = (row, url) => { undo.unshift(`${url}/${row.id}`); return row; };
  const dept = made(await create(page, '/api/v1/departments', () => ({ name: `Board ${RUN}` })), '/api/v1/departments');
  const reason = made(await create(page, '/api/v1/busy-reasons', () => ({ name: `培训${RUN}`, sort: 1 })), '/api/v1/busy-reasons');
  const agents = [];
  for (const [i, name] of [`王五 ${RUN}`, `赵六 ${RUN}`].entries()) {
    const ext = made(await create(page, '/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW })), '/api/v1/extensions');
    agents.push({ ...made(await create(page, '/api/v1/agents', () => ({
      agent_no: digits(7), name, extension_id: ext.id, department_id: i === 0 ? dept.id : null,
    })), '/api/v1/agents'), phone: ext });
  }
  const queue = made(await create(page, '/api/v1/queues', () => ({
    name: `Board ${RUN}`, members: agents.map((a) => ({ agent_id: a.id })), max_wait_s: 120,
  })), '/api/v1/queues');
  // a peer trunk for the caller's baresip, a number on it and a route to the queue
  const trunk = made(await create(page, '/api/v1/trunks', () => ({
    name: `board-carrier-${RUN}`, type: 'peer', host: '127.0.0.1', port: port || 5999, peer_cidrs: ['127.0.0.1/32'],
  })), '/api/v1/trunks');
  const number = made(await create(page, '/api/v1/numbers', () => ({ number: `8657199${digits(6)}`, trunk_id: trunk.id })), '/api/v1/numbers');
  made(await create(page, '/api/v1/inbound-routes', () => ({
    name: `Board ${RUN}`, number: number.number, destination: { type: 'queue', target: queue.id },
  })), '/api/v1/inbound-routes');
  return { dept, reason, agents, queue, number, undo };
}

const stateOf = (page, id) => page.locator(sel(`board-agent-state-${id}`));
/** Waits until the board shows the agent in `state` (the board polls every 2 s). */
async function boardShows(page, id, state) {
  await page.waitForFunction(([s, st]) => document.querySelector(s)?.dataset.state === st,
    [sel(`board-agent-state-${id}`), state], { timeout: 8000 });
}
const liveAgent = async (page, id) => (await apiCall(page, 'GET', '/api/v1/agents/live')).body.items.find((a) => a.id === id);
const seconds = (hms) => hms.split(':').reduce((s, x) => s * 60 + Number(x), 0);

test('the live board shows agents and a waiting call; a supervisor sets busy and logs out; a read-only user sees no buttons; zh/en',
  { skip, timeout: 90000 }, async () => {
    await withPage('acd-board', async (page) => {
      await loginAdmin(page);
      const port = sipSkip ? 0 : await freeSipPort();
      const { dept, reason, agents: [a, b], queue, number, undo } = await setUp(page, port);
      let phone = null;
      let agentPhone = null;
      let user = null;
      try {
        for (const ag of [a, b]) {
          const r = await apiCall(page, 'POST', `/api/v1/agents/${ag.id}/login`, { state: 'idle' });
          assert.equal(r.status, 200, JSON.stringify(r.body));
        }

        // ---- the board, in Chinese: both agents idle, the queue with 2 of 2 logged in ----
        assert.equal((await page.locator(sel('menu-acd-board')).innerText()).trim(), '实时监控');
        await page.locator(sel('menu-acd-board')).click();
        await page.locator(sel('page-acd-board')).waitFor();
        assert.equal((await page.locator(sel('board-title')).innerText()).trim(), '实时监控');
        await boardShows(page, a.id, 'idle');
        await boardShows(page, b.id, 'idle');
        assert.equal((await stateOf(page, a.id).innerText()).trim(), '空闲');
        const card = sel(`board-queue-${queue.id}`);
        await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('2/2'), sel(`board-queue-loggedin-${queue.id}`));
        assert.match(await page.locator(sel(`board-queue-idle-${queue.id}`)).innerText(), /空闲\s*2/);
        assert.equal((await page.locator(sel(`board-queue-waiting-${queue.id}`)).innerText()).trim(), '0');
        // the time in state ticks
        const t0 = seconds((await page.locator(sel(`board-agent-since-${a.id}`)).innerText()).trim());
        await sleep(2100);
        assert.ok(seconds((await page.locator(sel(`board-agent-since-${a.id}`)).innerText()).trim()) >= t0 + 1, 'time in state ticks');

        // filters: the department shows only agent a; the queue (clicking its card) shows both
        await page.locator(sel('board-filter-department')).click();
        await page.locator('.el-select-dropdown__item:visible', { hasText: dept.name }).first().click();
        await page.locator(sel(`board-agent-state-${b.id}`)).waitFor({ state: 'detached' });
        assert.equal(await stateOf(page, a.id).count(), 1);
        await page.locator(`${sel('board-filter-department')} .el-select__wrapper, ${sel('board-filter-department')}`).first().hover();
        await page.locator(`${sel('board-filter-department')} .el-select__clear`).click();
        await stateOf(page, b.id).waitFor();
        await page.locator(card).click();
        assert.equal(await page.locator('[data-test^="board-queue-waiting-"]').count(), 1, 'only the picked queue');
        assert.equal(await page.locator('[data-test^="board-agent-state-"]').count(), 2, 'its two members');

        // ---- force a busy with a reason from the board ----
        await page.locator(sel(`board-busy-${a.id}`)).click();
        await visible(page, 'board-busy-dialog').waitFor();
        await page.locator(sel('board-busy-reason')).click();
        await page.locator('.el-select-dropdown__item:visible', { hasText: reason.name }).first().click();
        const set = page.waitForResponse((r) => r.url().endsWith(`/api/v1/agents/${a.id}/state`));
        await page.locator(sel('board-busy-save')).click();
        assert.equal((await set).status(), 200);
        assert.deepEqual(JSON.parse((await set).request().postData()), { state: 'busy', reason: reason.name });
        await boardShows(page, a.id, 'busy');
        assert.equal((await stateOf(page, a.id).innerText()).trim(), '置忙');
        assert.equal((await page.locator(sel(`board-agent-reason-${a.id}`)).innerText()).trim(), reason.name);
        const busyA = await liveAgent(page, a.id);
        assert.equal(busyA.state, 'busy');
        assert.equal(busyA.reason, reason.name);

        // ---- log b out from the board: asked first; cancelling keeps b in ----
        await page.locator(sel(`board-logout-${b.id}`)).click();
        await page.locator('.el-message-box__btns .el-button:not(.el-button--primary)').click();
        await sleep(300);
        assert.equal((await liveAgent(page, b.id)).state, 'idle', 'cancelled: still logged in');
        await page.locator(sel(`board-logout-${b.id}`)).click();
        const out = page.waitForResponse((r) => r.url().endsWith(`/api/v1/agents/${b.id}/logout`));
        await page.locator('.el-message-box__btns .el-button--primary').click();
        assert.equal((await out).status(), 200);
        await boardShows(page, b.id, 'offline');
        assert.equal((await liveAgent(page, b.id)).state, 'offline');
        await page.locator(sel(`board-login-${b.id}`)).waitFor();
        assert.equal(await page.locator(sel(`board-logout-${b.id}`)).count(), 0);
        await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('1/2'), sel(`board-queue-loggedin-${queue.id}`));

        // ---- a real call waits in the queue (a is busy, b out): the count and the ticking wait ----
        if (!sipSkip) {
          agentPhone = await new Baresip({
            name: 'board-agent', user: a.phone.number, password: PHONE_PW, domain: TENANT, port: await freeSipPort(), toneHz: 880,
          }).start();
          assert.ok(await agentPhone.waitFor('200 OK', 10000), `agent a's phone registers: ${agentPhone.log.slice(-1500)}`);
          phone = await new Baresip({ name: 'board', user: '13900002222', port }).start();
          await phone.command('dial', `sip:${number.number}@127.0.0.1`);
          await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === '1',
            sel(`board-queue-waiting-${queue.id}`), { timeout: 10000 });
          const w0 = seconds((await page.locator(sel(`board-queue-longest-${queue.id}`)).innerText()).trim());
          await sleep(3100);   // pushed at the join: the wait starts near 0 and the clock ticks each second
          const w1 = seconds((await page.locator(sel(`board-queue-longest-${queue.id}`)).innerText()).trim());
          assert.ok(w1 >= w0 + 1 && w1 >= 2, `the longest wait ticks (${w0} → ${w1})`);
          const lq = (await apiCall(page, 'GET', '/api/v1/queues/live')).body.items.find((q) => q.queue_id === queue.id);
          assert.equal(lq.waiting, 1);

          // a set idle from the board takes the call: talking, with the caller and the call's time
          await page.locator(sel(`board-idle-${a.id}`)).click();
          assert.ok(await agentPhone.waitFor('Incoming call', 10000), `a's phone rings: ${agentPhone.log.slice(-1500)}`);
          await agentPhone.command('accept');
          assert.ok(await agentPhone.waitFor('Call established', 10000), agentPhone.log.slice(-1500));
          await boardShows(page, a.id, 'talking');
          await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === '0', sel(`board-queue-waiting-${queue.id}`));
          assert.equal((await page.locator(sel(`board-queue-longest-${queue.id}`)).innerText()).trim(), '-');
          const call = page.locator(sel(`board-agent-call-${a.id}`));
          await call.waitFor();
          assert.match(await call.innerText(), /13900002222 · \d\d:\d\d:\d\d/);

          // what the server refuses is shown with its message: no log-out during a call
          await page.locator(sel(`board-logout-${a.id}`)).click();
          const refused = page.waitForResponse((r) => r.url().endsWith(`/api/v1/agents/${a.id}/logout`));
          await page.locator('.el-message-box__btns .el-button--primary').click();
          assert.equal((await refused).status(), 409);
          await page.locator('.api-error', { hasText: 'the agent is on a call' }).waitFor();
          assert.equal((await liveAgent(page, a.id)).state, 'talking');

          // listen: the supervisor's phone is asked once and remembered; the API's answer is shown
          assert.equal((await page.locator(sel('board-phone-number')).innerText()).trim(), '未设置');
          await page.locator(sel(`board-monitor-listen-${a.id}`)).click();
          await page.locator('.board-phone-box input').fill('12x');
          await page.locator('.board-phone-box .el-message-box__btns .el-button--primary').click();
          await page.locator('.board-phone-box .el-message-box__errormsg', { hasText: '2-20 位数字' }).waitFor();
          await page.locator('.board-phone-box input').fill(b.phone.number);
          const monitored = page.waitForResponse((r) => r.url().endsWith(`/monitor`) && r.request().method() === 'POST');
          await page.locator('.board-phone-box .el-message-box__btns .el-button--primary').click();
          const mr = await monitored;
          assert.deepEqual(JSON.parse(mr.request().postData()), { mode: 'listen', phone: b.phone.number });
          // b's phone is not registered: the server says so, and the board shows it
          assert.equal(mr.status(), 409);
          assert.equal((await mr.json()).error.code, 'phone_unreachable');
          await page.locator('.api-error', { hasText: 'has no registered phone' }).waitFor();
          assert.equal((await page.locator(sel('board-phone-number')).innerText()).trim(), b.phone.number);
          assert.equal(await page.evaluate(() => localStorage.getItem('hotline.board.monitorPhone')), b.phone.number);
          const barged = page.waitForResponse((r) => r.url().endsWith(`/monitor`) && r.request().method() === 'POST');
          await page.locator(sel(`board-monitor-barge-${a.id}`)).click(); // no question the second time
          assert.deepEqual(JSON.parse((await barged).request().postData()), { mode: 'barge', phone: b.phone.number });

          // hang up from the board: asked first; the caller is disconnected, a leaves talking
          await page.locator(sel(`board-hangup-${a.id}`)).click();
          const gone = page.waitForResponse((r) => r.url().includes('/api/v1/calls/live/') && r.request().method() === 'DELETE');
          await page.locator('.el-message-box__btns .el-button--primary').click();
          assert.equal((await gone).status(), 204);
          assert.ok(await phone.waitFor('terminated', 10000), `the caller is hung up: ${phone.log.slice(-1500)}`);
          await page.waitForFunction((s) => ['wrap_up', 'idle'].includes(document.querySelector(s)?.dataset.state),
            sel(`board-agent-state-${a.id}`), { timeout: 8000 });
          assert.equal(await call.count(), 0, 'no call any more');
          assert.equal((await liveAgent(page, a.id)).answered_today, 1);
        }

        // ---- English ----
        await switchLang(page, 'en');
        await page.waitForFunction(() => document.querySelector('[data-test="board-title"]')?.innerText.trim() === 'Live board');
        assert.equal((await page.locator(sel('menu-acd-board')).innerText()).trim(), 'Live board');
        const aState = await stateOf(page, a.id).getAttribute('data-state');
        assert.equal((await stateOf(page, a.id).innerText()).trim(), { busy: 'Busy', idle: 'Idle', wrap_up: 'Wrap-up' }[aState]);
        assert.equal((await stateOf(page, b.id).innerText()).trim(), 'Offline');
        assert.equal((await page.locator(sel(`board-login-${b.id}`)).innerText()).trim(), 'Log in');
        assert.equal((await page.locator(sel(`board-busy-${a.id}`)).innerText()).trim(), 'Busy…');
        assert.match(await page.locator(card).innerText(), /Waiting[\s\S]*Longest wait/);

        // ---- polling pauses while the tab is hidden, resumes when shown, stops when the page is left ----
        let polls = 0;
        page.on('request', (r) => { if (r.url().endsWith('/api/v1/agents/live')) polls++; });
        const setHidden = (h) => page.evaluate((x) => {
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => x });
          document.dispatchEvent(new Event('visibilitychange'));
        }, h);
        await setHidden(true);
        await page.locator(sel('board-live'), { hasText: 'Paused while the tab is hidden' }).waitFor();
        polls = 0;
        await sleep(4500);
        assert.equal(polls, 0, 'no polling while hidden');
        const back = page.waitForResponse((r) => r.url().endsWith('/api/v1/agents/live'));
        await setHidden(false);
        await back;
        await page.locator(sel('board-live'), { hasText: 'Live: changes are pushed' }).waitFor();   // the socket again
        await page.locator(sel('menu-agents')).click();
        await page.locator(sel('page-agents')).waitFor();
        polls = 0;
        await sleep(4500);
        assert.equal(polls, 0, 'no polling once the page is left');
        await switchLang(page, 'zh-CN');

        // ---- a read-only user (agents, queues and calls read-only) sees the board, no buttons ----
        const role = await create(page, '/api/v1/roles', () => ({
          name: `board-ro-${RUN}`, permissions: { agents: 'ro', queues: 'ro', calls: 'ro' }, data_scope: 'tenant',
        }));
        undo.unshift(`/api/v1/roles/${role.id}`);
        const password = `Ro-${RUN}-pass-123`;
        user = await create(page, '/api/v1/users', () => ({ username: `boardro${RUN}`, password, role_ids: [role.id] }));
        undo.unshift(`/api/v1/users/${user.id}`);
        const ro = await page.context().browser().newContext({ viewport: { width: 1440, height: 900 } });
        try {
          const p2 = await ro.newPage();
          await p2.goto(`${BASE}/#/login`);
          await input(p2, 'login-tenant').fill(TENANT);
          await input(p2, 'login-username').fill(user.username);
          await input(p2, 'login-password').fill(password);
          await p2.locator(sel('login-submit')).click();
          await p2.locator(sel('menu-acd-board')).click();
          await boardShows(p2, b.id, 'offline');
          await p2.locator(sel(`board-agent-state-${a.id}`)).waitFor();
          assert.equal(await p2.locator('[data-test^="board-actions-"]').count(), 0, 'no agent actions');
          assert.equal(await p2.locator('[data-test^="board-busy-"], [data-test^="board-logout-"], [data-test^="board-login-"]').count(), 0);
          assert.equal(await p2.locator(sel('board-phone')).count(), 0, 'no monitor phone');
        } finally {
          await ro.close();
        }
      } finally {
        if (phone) await phone.stop();
        if (agentPhone) await agentPhone.stop();
        for (const ag of [a, b]) await apiCall(page, 'POST', `/api/v1/agents/${ag.id}/logout`);
        for (const url of undo) assert.equal((await apiCall(page, 'DELETE', url)).status, 204, `DELETE ${url}`);
      }
    });
  });

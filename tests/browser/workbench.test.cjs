'use strict';
// Browser test of the agent workbench (views/Workbench.vue), run with `node --test tests/browser/`.
// Environment: browser_lib.cjs (HOTLINE_URL, HOTLINE_ADMIN_PASSWORD, chromium); the call needs
// HOTLINE_SIP and baresip (sip_peer.cjs), else that part is skipped.
// The admin makes (through the API) an agent linked to a user holding only the `workbench` menu, a
// queue with a screen-pop template, an IVR flow that sets a variable and queues the call. The agent's
// user signs in, logs in on the workbench with the desk phone; a real caller (baresip) dials the flow;
// the page shows the call with the caller, the queue, the IVR path and variable, and the screen pop's
// URL; the desk phone (baresip) answers; the page shows talking; hold and resume from the page change
// the live call's on_hold; a refused transfer shows the server's message; the WebSocket drops mid-call
// (banner) and recovers with the state read again; hanging up from the page ends the call and wrap-up
// shows with its countdown; "done" makes the agent idle; the day's figures and the recent call show.
// A consultation rings a third phone and returns. The socket drops again while idle and the agent
// is set busy meanwhile: the page shows busy once reconnected (the state is read again). A bad
// screen-pop URL is refused with 400 under the queue form's field; the admin, with no agent of
// their own, works as the agent.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, RUN, TENANT, BASE, withPage, sel, input, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');
const { sipSkip, freeSipPort, Baresip } = require('./sip_peer.cjs');

if (skip) console.log(`# skipping workbench browser tests: ${skip}`);
else if (sipSkip) console.log(`# workbench browser test places no call: ${sipSkip}`);

const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));
const PHONE_PW = `Pw${RUN}x12345678`;
const USER_PW = `Wb-${RUN}-pass-123`;
const POP = 'https://crm.example/contact?phone=${caller}&queue=${queue_id}&order=${order_no}';

async function create(page, url, body) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await apiCall(page, 'POST', url, body());
    if (r.status === 409) continue;
    assert.equal(r.status, 201, `${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  throw new Error(`${url}: always 409`);
}
/** A registered baresip phone; started again on another port when the one picked was taken meanwhile
 *  (other test files start phones in parallel). */
async function registeredPhone(name, number, toneHz) {
  for (let attempt = 0; ; attempt++) {
    const p = await new Baresip({ name, user: number, password: PHONE_PW, domain: TENANT, port: await freeSipPort(), toneHz }).start(90);
    if (await p.waitFor('200 OK', 10000)) return p;
    await p.stop();
    if (attempt === 2 || !p.log.includes('Address already in use')) throw new Error(`${name} does not register: ${p.log.slice(-1500)}`);
  }
}
const node = (id, type, exits, params = {}) => ({ id, type, name: id, x: 0, y: 0, params, exits });

/** Everything the test needs, made through the API; `undo` removes it (newest first). */
async function setUp(page) {
  const undo = [];
  const made = (row, url) => { undo.unshift(`${url}/${row.id}`); return row; };
  const role = made(await create(page, '/api/v1/roles', () => ({
    name: `wb-${RUN}-${digits(4)}`, permissions: { workbench: 'rw' }, data_scope: 'tenant',
  })), '/api/v1/roles');
  const user = made(await create(page, '/api/v1/users', () => ({
    username: `wb${RUN}${digits(3)}`, password: USER_PW, role_ids: [role.id],
  })), '/api/v1/users');
  const reason = made(await create(page, '/api/v1/busy-reasons', () => ({ name: `午餐${RUN}${digits(2)}`, sort: 1 })), '/api/v1/busy-reasons');
  const desk = made(await create(page, '/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW })), '/api/v1/extensions');
  const callerExt = made(await create(page, '/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW })), '/api/v1/extensions');
  const thirdExt = made(await create(page, '/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW })), '/api/v1/extensions');
  const agent = made(await create(page, '/api/v1/agents', () => ({
    agent_no: digits(7), name: `坐席 ${RUN}`, extension_id: desk.id, user_id: user.id, wrap_up_s: 60,
  })), '/api/v1/agents');
  const queue = made(await create(page, '/api/v1/queues', () => ({
    name: `WB ${RUN}`, members: [{ agent_id: agent.id }], screen_pop_url: POP,
  })), '/api/v1/queues');
  const flow = made(await create(page, '/api/v1/ivr-flows', () => ({ name: `wb-${RUN}-${digits(4)}`, number: digits(8) })), '/api/v1/ivr-flows');
  const graph = { nodes: [
    node('start', 'start', { next: 'set' }),
    node('set', 'set', { next: 'q' }, { assignments: [{ name: 'order_no', value: 'A 1001/订单' }] }),
    node('q', 'queue', { no_agent: null, full: null, timeout: null }, { queue_id: queue.id }),
  ] };
  let r = await apiCall(page, 'PATCH', `/api/v1/ivr-versions/${flow.draft_version_id}`, { graph });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await apiCall(page, 'POST', `/api/v1/ivr-versions/${flow.draft_version_id}/publish`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { user, reason, desk, callerExt, thirdExt, agent, queue, flow, undo };
}

const stateIs = (page, state, timeout = 10000) => page.waitForFunction(
  ([s, st]) => document.querySelector(s)?.dataset.state === st, [sel('wb-state'), state], { timeout });
const liveCall = async (page, agentId) => (await apiCall(page, 'GET', '/api/v1/calls/live')).body.items.find((c) => c.agent_id === agentId);

test('an agent logs in on the workbench, takes a real call with its screen pop, holds, resumes, hangs up, wraps up; the socket recovers',
  { skip, timeout: 120000 }, async () => {
    await withPage('workbench', async (admin) => {
      await loginAdmin(admin);
      const { user, reason, desk, callerExt, thirdExt, agent, queue, flow, undo } = await setUp(admin);
      let deskPhone = null;
      let caller = null;
      let third = null;
      const ctx = await admin.context().browser().newContext({ viewport: { width: 1440, height: 900 } });
      try {
        // ---- a bad screen-pop template is refused under the queue form's field (as the admin) ----
        await admin.locator(sel('menu-queues')).click();
        await input(admin, 'queue-search').fill(queue.name);
        await admin.locator(sel('queue-search-btn')).click();
        await admin.locator(`${sel('queue-table')} tr:has(${sel(`queue-name-${queue.name}`)}) ${sel('queue-edit')}`).click();
        assert.equal(await input(admin, 'queue-form-screen-pop').inputValue(), POP);
        await input(admin, 'queue-form-screen-pop').fill('javascript:alert(1)');
        const refused = admin.waitForResponse((x) => x.url().endsWith(`/api/v1/queues/${queue.id}`) && x.request().method() === 'PATCH');
        await admin.locator(sel('queue-save')).click();
        assert.equal((await refused).status(), 400);
        await admin.locator(`${sel('queue-dialog')} .el-form-item`, { has: admin.locator(sel('queue-form-screen-pop')) })
          .locator('.el-form-item__error', { hasText: 'http:// or https://' }).waitFor();
        assert.equal((await apiCall(admin, 'GET', `/api/v1/queues/${queue.id}`)).body.screen_pop_url, POP, 'unchanged');
        await admin.keyboard.press('Escape');

        // ---- the agent's user: only the workbench menu; a socket the test can cut ----
        const page = await ctx.newPage();
        page.setDefaultTimeout(15000);
        const pageErrors = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        await page.addInitScript(() => {
          const Real = window.WebSocket;
          window.__ws = { all: [], block: false };
          window.WebSocket = class extends Real {
            constructor(url, protocols) {
              super(window.__ws.block ? 'ws://127.0.0.1:9/blocked' : url, protocols);
              window.__ws.all.push(this);
            }
          };
        });
        await page.goto(`${BASE}/#/login`);
        await input(page, 'login-tenant').fill(TENANT);
        await input(page, 'login-username').fill(user.username);
        await input(page, 'login-password').fill(USER_PW);
        await page.locator(sel('login-submit')).click();
        await page.locator(sel('menu-workbench')).click();
        await page.locator(sel('page-workbench')).waitFor();
        assert.equal((await page.locator(sel('wb-title')).innerText()).trim(), '坐席工作台');
        assert.equal(await page.locator(sel('menu-agents')).count(), 0, 'no Agents menu for this user');

        // ---- log in with the desk phone ----
        await page.locator(sel('wb-login-card')).waitFor();
        assert.match(await page.locator(sel('wb-login-phone')).innerText(), new RegExp(`桌面话机 ${desk.number}`));
        // another extension for this session (hot desking): one that does not exist is refused with the server's message
        await page.locator(sel('wb-login-phone-other')).click();
        assert.equal(await page.locator(sel('wb-login')).isDisabled(), true, 'a number is needed first');
        await input(page, 'wb-login-phone-number').fill('99999998');
        await page.locator(sel('wb-login')).click();
        await page.locator(sel('wb-login-error'), { hasText: "'phone': no enabled extension" }).waitFor();   // on the card
        await page.locator(sel('wb-login-card')).waitFor();
        await page.locator(sel('wb-login-phone-desk')).click();
        await page.locator(sel('wb-login')).click();
        await stateIs(page, 'idle');
        assert.match(await page.locator(sel('wb-phone')).innerText(), new RegExp(desk.number));
        assert.equal((await page.locator(sel('wb-agent-no')).innerText()).trim(), agent.agent_no);
        const liveAgent = (await apiCall(admin, 'GET', '/api/v1/agents/live')).body.items.find((a) => a.id === agent.id);
        assert.equal(liveAgent.state, 'idle');
        // the page offers no "done" outside wrap-up, and the server refuses it on the page's socket
        assert.equal(await page.locator(sel('wb-wrapup-done')).count(), 0);
        const notInWrapUp = await page.evaluate(() => new Promise((resolve) => {
          const ws = window.__ws.all.at(-1);
          ws.addEventListener('message', function on(m) {
            const msg = JSON.parse(m.data);
            if (msg.type === 'reply' && msg.id === 'probe') { ws.removeEventListener('message', on); resolve(msg.error.code); }
          });
          ws.send(JSON.stringify({ id: 'probe', cmd: 'wrapup_done' }));
        }));
        assert.equal(notInWrapUp, 'not_in_wrap_up');

        if (!sipSkip) {
          deskPhone = await registeredPhone('wb-desk', desk.number, 880);
          caller = await registeredPhone('wb-caller', callerExt.number, 440);
          third = await registeredPhone('wb-third', thirdExt.number, 660);
          await caller.command('dial', `sip:${flow.number}@${TENANT}`);

          // ---- the offered call: caller, queue, IVR path and variable, screen pop ----
          assert.ok(await deskPhone.waitFor('Incoming call', 15000), `the desk phone rings: ${deskPhone.log.slice(-1500)}`);
          await stateIs(page, 'ringing');
          assert.equal((await page.locator(sel('wb-caller')).innerText()).trim(), callerExt.number);
          assert.equal((await page.locator(sel('wb-queue')).innerText()).trim(), queue.name);
          assert.match(await page.locator(sel('wb-ivr-path')).innerText(), /start → set → q/);
          assert.equal((await page.locator(sel('wb-var-order_no')).innerText()).trim(), 'order_no = A 1001/订单');
          assert.match(await page.locator(sel('wb-waited')).innerText(), /^\d\d:\d\d:\d\d$/);
          await page.locator(sel('wb-answer-hint')).waitFor();
          const frame = page.locator(sel('wb-screen-pop-frame'));
          const src = await frame.getAttribute('src');
          assert.equal(src, `https://crm.example/contact?phone=${callerExt.number}&queue=${queue.id}&order=A%201001%2F%E8%AE%A2%E5%8D%95`);
          const sandbox = await frame.getAttribute('sandbox');
          assert.ok(sandbox.includes('allow-scripts') && !sandbox.includes('allow-top-navigation'), sandbox);
          assert.equal(await page.locator(sel('wb-hold')).isDisabled(), true, 'no hold while ringing');

          // ---- the desk phone answers: talking, the timer runs ----
          await deskPhone.command('accept');
          assert.ok(await deskPhone.waitFor('Call established', 10000), deskPhone.log.slice(-1500));
          await stateIs(page, 'talking');
          await page.locator(sel('wb-talk-time')).waitFor();
          await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() >= '00:00:01', sel('wb-talk-time'));
          assert.equal(await page.locator(sel('wb-hold')).isEnabled(), true);
          assert.equal(await page.locator(sel('wb-consult-transfer')).count(), 0, 'no consultation yet');

          // ---- hold, then resume, from the page: the live call's on_hold follows ----
          await page.locator(sel('wb-hold')).click();
          await page.locator(sel('wb-unhold')).waitFor();
          assert.equal((await liveCall(admin, agent.id)).on_hold, true);
          await stateIs(page, 'hold');
          assert.equal((await apiCall(admin, 'GET', '/api/v1/agents/live')).body.items.find((a) => a.id === agent.id).state, 'hold');
          assert.equal(await page.locator(sel('wb-dtmf')).isDisabled(), true, 'no keypad on hold');
          assert.equal((await page.locator(sel('wb-call-status')).getAttribute('data-status')), 'hold');
          await page.locator(sel('wb-unhold')).click();
          await page.locator(sel('wb-hold')).waitFor();
          assert.equal((await liveCall(admin, agent.id)).on_hold, false);
          await stateIs(page, 'talking');
          assert.equal((await page.locator(sel('wb-state')).innerText()).trim(), '通话', 'no "resumed" reason shown');

          // ---- a refused action shows the server's message; nothing changes ----
          await page.locator(sel('wb-transfer')).click();
          await input(page, 'wb-transfer-number').fill('55555555');
          await page.locator(sel('wb-transfer-go')).click();
          await page.locator('.api-error', { hasText: 'no such transfer target' }).waitFor();
          await page.keyboard.press('Escape');
          await stateIs(page, 'talking');

          // ---- consult a third party, then return to the caller ----
          await page.locator(sel('wb-consult')).click();
          assert.deepEqual(await page.locator(`${sel('wb-transfer-kind')} label`).allInnerTexts(), ['分机', '坐席'], 'consult: extension or agent');
          await input(page, 'wb-transfer-number').fill(thirdExt.number);
          await page.locator(sel('wb-transfer-go')).click();
          await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === '振铃', sel('wb-consult-state'));
          assert.equal(await page.locator(sel('wb-consult-threeway')).isDisabled(), true, 'no three-way before they answer');
          assert.equal(await page.locator(sel('wb-hold')).isDisabled(), true, 'no hold while consulting');
          assert.equal(await page.locator(sel('wb-consult-cancel')).isEnabled(), true);
          assert.equal((await liveCall(admin, agent.id)).on_hold, true, 'the caller holds meanwhile');
          assert.ok(await third.waitFor('Incoming call', 10000), `the third party rings: ${third.log.slice(-1500)}`);
          await third.command('accept');
          await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === '通话中', sel('wb-consult-state'));
          assert.equal(await page.locator(sel('wb-consult-threeway')).isEnabled(), true);
          await page.locator(sel('wb-consult-cancel')).click();
          await page.locator(sel('wb-consult-bar')).waitFor({ state: 'detached' });
          assert.ok(await third.waitFor("session closed", 10000), `the third party is hung up: ${third.log.slice(-1500)}`);
          const back = await liveCall(admin, agent.id);
          assert.equal(back.on_hold, false, 'back with the caller');
          assert.equal(back.consult, null);

          // ---- the socket drops mid-call: the banner shows until it is back, the state is read again ----
          await page.evaluate(() => { window.__ws.block = true; window.__ws.all.at(-1).close(); });
          await page.locator(sel('wb-disconnected')).waitFor();
          assert.match(await page.locator(sel('wb-disconnected')).innerText(), /连接已断开/);
          assert.equal(await page.locator(sel('wb-hangup')).isEnabled(), true, 'the call is still shown');
          await page.evaluate(() => { window.__ws.block = false; });
          await page.locator(sel('wb-disconnected')).waitFor({ state: 'detached', timeout: 20000 });
          await stateIs(page, 'talking');
          assert.equal((await liveCall(admin, agent.id)).state, 'talking', 'the call survived');

          // ---- hang up from the page: the caller is disconnected, wrap-up counts down, done ----
          await page.locator(sel('wb-hangup')).click();
          assert.ok(await caller.waitFor('terminated', 10000), `the caller is hung up: ${caller.log.slice(-1500)}`);
          await stateIs(page, 'wrap_up');
          const left = Number((await page.locator(sel('wb-wrapup-left')).innerText()).match(/\d+/)[0]);
          assert.ok(left > 50 && left <= 60, `wrap-up counts down from the agent's 60 s: ${left}`);
          assert.equal(await page.locator(sel('wb-logout')).isEnabled(), true);
          assert.match(await page.locator(sel('wb-last-call')).innerText(), new RegExp(callerExt.number));
          await page.locator(sel('wb-wrapup-done')).click();
          await stateIs(page, 'idle');

          // ---- my day: the answered call and its record ----
          await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === '1', sel('wb-stat-answered'), { timeout: 10000 });
          await page.locator(sel('wb-recent-caller'), { hasText: callerExt.number }).first().waitFor({ timeout: 10000 });
        }

        // ---- the socket drops while idle and a supervisor sets the agent busy meanwhile: read again once back ----
        await page.evaluate(() => { window.__ws.block = true; window.__ws.all.at(-1).close(); });
        await page.locator(sel('wb-disconnected')).waitFor();
        const forced = await apiCall(admin, 'POST', `/api/v1/agents/${agent.id}/state`, { state: 'busy', reason: reason.name });
        assert.equal(forced.status, 200, JSON.stringify(forced.body));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(await page.locator(sel('wb-state')).getAttribute('data-state'), 'idle', 'missed while away');
        await page.evaluate(() => { window.__ws.block = false; });
        await page.locator(sel('wb-disconnected')).waitFor({ state: 'detached', timeout: 20000 });
        await stateIs(page, 'busy');
        assert.equal((await page.locator(sel('wb-state')).innerText()).trim(), `置忙 · ${reason.name}`);

        // ---- idle, then busy with a reason from the page; English; log out ----
        await page.locator(sel('wb-idle')).click();
        await stateIs(page, 'idle');
        await page.locator(sel('wb-busy-reason')).click();
        await page.locator('.el-select-dropdown__item:visible', { hasText: reason.name }).first().click();
        await page.locator(sel('wb-busy')).click();
        await stateIs(page, 'busy');
        assert.equal((await apiCall(admin, 'GET', '/api/v1/agents/live')).body.items.find((a) => a.id === agent.id).reason, reason.name);
        await switchLang(page, 'en');
        await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === 'Agent workbench', sel('wb-title'));
        assert.equal((await page.locator(sel('wb-state')).innerText()).trim(), `Busy · ${reason.name}`);
        assert.equal((await page.locator(sel('wb-logout')).innerText()).trim(), 'Log out');
        await page.locator(sel('wb-logout')).click();
        await page.locator(sel('wb-login-card')).waitFor();
        assert.equal((await apiCall(admin, 'GET', '/api/v1/agents/live')).body.items.find((a) => a.id === agent.id).state, 'offline');
        assert.deepEqual(pageErrors, [], 'no uncaught errors in the agent page');

        // ---- the admin has no agent of their own and may work as one ----
        await admin.locator(sel('menu-workbench')).click();
        await admin.locator(sel('wb-no-agent')).waitFor();
        await admin.locator(sel('wb-pick-agent')).click();
        await admin.locator('.el-select-dropdown__item:visible', { hasText: agent.agent_no }).first().click();
        await admin.locator(sel('wb-login-card')).waitFor();
        assert.match(await admin.locator(sel('wb-login-card')).innerText(), new RegExp(`${agent.agent_no}[\\s\\S]*${desk.number}`));
        assert.equal(await admin.locator(sel('wb-no-agent')).count(), 0);
      } finally {
        await ctx.close();
        if (caller) await caller.stop();
        if (third) await third.stop();
        if (deskPhone) await deskPhone.stop();
        await apiCall(admin, 'POST', `/api/v1/agents/${agent.id}/logout`);
        for (const url of undo) {
          const r = await apiCall(admin, 'DELETE', url);
          assert.ok([204, 404].includes(r.status), `DELETE ${url}: ${r.status}`);
        }
      }
    });
  });

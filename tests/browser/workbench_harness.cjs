'use strict';
// What the workbench's browser phone tests share (workbench_phone, _dial, _transfer, _outside): the
// environment, the admin's API session with the rows it made (undone in `after`) and the agent, queue
// and flow they set up, Chromium with a fake microphone, and the agent's workbench page with its SIP
// WebSocket under the test's control.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { sipSkip } = require('./sip_peer.cjs');

const BASE = (process.env.HOTLINE_URL || '').replace(/\/+$/, '');
const ADMIN_PASSWORD = process.env.HOTLINE_ADMIN_PASSWORD || '';
const TENANT = process.env.HOTLINE_TENANT || 'demo';
const WS = process.env.HOTLINE_SIP_WS || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WEB_MODULES = path.join(__dirname, '../../web/node_modules');
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
const PHONE_PW = `Pw${RUN}x12345678`;
const USER_PW = `Sp-${RUN}-pass-123`;

/** Why these tests cannot run here ('' when they can). */
function skipReason() {
  let skip = '';
  if (!BASE || !ADMIN_PASSWORD) skip = 'HOTLINE_URL / HOTLINE_ADMIN_PASSWORD are not set';
  else if (!WS) skip = 'HOTLINE_SIP_WS is not set (the daemon\'s --sip-ws / --sip-wss address)';
  else if (sipSkip) skip = sipSkip;
  else if (!fs.existsSync(CHROMIUM)) skip = `chromium not found at ${CHROMIUM}`;
  return skip;
}

const sel = (t) => `[data-test="${t}"]`;
const input = (page, t) => page.locator(`input${sel(t)}, ${sel(t)} input`).first();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));
/** The admin's API session and the rows it creates (undo() deletes them, newest first). */
function adminSession() {
  let token = '';
  async function api(method, url, body) {
    const res = await fetch(`${BASE}${url}`, {
      method,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  const undo = [];
  async function create(url, body) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await api('POST', url, body());
      if (r.status === 409) continue;
      assert.equal(r.status, 201, `${url}: ${JSON.stringify(r.body)}`);
      undo.unshift(`${url}/${r.body.id}`);
      return r.body;
    }
    throw new Error(`${url}: always 409`);
  }

  async function signIn() {
    const login = await fetch(`${BASE}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tenant: TENANT, username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(login.status, 200, 'admin logs in');
    token = (await login.json()).token;
  }
  async function undoAll() {
    for (const url of undo) await api('DELETE', url);
  }
  /** Publishes `nodes` as the flow's draft version. */
  async function publishFlow(flow, nodes) {
    let r = await api('PATCH', `/api/v1/ivr-versions/${flow.draft_version_id}`, { graph: { nodes } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await api('POST', `/api/v1/ivr-versions/${flow.draft_version_id}/publish`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  /** An agent working on the workbench: a role with the `workbench` menu, its user, a bound extension
   *  (password PHONE_PW) and the agent (its name and `fields`); `tag` marks their names. */
  async function workbenchAgent(tag, name, fields = {}) {
    const role = await create('/api/v1/roles', () => ({ name: `${tag}-${RUN}-${digits(4)}`, permissions: { workbench: 'rw' }, data_scope: 'tenant' }));
    const user = await create('/api/v1/users', () => ({ username: `${tag}${RUN}${digits(3)}`, password: USER_PW, role_ids: [role.id] }));
    const ext = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
    const agent = await create('/api/v1/agents', () => ({
      agent_no: digits(7), name, extension_id: ext.id, user_id: user.id, wrap_up_s: 30, ...fields,
    }));
    return { role, user, ext, agent };
  }
  /** A queue of these agents and a published IVR flow (with a number to dial) that queues its callers. */
  async function queueBehindFlow(tag, agents) {
    const queue = await create('/api/v1/queues', () => ({ name: `${tag.toUpperCase()} ${RUN}`, members: agents.map((a) => ({ agent_id: a.id })) }));
    const flow = await create('/api/v1/ivr-flows', () => ({ name: `${tag}-${RUN}-${digits(4)}`, number: digits(8) }));
    await publishFlow(flow, [node('start', 'start', { next: 'q' }),
      node('q', 'queue', { no_agent: null, full: null, timeout: null }, { queue_id: queue.id })]);
    return { queue, flow };
  }
  return { api, create, signIn, undoAll, publishFlow, workbenchAgent, queueBehindFlow };
}

/** A node of an IVR graph (docs/ivr.md). */
const node = (id, type, exits, params = {}) => ({ id, type, name: id, x: 0, y: 0, params, exits });

const launch = (extra) => require(path.join(WEB_MODULES, 'playwright-core')).chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
    '--ignore-certificate-errors', ...extra],
});

/** A page of the agent's user on the workbench, its SIP WebSocket under the test's control. */
async function agentPage(b, username) {
  const ctx = await b.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  if (process.env.WBPHONE_DEBUG) {   // JsSIP's own log (the debug package) on the test's output
    await page.addInitScript(() => localStorage.setItem('debug', 'JsSIP:*'));
    page.on('console', (m) => console.log(`# page: ${m.text().slice(0, 400)}`));
  }
  await page.addInitScript(() => {
    const Real = window.WebSocket;
    window.__sip = { all: [], block: false };
    window.WebSocket = class extends Real {
      constructor(url, protocols) {
        const sip = [].concat(protocols || []).includes('sip');
        super(sip && window.__sip.block ? 'ws://127.0.0.1:9/blocked' : url, protocols);
        if (sip) window.__sip.all.push(this);
      }
    };
  });
  await page.goto(`${BASE}/#/login`);
  await input(page, 'login-tenant').fill(TENANT);
  await input(page, 'login-username').fill(username);
  await input(page, 'login-password').fill(USER_PW);
  await page.locator(sel('login-submit')).click();
  await page.locator(sel('menu-workbench')).click();
  await page.locator(sel('wb-login-card')).waitFor();
  return page;
}

const stateIs = (page, state, timeout = 15000) => page.waitForFunction(
  ([s, st]) => document.querySelector(s)?.dataset.state === st, [sel('wb-state'), state], { timeout });
const phoneIs = (page, state, timeout = 15000) => page.waitForFunction(
  ([s, st]) => document.querySelector(s)?.dataset.state === st, [sel('wb-phone-state'), state], { timeout });
const level = async (page, t) => Number(await page.locator(sel(t)).getAttribute('data-level'));
async function levelAbove(page, t, min, ms = 8000) {
  const deadline = Date.now() + ms;
  let v = await level(page, t);
  while (Date.now() < deadline && !(v > min)) {
    await sleep(100);
    v = await level(page, t);
  }
  return v;
}
/** Logs the agent in with "this browser" as the phone: idle, the tab registered. */
async function loginWithBrowser(page) {
  await page.locator(sel('wb-login-phone-browser')).click();
  await page.locator(sel('wb-login')).click();
  await stateIs(page, 'idle');
  await phoneIs(page, 'registered');
}

/** The offered call rings in the tab: answered there, the agent talking. */
async function answerInPage(page) {
  await stateIs(page, 'ringing');
  await page.waitForFunction((s) => !document.querySelector(s)?.disabled, sel('wb-answer'));
  await page.locator(sel('wb-answer')).click();
  await stateIs(page, 'talking');
}

module.exports = {
  BASE, ADMIN_PASSWORD, TENANT, WS, RUN, PHONE_PW, USER_PW, skipReason, sel, input, sleep, digits,
  adminSession, launch, agentPage, stateIs, phoneIs, level, levelAbove, loginWithBrowser, answerInPage, node,
};

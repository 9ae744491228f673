'use strict';
// The workbench's dial pad (components/workbench/DialPad.vue, decision 62), run with
// `node --test tests/browser/`. Environment as workbench_phone.test.cjs: HOTLINE_URL,
// HOTLINE_ADMIN_PASSWORD, HOTLINE_SIP (baresip's way in) and HOTLINE_SIP_WS (the daemon's --sip-wss
// or --sip-ws). WBPHONE_DEBUG=1 prints JsSIP's log of the agent's page.
//
// The agent logs in with "this browser" and dials, on the pad, another extension registered by a
// baresip phone that answers by itself (440 Hz): the agent is busy "outbound" while the call is up
// (no queue call offered), the page shows the number, talking and its timer, the called phone records
// the browser's fake microphone (1000 Hz), Hang up on the page ends the call, whose record has the
// agent's extension as the caller, and the agent is idle again. A number that does not exist: the page
// says the call failed, and the agent is idle again. With the desk phone, no pad: a hint.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { sipSkip, freeSipPort, Baresip } = require('./sip_peer.cjs');
const { toneWav, tonePower, heardWav } = require('./tones.cjs');

const BASE = (process.env.HOTLINE_URL || '').replace(/\/+$/, '');
const ADMIN_PASSWORD = process.env.HOTLINE_ADMIN_PASSWORD || '';
const TENANT = process.env.HOTLINE_TENANT || 'demo';
const WS = process.env.HOTLINE_SIP_WS || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WEB_MODULES = path.join(__dirname, '../../web/node_modules');
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
const PHONE_PW = `Pw${RUN}x12345678`;
const USER_PW = `Sp-${RUN}-pass-123`;
const MIC_HZ = 1000;    // the browser's fake microphone
const CALLEE_HZ = 440;  // the called phone's

let skip = false;
if (!BASE || !ADMIN_PASSWORD) skip = 'HOTLINE_URL / HOTLINE_ADMIN_PASSWORD are not set';
else if (!WS) skip = 'HOTLINE_SIP_WS is not set (the daemon\'s --sip-ws / --sip-wss address)';
else if (sipSkip) skip = sipSkip;
else if (!fs.existsSync(CHROMIUM)) skip = `chromium not found at ${CHROMIUM}`;
if (skip) console.log(`# skipping workbench dial pad tests: ${skip}`);

const sel = (t) => `[data-test="${t}"]`;
const input = (page, t) => page.locator(`input${sel(t)}, ${sel(t)} input`).first();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));

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

let tmp, browser, made;
const launch = (extra) => require(path.join(WEB_MODULES, 'playwright-core')).chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
    '--ignore-certificate-errors', ...extra],
});


before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-wbdial-'));
  const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenant: TENANT, username: 'admin', password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200, 'admin logs in');
  token = (await login.json()).token;

  const role = await create('/api/v1/roles', () => ({ name: `dp-${RUN}-${digits(4)}`, permissions: { workbench: 'rw' }, data_scope: 'tenant' }));
  const user = await create('/api/v1/users', () => ({ username: `dp${RUN}${digits(3)}`, password: USER_PW, role_ids: [role.id] }));
  const ext = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  const calleeExt = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  const agent = await create('/api/v1/agents', () => ({
    agent_no: digits(7), name: `拨号 ${RUN}`, extension_id: ext.id, user_id: user.id, wrap_up_s: 30,
  }));
  made = { user, ext, calleeExt, agent };

  const wav = path.join(tmp, 'tone.wav');
  toneWav(wav, MIC_HZ, 60);
  browser = await launch(['--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`]);
});

after(async () => {
  if (browser) await browser.close();
  if (made) await api('POST', `/api/v1/agents/${made.agent.id}/logout`);
  for (const url of undo) await api('DELETE', url);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A page of the agent's user on the workbench, its SIP WebSocket under the test's control. */
async function agentPage(b) {
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
  await input(page, 'login-username').fill(made.user.username);
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
const liveAgent = async () => (await api('GET', '/api/v1/agents/live')).body.items.find((a) => a.id === made.agent.id);

test('the agent dials an extension from the pad: outbound busy, audio, hang up, back to idle; a failed number', { skip, timeout: 60000 }, async () => {
  const page = await agentPage(browser);
  let callee = null;
  try {
    callee = await new Baresip({ name: 'dp-callee', user: made.calleeExt.number, password: PHONE_PW, domain: TENANT,
      port: await freeSipPort(), toneHz: CALLEE_HZ, answer: 'auto' }).start(60);
    await page.locator(sel('wb-login-phone-browser')).click();
    await page.locator(sel('wb-login')).click();
    await stateIs(page, 'idle');
    await phoneIs(page, 'registered');
    assert.ok(await callee.waitFor('200 OK', 10000), `the called phone registers: ${callee.log.slice(-800)}`);

    // ---- the number keyed in on the pad (a wrong digit taken back) ----
    await page.locator(sel('wb-dial')).waitFor();
    assert.equal(await page.locator(sel('wb-dial-call')).isDisabled(), true, 'nothing to call yet');
    for (const k of made.calleeExt.number) await page.locator(sel(`wb-dial-key-${k}`)).click();
    await page.locator(sel('wb-dial-key-#')).click();
    await page.locator(sel('wb-dial-back')).click();
    assert.equal(await input(page, 'wb-dial-number').inputValue(), made.calleeExt.number);
    const t0 = Date.now();
    await page.locator(sel('wb-dial-call')).click();

    // ---- the call: the agent busy "outbound", the page shows the number, talking, the timer ----
    await page.locator(sel('wb-out-call')).waitFor();
    assert.equal((await page.locator(sel('wb-out-number')).innerText()).trim(), made.calleeExt.number);
    assert.equal(await page.locator(sel('wb-dial')).count(), 0, 'no pad during the call');
    const busy = await liveAgent();
    assert.equal(busy.state, 'busy', 'no queue call is offered during the outbound call');
    assert.equal(busy.reason, 'outbound');
    await stateIs(page, 'busy');
    assert.match(await page.locator(sel('wb-state')).innerText(), /外呼/);
    assert.ok(await callee.waitFor('Call established', 10000), `the called phone answers: ${callee.log.slice(-1500)}`);
    await page.waitForFunction((s) => document.querySelector(s)?.dataset.status === 'talking', sel('wb-out-status'));
    const heard = await levelAbove(page, 'wb-speaker-level', 0.05);
    assert.ok(heard > 0.05, `the page hears the called phone's tone (${heard})`);
    await page.waitForFunction((s) => /[1-9]/.test(document.querySelector(s)?.textContent ?? ''), sel('wb-out-time'),
      { timeout: 5000 });   // the talk timer runs
    await sleep(1500);   // some seconds of the microphone's tone for the recording

    // ---- hang up on the page: the call ends, the agent is idle again, the record names the extension ----
    await page.locator(sel('wb-out-hangup')).click();
    assert.ok(await callee.waitFor('terminated', 10000), `the called phone is hung up: ${callee.log.slice(-1500)}`);
    await stateIs(page, 'idle');
    await page.locator(sel('wb-dial-ended')).waitFor();
    assert.equal(await page.locator(sel('wb-dial-failed')).count(), 0);
    const idle = await liveAgent();
    assert.equal(idle.state, 'idle', 'back to the state before the call');
    assert.equal(idle.reason || '', '');
    const wav = heardWav(callee);
    assert.ok(wav, 'the called phone recorded what it heard');
    const pMic = tonePower(wav, MIC_HZ), pOwn = tonePower(wav, CALLEE_HZ);
    assert.ok(pMic > 0.02 && pMic > 5 * pOwn, `the called phone hears the browser's ${MIC_HZ} Hz (power ${pMic.toFixed(3)} vs ${pOwn.toFixed(3)})`);
    let rec = null;
    for (let i = 0; i < 50 && !rec; i++) {
      const r = await api('GET', `/api/v1/calls?callee=${made.calleeExt.number}&from=${t0 - 1000}`);
      rec = r.body.items.find((c) => c.callee === made.calleeExt.number);
      if (!rec) await sleep(200);
    }
    assert.ok(rec, 'the call is recorded');
    assert.equal(rec.caller, made.ext.number, "the caller is the agent's extension");
    assert.ok(rec.answer_at, 'answered');

    // ---- a number that does not exist: the page says the call failed, the agent is idle again ----
    const nowhere = `99${digits(9)}`;
    await input(page, 'wb-dial-number').fill(nowhere);
    await page.locator(sel('wb-dial-call')).click();
    const failed = page.locator(sel('wb-dial-failed'));
    await failed.waitFor();
    const text = await failed.innerText();
    assert.ok(text.includes(nowhere) && /\b(404|480|484)\b/.test(text), `the failure is shown: ${text}`);
    await stateIs(page, 'idle');
    assert.equal((await liveAgent()).state, 'idle');
    assert.equal(await page.locator(sel('wb-out-call')).count(), 0);

    // ---- busy before the call: busy again after it ----
    await page.locator(sel('wb-busy')).click();
    await stateIs(page, 'busy');
    const nowhere2 = `98${digits(9)}`;
    await input(page, 'wb-dial-number').fill(nowhere2);
    await page.locator(sel('wb-dial-call')).click();
    await page.waitForFunction(([s, n]) => document.querySelector(s)?.textContent.includes(n), [sel('wb-dial-failed'), nowhere2]);
    await stateIs(page, 'busy');
    for (let i = 0; i < 30 && (await liveAgent()).reason === 'outbound'; i++) await sleep(100);
    const after = await liveAgent();
    assert.equal(after.state, 'busy', 'busy again after the call');
    assert.notEqual(after.reason, 'outbound');

    // ---- the desk phone: no pad, a hint ----
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    await page.locator(sel('wb-login-phone-desk')).click();
    await page.locator(sel('wb-login')).click();
    await stateIs(page, 'idle');
    await page.locator(sel('wb-dial-desk')).waitFor();
    assert.match(await page.locator(sel('wb-dial-desk')).innerText(), /桌面电话/);
    assert.equal(await page.locator(sel('wb-dial')).count(), 0, 'no dial pad for a desk phone');
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    if (callee) await callee.stop();
    await page.context().close();
  }
});

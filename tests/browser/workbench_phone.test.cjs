'use strict';
// The workbench's browser softphone (composables/browserPhone.ts, decision 60), run with
// `node --test tests/browser/`. Environment as webrtc.test.cjs: HOTLINE_URL, HOTLINE_ADMIN_PASSWORD,
// HOTLINE_SIP (baresip's way in) and HOTLINE_SIP_WS (the daemon's --sip-wss or --sip-ws; the test's
// Chromium accepts the self-signed certificate). The daemon must have been started with that
// WebSocket listener: the workbench offers "this browser" only when GET /workbench/phone has a ws_url.
// WBPHONE_DEBUG=1 prints JsSIP's log of the agent's page.
//
// An agent's user signs in, picks "this browser" and logs in; the tab registers the agent's extension
// over WebSocket. A baresip caller (440 Hz) dials an IVR flow into the agent's queue; the page rings,
// the agent clicks Answer; audio flows both ways (the caller records the fake microphone's 1000 Hz,
// the page's received-audio meter moves); hold from the page holds the live call; the SIP WebSocket
// is cut mid-call: the page says so, the call survives (media does not go through the socket), the
// phone registers again once the network is back (its contact of the lost socket replaced); hang up from the page ends the call everywhere
// and its record names the agent; with the agent's auto-answer on, the next call is answered in
// the tab by itself. Before that, a Chromium without the fake permission UI denies the
// microphone: the page says so and offers the desk phone, with which the agent logs in.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freeSipPort, Baresip } = require('./sip_peer.cjs');
const { toneWav, tonePower, heardWav } = require('./tones.cjs');
const {
  TENANT, WS, RUN, PHONE_PW, USER_PW, skipReason, sel, input, sleep, digits, adminSession, launch,
  agentPage, stateIs, phoneIs, loginWithBrowser, answerInPage, level, levelAbove,
} = require('./workbench_harness.cjs');

const MIC_HZ = 1000;    // the browser's fake microphone
const CALLER_HZ = 440;  // the caller's

const skip = skipReason() || false;
if (skip) console.log(`# skipping workbench browser phone tests: ${skip}`);

const { api, create, signIn, undoAll, workbenchAgent, queueBehindFlow } = adminSession();
let tmp, browser, made;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-wbphone-'));
  await signIn();

  const { user, ext, agent } = await workbenchAgent('sp', `软电话 ${RUN}`);
  const callerExt = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  const { queue, flow } = await queueBehindFlow('sp', [agent]);
  made = { user, ext, callerExt, agent, queue, flow };

  const wav = path.join(tmp, 'tone.wav');
  toneWav(wav, MIC_HZ, 60);
  browser = await launch(['--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`]);
});

after(async () => {
  if (browser) await browser.close();
  if (made) await api('POST', `/api/v1/agents/${made.agent.id}/logout`);
  await undoAll();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const liveCall = async () => (await api('GET', '/api/v1/calls/live')).body.items.find((c) => c.agent_id === made.agent.id);
const liveAgent = async () => (await api('GET', '/api/v1/agents/live')).body.items.find((a) => a.id === made.agent.id);
async function registered(transport) {
  const r = await api('GET', `/api/v1/registrations?number=${made.ext.number}`);
  return r.body.items.filter((c) => c.transport === transport);
}

test('a denied microphone: the page says so and offers the desk phone', { skip, timeout: 30000 }, async () => {
  const strict = await launch([]);   // no fake permission UI: headless Chromium denies the microphone
  try {
    const page = await agentPage(strict, made.user.username);
    await page.locator(sel('wb-login-phone-browser')).click();
    assert.match(await page.locator(sel('wb-login-card')).innerText(), /签入期间请保持本页打开/);
    await page.locator(sel('wb-login')).click();
    const msg = page.locator(sel('wb-phone-error'));
    await msg.waitFor();
    assert.match(await msg.innerText(), /麦克风已被禁止/);
    assert.equal((await liveAgent()).state, 'offline', 'not logged in with a phone that cannot speak');
    assert.equal((await registered('wss')).length + (await registered('ws')).length, 0, 'nothing registered');
    await page.locator(sel('wb-use-desk')).click();
    await page.locator(sel('wb-phone-error')).waitFor({ state: 'detached' });
    assert.equal(await page.locator(`${sel('wb-login-phone-desk')} input`).isChecked(), true);
    await page.locator(sel('wb-login')).click();
    await stateIs(page, 'idle');
    assert.equal(await page.locator(sel('wb-phone')).getAttribute('data-kind'), 'desk');
    assert.equal(await page.locator(sel('wb-phone-bar')).count(), 0);
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    assert.deepEqual(page.errors, []);
  } finally {
    await strict.close();
  }
});

test('the agent answers in the browser: audio both ways, hold, the SIP socket lost mid-call, hang up', { skip, timeout: 90000 }, async () => {
  const transport = WS.startsWith('wss') ? 'wss' : 'ws';
  const page = await agentPage(browser, made.user.username);
  let caller = null;
  try {
    // ---- log in with this browser: the tab registers the agent's extension ----
    await loginWithBrowser(page);
    assert.equal(await page.locator(sel('wb-phone')).getAttribute('data-kind'), 'browser');
    assert.equal((await registered(transport)).length, 1, `the extension is registered over ${transport}`);
    assert.ok(await levelAbove(page, 'wb-mic-level', 0.02) > 0.02, 'the microphone meter moves');
    assert.ok((await page.locator(`${sel('wb-mic-select')}`).count()) === 1, 'a microphone can be chosen');

    // ---- a caller goes through the IVR into the queue; the page rings and answers ----
    caller = await new Baresip({ name: 'sp-caller', user: made.callerExt.number, password: PHONE_PW, domain: TENANT,
      port: await freeSipPort(), toneHz: CALLER_HZ }).start(80);
    assert.ok(await caller.waitFor('200 OK', 10000), `the caller registers: ${caller.log.slice(-800)}`);
    await caller.command('dial', `sip:${made.flow.number}@${TENANT}`);
    await stateIs(page, 'ringing');
    assert.equal((await page.locator(sel('wb-queue')).innerText()).trim(), made.queue.name);
    await page.waitForFunction((s) => !document.querySelector(s)?.disabled, sel('wb-answer'));
    await page.locator(sel('wb-answer')).click();
    await stateIs(page, 'talking');
    assert.ok(await caller.waitFor('Call established', 10000), caller.log.slice(-1500));
    const heard = await levelAbove(page, 'wb-speaker-level', 0.05);
    assert.ok(heard > 0.05, `the page's received-audio meter shows the caller's tone (${heard})`);
    assert.equal((await liveCall()).state, 'talking');

    // ---- hold and resume from the page ----
    await page.locator(sel('wb-hold')).click();
    await page.locator(sel('wb-unhold')).waitFor();
    assert.equal((await liveCall()).on_hold, true, 'on hold');
    await page.locator(sel('wb-unhold')).click();
    await page.locator(sel('wb-hold')).waitFor();
    assert.equal((await liveCall()).on_hold, false, 'resumed');
    assert.ok(await levelAbove(page, 'wb-speaker-level', 0.05, 3000) > 0.05, 'audio after the resume');

    // ---- the SIP WebSocket is lost mid-call: the page says so, the call goes on ----
    const [first] = await registered(transport);
    await page.evaluate(() => { window.__sip.block = true; window.__sip.all.at(-1).close(); });
    await phoneIs(page, 'disconnected');
    await page.locator(sel('wb-phone-lost')).waitFor();
    assert.match(await page.locator(sel('wb-phone-lost')).innerText(), /进行中的通话声音不受影响/);
    await sleep(1000);
    assert.equal((await liveCall())?.state, 'talking', 'the call survives the lost socket');
    assert.equal((await liveAgent()).state, 'talking', 'the agent is still talking');
    assert.ok(await levelAbove(page, 'wb-speaker-level', 0.05, 3000) > 0.05, 'audio still arrives');
    await page.evaluate(() => { window.__sip.block = false; });
    await phoneIs(page, 'registered', 20000);
    await page.locator(sel('wb-phone-lost')).waitFor({ state: 'detached' });
    const again = await registered(transport);
    assert.equal(again.length, 1, `registered again over the new socket, the lost one's contact gone: ${JSON.stringify(again)}`);
    assert.notEqual(again[0].contact, first.contact);

    // ---- hang up from the page: everything ends, the record names the agent ----
    await page.locator(sel('wb-hangup')).click();
    assert.ok(await caller.waitFor('terminated', 10000), `the caller is hung up: ${caller.log.slice(-1500)}`);
    await stateIs(page, 'wrap_up');
    await page.waitForFunction((s) => Number(document.querySelector(s)?.dataset.level) === 0, sel('wb-speaker-level'),
      { timeout: 8000 });   // the browser's call ended too (its meter is off)
    const wav = heardWav(caller);
    assert.ok(wav, 'the caller recorded what it heard');
    const pMic = tonePower(wav, MIC_HZ), pOwn = tonePower(wav, CALLER_HZ);
    assert.ok(pMic > 0.02 && pMic > 5 * pOwn, `the caller hears the browser's ${MIC_HZ} Hz (power ${pMic.toFixed(3)} vs ${pOwn.toFixed(3)})`);
    let rec = null;
    for (let i = 0; i < 50 && !rec; i++) {
      const r = await api('GET', `/api/v1/calls?agent_id=${made.agent.id}`);
      rec = r.body.items.find((c) => c.caller === made.callerExt.number);
      if (!rec) await sleep(200);
    }
    assert.ok(rec, 'the call record names the agent');
    assert.equal(rec.agent_no, made.agent.agent_no);
    assert.ok(rec.answer_at, 'answered');

    // ---- the agent's auto-answer: the next call is answered in the tab without a click ----
    await page.locator(sel('wb-wrapup-done')).click();
    await stateIs(page, 'idle');
    const r = await api('PATCH', `/api/v1/agents/${made.agent.id}`, { auto_answer: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const established = caller.log.split('Call established').length;
    await caller.command('dial', `sip:${made.flow.number}@${TENANT}`);
    await stateIs(page, 'talking');
    for (let i = 0; i < 50 && caller.log.split('Call established').length === established; i++) await sleep(100);
    assert.ok(caller.log.split('Call established').length > established, 'the caller is connected');
    await page.locator(sel('wb-hangup')).click();
    await stateIs(page, 'wrap_up');
    await page.locator(sel('wb-wrapup-done')).click();
    await stateIs(page, 'idle');

    // ---- log out: the browser unregisters ----
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    for (let i = 0; i < 30 && (await registered(transport)).length; i++) await sleep(100);
    const left = await registered(transport);
    assert.equal(left.length, 0, `unregistered on logout: ${JSON.stringify(left)}`);
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    if (caller) await caller.stop();
    await page.context().close();
  }
});

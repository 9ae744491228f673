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
// says the call failed, and the agent is idle again. With the desk phone the pad places the call by
// click-to-call: with nothing registered the page says why; with a phone (baresip) it rings first,
// showing the number, and once it answers the callee is called.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freeSipPort, Baresip } = require('./sip_peer.cjs');
const { toneWav, tonePower, heardWav } = require('./tones.cjs');
const {
  TENANT, RUN, PHONE_PW, USER_PW, skipReason, sel, input, sleep, digits, adminSession, launch,
  agentPage, stateIs, phoneIs, loginWithBrowser, answerInPage, level, levelAbove,
} = require('./workbench_harness.cjs');

const MIC_HZ = 1000;    // the browser's fake microphone
const CALLEE_HZ = 440;  // the called phone's

const skip = skipReason() || false;
if (skip) console.log(`# skipping workbench dial pad tests: ${skip}`);

const { api, create, signIn, undoAll, workbenchAgent } = adminSession();
let tmp, browser, made;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-wbdial-'));
  await signIn();

  const { user, ext, agent } = await workbenchAgent('dp', `拨号 ${RUN}`);
  const calleeExt = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  made = { user, ext, calleeExt, agent };

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

const liveAgent = async () => (await api('GET', '/api/v1/agents/live')).body.items.find((a) => a.id === made.agent.id);

test('the agent dials an extension from the pad: outbound busy, audio, keys, hang up, back to idle; a failed number; click-to-call on the desk phone', { skip, timeout: 60000 }, async () => {
  const page = await agentPage(browser, made.user.username);
  let callee = null, desk = null;
  try {
    callee = await new Baresip({ name: 'dp-callee', user: made.calleeExt.number, password: PHONE_PW, domain: TENANT,
      port: await freeSipPort(), toneHz: CALLEE_HZ, answer: 'auto' }).start(60);
    await loginWithBrowser(page);
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
    // ---- keys on the answered call (an IVR at the far end) reach the called phone ----
    for (const k of ['1', '5', '#']) await page.locator(sel(`wb-out-key-${k}`)).click();
    assert.equal((await page.locator(sel('wb-out-keys')).innerText()).trim(), '15#');
    for (const k of ['1', '5', '#']) {
      assert.ok(await callee.waitFor(`received DTMF: '${k}'`, 5000), `the called phone gets key ${k}: ${callee.log.slice(-1500)}`);
    }
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

    // ---- the desk phone: click-to-call; nothing registered on it yet: the page says why ----
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    await page.locator(sel('wb-login-phone-desk')).click();
    await page.locator(sel('wb-login')).click();
    await stateIs(page, 'idle');
    await page.locator(`${sel('wb-dial')}[data-kind="desk"]`).waitFor();
    assert.match(await page.locator(sel('wb-dial')).innerText(), /桌面电话/);
    await input(page, 'wb-dial-number').fill(made.calleeExt.number);
    await page.locator(sel('wb-dial-call')).click();
    await page.locator(sel('wb-dial-failed')).waitFor();
    assert.match(await page.locator(sel('wb-dial-failed')).innerText(), /registered/);
    // the desk phone (a baresip answering by itself) rings first, showing the number; then the callee
    desk = await new Baresip({ name: 'dp-desk', user: made.ext.number, password: PHONE_PW, domain: TENANT,
      port: await freeSipPort(), toneHz: MIC_HZ, answer: 'auto' }).start(40);
    assert.ok(await desk.waitFor('200 OK', 10000), `the desk phone registers: ${desk.log.slice(-800)}`);
    const established = callee.log.split('Call established').length;
    await page.locator(sel('wb-dial-call')).click();
    await page.locator(sel('wb-dial-ringing')).waitFor();
    assert.match(await page.locator(sel('wb-dial-ringing')).innerText(), new RegExp(made.calleeExt.number));
    assert.ok(await desk.waitFor('Call established', 10000), `the desk phone answers: ${desk.log.slice(-1500)}`);
    assert.ok(desk.log.includes(`sip:${made.calleeExt.number}@`), 'the desk phone was shown the number');
    for (let i = 0; i < 100 && callee.log.split('Call established').length === established; i++) await sleep(100);
    assert.ok(callee.log.split('Call established').length > established, `the callee is called: ${callee.log.slice(-1500)}`);
    const own = await liveAgent();
    assert.equal(own.other_calls, 1, 'the desk call keeps queue calls away');
    const live = (await api('GET', '/api/v1/calls/live')).body.items.find((c) => c.caller === made.ext.number);
    assert.ok(live, 'the call is live');
    assert.equal((await api('DELETE', `/api/v1/calls/live/${live.id}`)).status, 204);
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    if (callee) await callee.stop();
    if (desk) await desk.stop();
    await page.context().close();
  }
});

/** A carrier for the caller-ID test: sipp answering one call on `port`, its messages traced to a file. */
function sippCarrier(dir, port) {
  const { spawn } = require('node:child_process');
  const xml = path.join(dir, 'carrier.xml');
  fs.writeFileSync(xml, `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="carrier">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`);
  const trace = path.join(dir, 'carrier-messages.log');
  const proc = spawn('sipp', ['-sf', xml, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-bg',
    '-trace_msg', '-message_file', trace], { stdio: 'ignore' });
  return {
    proc,
    /** The INVITE the carrier received, or '' until one came. */
    invite: () => {
      try { return fs.readFileSync(trace, 'utf8').match(/INVITE sip:[\s\S]*?\r?\n\r?\n/)?.[0] ?? ''; } catch { return ''; }
    },
    stop: () => { try { execKill(port); } catch { /* gone */ } },
  };
}
function execKill(port) {
  require('node:child_process').execFileSync('pkill', ['-f', `sipp -sf .* -p ${port} `]);
}

test('the agent picks the caller ID on the dial pad: the carrier gets it; automatic is the route\'s rule', { skip, timeout: 60000 }, async () => {
  const port = await freeSipPort();
  const prefix = `70${digits(3)}`;
  const [n1, n2] = [await create('/api/v1/numbers', () => ({ number: `2155${digits(6)}` })),
    await create('/api/v1/numbers', () => ({ number: `2156${digits(6)}` }))];
  const trunk = await create('/api/v1/trunks', () => ({ name: `dp-carrier-${port}`, type: 'peer', host: '127.0.0.1', port,
    peer_cidrs: ['127.0.0.1/32'] }));
  await create('/api/v1/outbound-routes', () => ({ name: `dp-${RUN}-${digits(4)}`, priority: 1, patterns: [`${prefix}X.`],
    caller_id_policy: 'fixed', caller_id_number: n1.number, caller_id_pool: [n1.number, n2.number],
    caller_id_choice: true, trunk_ids: [trunk.id], dial_permission: 'internal' }));
  const page = await agentPage(browser, made.user.username);
  const carriers = [];
  try {
    await loginWithBrowser(page);

    const callOut = async (cid) => {
      const carrier = sippCarrier(fs.mkdtempSync(path.join(tmp, 'carrier-')), port);
      carriers.push(carrier);
      await sleep(300);   // sipp listens
      await page.locator(sel('wb-dial-cid')).click();
      await page.locator(`.el-select-dropdown:visible .el-select-dropdown__item:has-text("${cid || '自动'}")`).click();
      await input(page, 'wb-dial-number').fill(`${prefix}123456`);
      await page.locator(sel('wb-dial-call')).click();
      await page.waitForFunction((s) => document.querySelector(s)?.dataset.status === 'talking', sel('wb-out-status'),
        { timeout: 10000 });
      const invite = carrier.invite();
      await page.locator(sel('wb-out-hangup')).click();
      await page.locator(sel('wb-dial-ended')).waitFor();
      return invite;
    };
    // the choice is offered: automatic, then the route's pool
    const chosen = await callOut(n2.number);
    assert.match(chosen, new RegExp(`^From: [^\\r\\n]*sip:${n2.number}@`, 'm'), `the carrier sees the chosen number: ${chosen}`);
    const auto = await callOut('');
    assert.match(auto, new RegExp(`^From: [^\\r\\n]*sip:${n1.number}@`, 'm'), `automatic: the route's fixed number: ${auto}`);
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    for (const c of carriers) c.stop();
    await page.context().close();
  }
});

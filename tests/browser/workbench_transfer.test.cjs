'use strict';
// A blind transfer from the workbench's browser phone (components/workbench/CallPanel.vue), run with
// `node --test tests/browser/`. Environment as workbench_phone.test.cjs (workbench_harness.cjs).
//
// The agent logs in with "this browser" and answers a queue call in the page (the caller's baresip,
// 440 Hz, hears the fake microphone's 1000 Hz); Transfer… → extension → a third phone's number: the
// third phone (a baresip answering by itself, 600 Hz) is connected to the caller, who then hears its
// tone; the live call shows the third phone as the answering party; the agent goes to wrap-up and the
// browser's own call has ended (its received-audio meter is off). The Survey button (the queue's
// survey_flow_id) sends the customer into the survey flow: the agent wraps up, the call's IVR path
// goes through the survey to its end.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freeSipPort, Baresip } = require('./sip_peer.cjs');
const { toneWav, tonePower, heardWav } = require('./tones.cjs');
const {
  TENANT, RUN, PHONE_PW, USER_PW, skipReason, sel, input, sleep, digits, adminSession, launch,
  agentPage, stateIs, phoneIs, loginWithBrowser, answerInPage, node, levelAbove,
} = require('./workbench_harness.cjs');

const MIC_HZ = 1000;    // the browser's fake microphone
const CALLER_HZ = 440;  // the caller's
const THIRD_HZ = 600;   // the phone the call is transferred to

const skip = skipReason() || false;
if (skip) console.log(`# skipping workbench browser transfer test: ${skip}`);

const { api, create, signIn, undoAll, publishFlow, workbenchAgent, queueBehindFlow } = adminSession();
let tmp, browser, made;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-wbxfer-'));
  await signIn();
  const { user, agent } = await workbenchAgent('tx', `转接 ${RUN}`);
  const callerExt = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  const thirdExt = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  const { queue, flow } = await queueBehindFlow('tx', [agent]);
  // the queue's satisfaction survey: a flow the Survey button sends the customer to
  const survey = await create('/api/v1/ivr-flows', () => ({ name: `tx-survey-${RUN}-${digits(4)}` }));
  await publishFlow(survey, [node('start', 'start', { next: 'thanks' }),
    node('thanks', 'play', { next: 'bye' }, { prompt: [{ type: 'tone', name: 'confirm' }], loops: 3 }),
    node('bye', 'hangup', {}, { prompt: [] })]);
  const r = await api('PATCH', `/api/v1/queues/${queue.id}`, { survey_flow_id: survey.id });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  made = { user, callerExt, thirdExt, agent, flow, survey };
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

/** A phone of the test registered at the daemon. */
async function phone(name, number, toneHz, answer) {
  const p = await new Baresip({ name, user: number, password: PHONE_PW, domain: TENANT, port: await freeSipPort(), toneHz, answer })
    .start(40);
  assert.ok(await p.waitFor('200 OK', 10000), `${name} registers: ${p.log.slice(-800)}`);
  return p;
}
const callOf = async (caller) => (await api('GET', '/api/v1/calls/live')).body.items.find((c) => c.caller === caller);

test('the agent answers in the browser and transfers the caller blind to another extension', { skip, timeout: 60000 }, async () => {
  const page = await agentPage(browser, made.user.username);
  let caller = null;
  let third = null;
  try {
    await loginWithBrowser(page);
    [caller, third] = await Promise.all([phone('tx-caller', made.callerExt.number, CALLER_HZ, 'manual'),
      phone('tx-third', made.thirdExt.number, THIRD_HZ, 'auto')]);

    // ---- the queue call is answered in the page ----
    await caller.command('dial', `sip:${made.flow.number}@${TENANT}`);
    await answerInPage(page);
    assert.ok(await caller.waitFor('Call established', 10000), caller.log.slice(-1500));
    assert.ok(await levelAbove(page, 'wb-speaker-level', 0.05) > 0.05, 'the page hears the caller');
    assert.equal((await callOf(made.callerExt.number)).agent_id, made.agent.id);

    // ---- Transfer… → extension → the third phone ----
    await page.locator(sel('wb-transfer')).click();
    assert.equal(await page.locator(`${sel('wb-transfer-kind-extension')} input`).isChecked(), true, 'extension by default');
    await input(page, 'wb-transfer-number').fill(made.thirdExt.number);
    await page.locator(sel('wb-transfer-go')).click();
    await page.locator(sel('wb-transfer-dialog')).waitFor({ state: 'hidden' });
    await stateIs(page, 'wrap_up');
    await page.waitForFunction((s) => Number(document.querySelector(s)?.dataset.level) === 0, sel('wb-speaker-level'),
      { timeout: 8000 });   // the browser's call has ended
    assert.ok(await third.waitFor('Call established', 10000), `the third phone answers: ${third.log.slice(-1500)}`);
    let live = null;
    for (let i = 0; i < 30 && live?.answered_by !== made.thirdExt.number; i++) {
      live = await callOf(made.callerExt.number);
      if (live?.answered_by !== made.thirdExt.number) await sleep(100);
    }
    assert.equal(live?.answered_by, made.thirdExt.number, `the live call's party is the third phone: ${JSON.stringify(live)}`);
    assert.equal(live.state, 'talking');
    await sleep(2500);   // the caller hears the third phone for a while

    // ---- the caller hangs up: what they heard after the transfer was the third phone ----
    await caller.command('hangup');
    assert.ok(await third.waitFor('terminated', 10000), `the third phone is hung up: ${third.log.slice(-1500)}`);
    const wav = heardWav(caller);
    assert.ok(wav, 'the caller recorded what it heard');
    const pThird = tonePower(wav, THIRD_HZ), pOwn = tonePower(wav, CALLER_HZ);
    assert.ok(pThird > 0.02 && pThird > 5 * pOwn,
      `the caller hears the third phone's ${THIRD_HZ} Hz (power ${pThird.toFixed(3)} vs ${pOwn.toFixed(3)})`);
    assert.equal(await page.locator(sel('wb-state')).getAttribute('data-state'), 'wrap_up', 'the agent stays in wrap-up');
    await page.locator(sel('wb-wrapup-done')).click();
    await stateIs(page, 'idle');
    await page.locator(sel('wb-logout')).click();
    await page.locator(sel('wb-login-card')).waitFor();
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    if (caller) await caller.stop();
    if (third) await third.stop();
    await page.context().close();
  }
});

test('the Survey button sends the customer to the queue\'s satisfaction survey', { skip, timeout: 60000 }, async () => {
  const page = await agentPage(browser, made.user.username);
  let caller = null;
  try {
    await loginWithBrowser(page);
    caller = await phone('sv-caller', made.callerExt.number, CALLER_HZ, 'manual');
    const t0 = Date.now();
    await caller.command('dial', `sip:${made.flow.number}@${TENANT}`);
    await answerInPage(page);
    assert.ok(await caller.waitFor('Call established', 10000), caller.log.slice(-1500));
    await page.locator(sel('wb-survey')).click();
    await stateIs(page, 'wrap_up');
    // the customer is in the survey (not hung up with the agent): it plays, then hangs up
    assert.ok(await caller.waitFor('terminated', 15000), `the survey ends the call: ${caller.log.slice(-1500)}`);
    let rec = null;
    for (let i = 0; i < 50 && !rec; i++) {
      const list = (await api('GET', `/api/v1/calls?caller=${made.callerExt.number}&from=${t0 - 1000}`)).body.items;
      if (list.length) rec = (await api('GET', `/api/v1/calls/${list[0].id}`)).body;
      else await sleep(200);
    }
    assert.ok(rec, 'the call is recorded');
    const flows = rec.ivr_path.map((st) => st.flow_id);
    assert.ok(flows.includes(made.survey.id), `the IVR path goes through the survey: ${JSON.stringify(rec.ivr_path)}`);
    assert.equal(rec.ivr_path.at(-1).node_id, 'bye', 'and ends in its last node');
    assert.equal(rec.agent_id, made.agent.id, 'the record keeps the agent');
    await page.locator(sel('wb-wrapup-done')).click();
    await stateIs(page, 'idle');
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    if (caller) await caller.stop();
    await page.context().close();
  }
});

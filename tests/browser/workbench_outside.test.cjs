'use strict';
// The workbench's fourth phone: the agent's outside number (a mobile; decisions 61, 64), run with
// `node --test tests/browser/`. Environment as workbench_phone.test.cjs (workbench_harness.cjs).
//
// An agent with a bound extension and an outside number signs in: the login card offers "my mobile /
// outside number" with the number. Another agent already logged in on that number: the login is
// refused with 409 phone_in_use, said on the card. Once free, the agent logs in on it: the state bar
// shows the outside number (kind "external"), no browser-phone bar, and the live board says the agent
// works on the outside number. A queue call then rings that number through the tenant's outbound
// route: a baresip acting as the carrier (a peer trunk, answering by itself with its own tone) is
// called at the agent's number and answers; the page shows talking, the caller hears the carrier's
// tone; hang up on the page ends the call, whose record was answered by the trunk. After logging
// out, an administrator clears the number meanwhile: logging in with it is refused on the card
// (the number is gone), and the choice is no longer offered.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { freeSipPort, Baresip } = require('./sip_peer.cjs');
const { tonePower, heardWav } = require('./tones.cjs');
const {
  TENANT, RUN, PHONE_PW, USER_PW, skipReason, sel, sleep, digits, adminSession, launch, agentPage, stateIs,
} = require('./workbench_harness.cjs');

const CALLER_HZ = 440;   // the caller's phone
const CARRIER_HZ = 700;  // the "mobile" behind the carrier

const skip = skipReason() || false;
if (skip) console.log(`# skipping workbench outside-number tests: ${skip}`);


const { api, create, signIn, undoAll, workbenchAgent, queueBehindFlow } = adminSession();
let browser, made;

before(async () => {
  if (skip) return;
  await signIn();
  const mobile = `0139${digits(8)}`;   // only this test's route matches it: other calls are not caught
  const trunkPort = await freeSipPort();
  const trunk = await create('/api/v1/trunks', () => ({
    name: `mobile-carrier-${RUN}-${digits(3)}`, type: 'peer', host: '127.0.0.1', port: trunkPort, peer_cidrs: ['127.0.0.1/32'],
  }));
  await create('/api/v1/outbound-routes', () => ({
    name: `mobile-${RUN}-${digits(3)}`, patterns: [mobile], trunk_ids: [trunk.id], dial_permission: 'local',
  }));
  const { user, ext, agent } = await workbenchAgent('ox', `外线 ${RUN}`, { external_number: mobile });
  const callerExt = await create('/api/v1/extensions', () => ({ number: digits(8), password: PHONE_PW }));
  const rival = await create('/api/v1/agents', () => ({ agent_no: digits(7), name: `同号 ${RUN}`, external_number: mobile }));
  const { flow } = await queueBehindFlow('ox', [agent]);
  made = { mobile, trunk, trunkPort, user, ext, callerExt, agent, rival, flow };
  browser = await launch([]);
});

after(async () => {
  if (browser) await browser.close();
  if (made) {
    await api('POST', `/api/v1/agents/${made.agent.id}/logout`);
    await api('POST', `/api/v1/agents/${made.rival.id}/logout`);
  }
  await undoAll();
});

const liveAgent = async (id) => (await api('GET', '/api/v1/agents/live')).body.items.find((a) => a.id === id);

test('an agent works on their outside number: offered, refused while in use, rung through the outbound route, gone when cleared',
  { skip, timeout: 60000 }, async () => {
    const page = await agentPage(browser, made.user.username);
    let caller = null;
    let carrier = null;
    try {
      // ---- the card offers the outside number; the rival works on it: refused on the card ----
      const choice = page.locator(sel('wb-login-phone-external'));
      assert.match(await choice.innerText(), new RegExp(`手机/外线号码 ${made.mobile}`));
      await choice.click();
      assert.match(await page.locator(sel('wb-login-card')).innerText(), /来电通过公司的外线呼叫您的手机/);
      let r = await api('POST', `/api/v1/agents/${made.rival.id}/login`, { phone: 'external' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await page.locator(sel('wb-login')).click();
      const refusal = page.locator(sel('wb-login-error'));
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /另一位已签入的坐席正在使用这部话机[\s\S]*another agent logged in works on that phone/);
      assert.equal((await liveAgent(made.agent.id)).state, 'offline');
      r = await api('POST', `/api/v1/agents/${made.rival.id}/logout`);
      assert.equal(r.status, 200, JSON.stringify(r.body));

      // ---- logged in on the outside number ----
      await page.locator(sel('wb-login')).click();
      await stateIs(page, 'idle');
      assert.equal(await page.locator(sel('wb-login-error')).count(), 0, 'the refusal is gone');
      const phone = page.locator(sel('wb-phone'));
      assert.equal(await phone.getAttribute('data-kind'), 'external');
      assert.match(await phone.innerText(), new RegExp(`外线号码 ${made.mobile}`));
      assert.equal(await page.locator(sel('wb-phone-bar')).count(), 0, 'no browser-phone bar');
      assert.match(await page.locator(sel('wb-dial-desk')).innerText(), new RegExp(`您在外线号码 ${made.mobile} 上工作`), 'no dial pad');
      assert.match(await page.locator(sel('wb-call-panel')).innerText(), new RegExp(`来电会呼叫您的外线号码 ${made.mobile}`));
      const row = await liveAgent(made.agent.id);
      assert.deepEqual([row.state, row.phone, row.external], ['idle', made.mobile, true], JSON.stringify(row));

      // ---- a queue call rings the number through the carrier, which answers ----
      carrier = await new Baresip({ name: 'ox-carrier', user: made.mobile, port: made.trunkPort, toneHz: CARRIER_HZ,
        answer: 'auto' }).start(40);
      caller = await new Baresip({ name: 'ox-caller', user: made.callerExt.number, password: PHONE_PW, domain: TENANT,
        port: await freeSipPort(), toneHz: CALLER_HZ }).start(40);
      assert.ok(await caller.waitFor('200 OK', 10000), `the caller registers: ${caller.log.slice(-800)}`);
      await caller.command('dial', `sip:${made.flow.number}@${TENANT}`);
      await stateIs(page, 'talking');
      assert.ok(await carrier.waitFor('Call established', 5000), `the carrier answered: ${carrier.log.slice(-1500)}`);
      // baresip takes a call only for its account's user (else 404): the request was for the agent's number
      assert.match(carrier.log, new RegExp(`${made.mobile}@127\\.0\\.0\\.1: Call established`), 'the agent\'s number was called');
      assert.ok(await caller.waitFor('Call established', 5000), caller.log.slice(-1500));
      await sleep(1500);   // some of the carrier's tone for the caller to record

      // ---- hang up on the page ----
      await page.locator(sel('wb-hangup')).click();
      await stateIs(page, 'wrap_up');
      assert.ok(await carrier.waitFor('terminated', 5000), `the carrier is hung up: ${carrier.log.slice(-1500)}`);
      assert.ok(await caller.waitFor('terminated', 5000), `the caller is hung up: ${caller.log.slice(-1500)}`);
      const wav = heardWav(caller);
      assert.ok(wav, 'the caller recorded what it heard');
      const pCarrier = tonePower(wav, CARRIER_HZ), pOwn = tonePower(wav, CALLER_HZ);
      assert.ok(pCarrier > 0.02 && pCarrier > 5 * pOwn,
        `the caller hears the outside phone's ${CARRIER_HZ} Hz (power ${pCarrier.toFixed(3)} vs ${pOwn.toFixed(3)})`);
      let rec = null;
      for (let i = 0; i < 30 && !rec; i++) {
        rec = (await api('GET', `/api/v1/calls?agent_id=${made.agent.id}`)).body.items.find((c) => c.caller === made.callerExt.number);
        if (!rec) await sleep(200);
      }
      assert.ok(rec, 'the call record names the agent');
      assert.equal(rec.answered_by, made.trunk.name, 'answered through the carrier trunk');
      await page.locator(sel('wb-wrapup-done')).click();
      await stateIs(page, 'idle');
      await page.locator(sel('wb-logout')).click();
      await page.locator(sel('wb-login-card')).waitFor();

      // ---- the number cleared meanwhile: refused on the card, and no longer offered ----
      r = await api('PATCH', `/api/v1/agents/${made.agent.id}`, { external_number: '' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(await page.locator(`${sel('wb-login-phone-external')} input`).isChecked(), true, 'still picked');
      await page.locator(sel('wb-login')).click();
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /您的外线号码已不再设置：请管理员在坐席上设置/);
      await choice.waitFor({ state: 'detached' });
      assert.equal(await page.locator(`${sel('wb-login-phone-desk')} input`).isChecked(), true, 'back to the desk phone');
      assert.equal((await liveAgent(made.agent.id)).state, 'offline');
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    } finally {
      if (caller) await caller.stop();
      if (carrier) await carrier.stop();
      await page.context().close();
    }
  });

'use strict';
// Browser tests of the IVR flow designer, run with `node --test tests/browser/`. Environment and
// set-up: browser_lib.cjs (HOTLINE_URL, HOTLINE_ADMIN_PASSWORD, chromium); the call at the end of the
// first test also needs HOTLINE_SIP (the daemon's SIP address) and baresip (sip_peer.cjs).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, RUN, withPage, sel, visible, input, textarea, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');
const { sipSkip, freeSipPort, Baresip } = require('./sip_peer.cjs');

if (skip) console.log(`# skipping IVR designer browser tests: ${skip}`);
else if (sipSkip) console.log(`# IVR designer browser tests place no call: ${sipSkip}`);

/** The node id of a node element on the canvas. */
async function nodeId(page, locator) {
  return (await locator.getAttribute('data-test')).slice('ivr-node-'.length);
}
/** Adds a node from the palette; it is selected, its panel open. Answers its id. */
async function addNode(page, type, name) {
  const before = await page.locator(`[data-node-type="${type}"]`).count();
  await page.locator(sel(`ivr-palette-${type}`)).click();
  const node = page.locator(`[data-node-type="${type}"]`).nth(before);
  await node.waitFor();
  const id = await nodeId(page, node);
  assert.equal((await page.locator(sel('ivr-node-id')).innerText()).trim(), id, 'the new node is selected');
  await input(page, 'ivr-node-name').fill(name);
  return id;
}
/** Shows the whole flow (the canvas's "fit view" control). */
async function fitView(page) {
  await page.locator('.vue-flow__controls-fitview').click();
  await page.waitForTimeout(300);
}
/** Drags from an exit's handle to a node's input handle (as a user connects them). */
async function connect(page, fromId, exit, toId) {
  const a = await page.locator(sel(`ivr-handle-${fromId}-${exit}`)).boundingBox();
  const b = await page.locator(sel(`ivr-in-${toId}`)).boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
  await page.waitForFunction(([f, x]) => document.querySelector(`[data-test="ivr-exit-${f}-${x}"]`)?.dataset.state === 'linked', [fromId, exit]);
}
const exitState = (page, id, exit) => page.locator(sel(`ivr-exit-${id}-${exit}`)).getAttribute('data-state');
async function selectNode(page, id) {
  await page.locator(`${sel(`ivr-node-${id}`)} .name`).click();
  await page.waitForFunction((x) => document.querySelector('[data-test="ivr-node-id"]')?.innerText.trim() === x, id);
}
async function pickOption(page, selectTest, text) {
  await visible(page, selectTest).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}
async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary').click();
}

/** A peer trunk for the calls of the test's baresip (trusted by address and port) and a number on it. */
async function trunkAndNumber(page, port) {
  const trunk = await apiCall(page, 'POST', '/api/v1/trunks', {
    name: `ivr-carrier-${RUN}-${port}`, type: 'peer', host: '127.0.0.1', port, peer_cidrs: ['127.0.0.1/32'],
  });
  assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
  for (let attempt = 0; attempt < 5; attempt++) {
    const did = `+8657188${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
    const num = await apiCall(page, 'POST', '/api/v1/numbers', { number: did, trunk_id: trunk.body.id, description: `IVR ${RUN}` });
    if (num.status === 409) continue;
    assert.equal(num.status, 201, JSON.stringify(num.body));
    return { trunk: trunk.body, number: num.body };
  }
  throw new Error('no free number');
}

/** The call record of the latest call to `callee`, with its IVR path, once it is written. */
async function callRecord(page, callee) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const list = await apiCall(page, 'GET', `/api/v1/calls?callee=${encodeURIComponent(callee)}`);
    if (list.status === 200 && list.body.items.length) {
      const one = await apiCall(page, 'GET', `/api/v1/calls/${list.body.items[0].id}`);
      assert.equal(one.status, 200);
      return one.body;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no call record for ${callee}`);
}

test('admin designs a flow, fixes what validation finds, publishes, binds a number and a call follows it',
  { skip, timeout: 240000 }, async () => {
    await withPage('ivr-designer', async (page) => {
      await loginAdmin(page);
      const port = sipSkip ? 0 : await freeSipPort();
      const { trunk, number } = await trunkAndNumber(page, port || 5999);
      let flow = null;
      let route = null;
      let phone = null;
      try {
        // the list, in Chinese; a new flow opens its draft version 1 in the designer
        await page.locator(sel('menugroup-telephony')).waitFor();
        assert.equal((await page.locator(sel('menu-ivr')).innerText()).trim(), 'IVR 流程');
        await page.locator(sel('menu-ivr')).click();
        await page.locator(sel('page-ivr-flows')).waitFor();
        await page.locator(sel('ivr-create')).click();
        await visible(page, 'ivr-dialog').waitFor();
        await input(page, 'ivr-name').fill(`Hotline ${RUN}`);
        await textarea(page, 'ivr-description').fill('main menu');
        await input(page, 'ivr-number').fill('1x');
        await page.locator(sel('ivr-save')).click();
        await page.locator('.el-message', { hasText: '2-8 位数字' }).waitFor();
        await input(page, 'ivr-number').fill('');
        const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/ivr-flows') && r.request().method() === 'POST');
        await page.locator(sel('ivr-save')).click();
        const res = await created;
        assert.equal(res.status(), 201);
        flow = await res.json();
        await page.locator(sel('page-ivr-designer')).waitFor();
        assert.equal((await page.locator(sel('ivr-version-tag')).innerText()).trim(), '版本 1 · 草稿');
        const start = await nodeId(page, page.locator('[data-node-type="start"]'));

        // a menu (keys 1 and 2) whose key 1 plays a thanks and hangs up
        const menu = await addNode(page, 'menu', 'Main menu');
        await page.locator(sel('ivr-key-2')).click();
        await page.locator(sel('ivr-prompt-add')).click();
        await textarea(page, 'ivr-prompt-text-0').fill('您好，感谢致电。请按一。');
        const spoken = page.waitForResponse((r) => r.url().endsWith('/api/v1/tts/preview'));
        await page.locator(sel('ivr-prompt-preview-0')).click();     // listen to it
        const sp = await spoken;
        assert.equal(sp.status(), 200);
        assert.equal(JSON.parse(sp.request().postData()).text, '您好，感谢致电。请按一。');
        assert.deepEqual(await page.locator(`${sel(`ivr-node-${menu}`)} .exit`).evaluateAll((els) => els.map((e) => e.dataset.test.split('-').pop())),
          ['1', '2', 'failed'], 'one exit per key, then failed');
        const thanks = await addNode(page, 'play', 'Thanks');
        await page.locator(sel('ivr-prompt-add')).click();
        await textarea(page, 'ivr-prompt-text-0').fill('谢谢，再见。');
        const bye = await addNode(page, 'hangup', 'Bye');
        assert.equal(await page.locator(`${sel(`ivr-node-${bye}`)} .exit`).count(), 0, 'hang up has no exit');

        // connect: by dragging handles, and through the panel
        await fitView(page);
        await connect(page, start, 'next', menu);
        await connect(page, menu, '1', thanks);
        await selectNode(page, thanks);
        await pickOption(page, 'ivr-exit-select-next', 'Bye');
        assert.equal(await exitState(page, thanks, 'next'), 'linked');
        await connect(page, menu, '2', thanks);
        await page.locator(sel(`ivr-unlink-${menu}-2`)).click();       // changed my mind
        assert.equal(await exitState(page, menu, '2'), 'open');
        await selectNode(page, menu);
        await page.locator(sel(`ivr-end-${menu}-2`)).click();          // key 2 ends the call
        assert.equal(await exitState(page, menu, '2'), 'end');
        assert.equal(await exitState(page, menu, 'failed'), 'open');

        // save, then validate: the open exit is reported and its node marked
        const saved = page.waitForResponse((r) => r.url().includes('/api/v1/ivr-versions/') && r.request().method() === 'PATCH');
        await page.locator(sel('ivr-save-draft')).click();
        assert.equal((await saved).status(), 200);
        await page.locator(sel('ivr-dirty')).waitFor({ state: 'detached' });
        await page.locator(sel('ivr-validate')).click();
        const problem = page.locator(sel('ivr-problem-0'));
        await problem.waitFor();
        assert.equal(await page.locator(`${sel('ivr-problems')} .problem`).count(), 1);
        assert.equal(await problem.getAttribute('data-node'), menu);
        assert.match(await problem.innerText(), /exit 'failed' .*not connected/);
        assert.equal(await page.locator(sel(`ivr-node-${menu}`)).getAttribute('data-error'), '1');

        // publishing is refused with the same problem
        await page.locator(sel('ivr-publish')).click();
        const refused = page.waitForResponse((r) => r.url().endsWith('/publish'));
        await confirmBox(page);
        assert.equal((await refused).status(), 400);
        await page.locator('.api-error', { hasText: 'problem' }).waitFor();
        await problem.waitFor();

        // fix: the menu's failed exit ends the call; validation passes, the mark goes
        await page.locator(sel(`ivr-end-${menu}-failed`)).click();
        await page.locator(sel('ivr-validate')).click();
        await page.locator('.el-message', { hasText: '流程校验通过' }).waitFor();
        await page.locator(sel('ivr-problems')).waitFor({ state: 'detached' });
        assert.equal(await page.locator(sel(`ivr-node-${menu}`)).getAttribute('data-error'), '0');

        // node positions are saved: move Thanks, publish (saves first)
        const box = await page.locator(`${sel(`ivr-node-${thanks}`)} .name`).boundingBox();
        await page.mouse.move(box.x + 20, box.y + 5);
        await page.mouse.down();
        await page.mouse.move(box.x + 20, box.y + 125, { steps: 8 });
        await page.mouse.up();
        await page.locator(sel('ivr-dirty')).waitFor();
        await page.locator(sel('ivr-publish')).click();
        const published = page.waitForResponse((r) => r.url().endsWith('/publish'));
        await confirmBox(page);
        assert.equal((await published).status(), 200);
        await page.waitForFunction(() => document.querySelector('[data-test="ivr-version-tag"]')?.innerText.includes('已发布'));
        await page.locator(sel('ivr-readonly')).waitFor();
        assert.equal(await page.locator(sel('ivr-palette')).count(), 0, 'a published version cannot be edited');
        await page.locator(sel('ivr-new-version')).waitFor();

        // what was stored: the graph as designed, with positions
        const f = await apiCall(page, 'GET', `/api/v1/ivr-flows/${flow.id}`);
        assert.equal(f.body.published_version, 1);
        const v = await apiCall(page, 'GET', `/api/v1/ivr-versions/${f.body.published_version_id}`);
        const byId = Object.fromEntries(v.body.graph.nodes.map((n) => [n.id, n]));
        assert.deepEqual(byId[start].exits, { next: menu });
        assert.deepEqual(byId[menu].exits, { 1: thanks, 2: null, failed: null });
        assert.deepEqual(byId[menu].params.keys, ['1', '2']);
        assert.deepEqual(byId[menu].params.prompt, [{ type: 'tts', text: '您好，感谢致电。请按一。' }]);
        assert.deepEqual(byId[thanks].exits, { next: bye });
        assert.deepEqual(byId[bye].exits, {});
        assert.ok(byId[thanks].y >= byId[menu].y + 60, `Thanks moved down: ${byId[thanks].y} vs ${byId[menu].y}`);

        // bind the number: an inbound route to the flow
        await page.locator(sel('ivr-bind')).click();
        await visible(page, 'ivr-bind-dialog').waitFor();
        await pickOption(page, 'ivr-bind-number', number.number);
        const bound = page.waitForResponse((r) => r.url().endsWith('/api/v1/inbound-routes') && r.request().method() === 'POST');
        await page.locator(sel('ivr-bind-save')).click();
        const br = await bound;
        assert.equal(br.status(), 201, await br.text());
        route = await br.json();
        assert.deepEqual([route.number, route.destination], [number.number, { type: 'ivr', target: flow.id }]);

        // a call on the number follows the flow: the menu, key 1, the thanks, hung up by us
        if (!sipSkip) {
          phone = await new Baresip({ name: 'ivr', user: '13900001111', port }).start();
          await phone.command('dial', `sip:${number.number.replace('+', '')}@127.0.0.1`);
          assert.ok(await phone.waitFor('Call established', 10000), phone.log.slice(-2000));
          await new Promise((r) => setTimeout(r, 1500));
          await phone.command('sndcode', '1');
          assert.ok(await phone.waitFor('terminated', 20000), `hotlined hangs up after the thanks: ${phone.log.slice(-2000)}`);
          const rec = await callRecord(page, number.number.replace('+', ''));
          const path = (rec.ivr_path ?? []).map((s) => [s.node_id, s.exit, s.digits]);
          assert.deepEqual(path.map((p) => p[0]), [start, menu, thanks, bye], JSON.stringify(rec.ivr_path));
          assert.deepEqual(path[1].slice(1), ['1', '1'], 'the menu left by key 1');
          assert.equal(rec.ivr_path[1].flow_id, flow.id);
          assert.equal(rec.ivr_path[1].version, 1);

          // the report counts the key
          await page.locator(sel('ivr-report-open')).click();
          await visible(page, 'ivr-report-dialog').waitFor();
          const row = page.locator(`${sel('ivr-report-keys')} tbody tr`, { hasText: 'Main menu' });
          await row.waitFor();
          assert.match(await row.innerText(), /Main menu[\s\S]*\b1\b[\s\S]*\b1\b/);
          await page.keyboard.press('Escape');
        }

        // English
        await switchLang(page, 'en');
        await page.waitForFunction(() => document.querySelector('[data-test="ivr-version-tag"]')?.innerText.trim() === 'Version 1 · Published');
        assert.equal((await page.locator(`${sel(`ivr-exit-${menu}-1`)} .label`).innerText()).trim(), 'Key 1');
        assert.equal((await page.locator(`${sel(`ivr-exit-${menu}-failed`)} .target`).innerText()).trim(), 'Ends here');
        await switchLang(page, 'zh-CN');

        // the list shows the published version and the bound number; delete is refused while bound
        await page.locator(sel('ivr-back')).click();
        await page.locator(sel('page-ivr-flows')).waitFor();
        const listRow = page.locator(`${sel('ivr-table')} tr:has(${sel(`ivr-row-Hotline ${RUN}`)})`);
        await listRow.waitFor();
        const text = await listRow.innerText();
        assert.ok(text.includes('版本 1') && text.includes(number.number), text);
        await listRow.locator(sel('ivr-delete')).click();
        const inUse = page.waitForResponse((r) => r.url().endsWith(`/api/v1/ivr-flows/${flow.id}`) && r.request().method() === 'DELETE');
        await confirmBox(page);
        assert.equal((await inUse).status(), 409);

        // the call's details show its way through the flow
        if (!sipSkip) {
          await page.locator(sel('menu-calls')).click();
          await input(page, 'calls-callee').fill(number.number.replace('+', ''));
          await page.locator(sel('calls-search')).click();
          await page.locator(`${sel('calls-table')} ${sel('calls-detail')}`).first().click();
          const steps = page.locator(`${sel('calls-ivr-path')} tbody tr`);
          await steps.nth(3).waitFor();
          const texts = await steps.allInnerTexts();
          assert.equal(texts.length, 4, texts.join('\n'));
          assert.ok(texts[1].includes('Main menu') && texts[1].includes('按键菜单') && /\b1\b/.test(texts[1]), texts[1]);
          assert.ok(texts[3].includes('Bye') && texts[3].includes('通话在此结束'), texts[3]);
        }
      } finally {
        if (phone) await phone.stop();
        if (route) assert.equal((await apiCall(page, 'DELETE', `/api/v1/inbound-routes/${route.id}`)).status, 204);
        if (flow) assert.equal((await apiCall(page, 'DELETE', `/api/v1/ivr-flows/${flow.id}`)).status, 204);
        assert.equal((await apiCall(page, 'DELETE', `/api/v1/numbers/${number.id}`)).status, 204);
        assert.equal((await apiCall(page, 'DELETE', `/api/v1/trunks/${trunk.id}`)).status, 204);
      }
    });
  });

test('versions: a new version from the published one, publish it, roll back, drafts are deleted',
  { skip, timeout: 120000 }, async () => {
    await withPage('ivr-versions', async (page) => {
      await loginAdmin(page);
      // a published flow made through the API: start -> play -> end
      const made = await apiCall(page, 'POST', '/api/v1/ivr-flows', { name: `Versions ${RUN}` });
      assert.equal(made.status, 201);
      const flow = made.body;
      try {
        const graph = {
          nodes: [
            { id: 'start', type: 'start', name: 'Start', x: 0, y: 0, params: {}, exits: { next: 'hello' } },
            { id: 'hello', type: 'play', name: 'Hello', x: 300, y: 0, params: { prompt: [{ type: 'tts', text: 'hello' }] }, exits: { next: null } },
          ],
        };
        assert.equal((await apiCall(page, 'PATCH', `/api/v1/ivr-versions/${flow.draft_version_id}`, { graph })).status, 200);
        assert.equal((await apiCall(page, 'POST', `/api/v1/ivr-versions/${flow.draft_version_id}/publish`)).status, 200);

        // the list's "versions" opens the designer with the drawer
        await page.locator(sel('menu-ivr')).click();
        await input(page, 'ivr-search').fill(`Versions ${RUN}`);
        await page.keyboard.press('Enter');
        const row = page.locator(`${sel('ivr-table')} tr:has(${sel(`ivr-row-Versions ${RUN}`)})`);
        await row.waitFor();
        await row.locator(sel('ivr-versions')).click();
        await visible(page, 'ivr-versions-drawer').waitFor();
        assert.equal((await page.locator(sel('ivr-v-status-1')).innerText()).trim(), '已发布');

        // v1 is frozen: a new version from it is a draft with the same graph
        await page.locator(sel('ivr-v-copy-1')).click();
        await page.locator('.el-message-box__input input').fill('louder hello');
        const v2made = page.waitForResponse((r) => r.url().endsWith(`/api/v1/ivr-flows/${flow.id}/versions`) && r.request().method() === 'POST');
        await confirmBox(page);
        const v2 = await (await v2made).json();
        assert.deepEqual([v2.version, v2.status, v2.based_on, v2.note], [2, 'draft', flow.draft_version_id, 'louder hello']);
        await page.waitForFunction(() => document.querySelector('[data-test="ivr-version-tag"]')?.innerText.trim() === '版本 2 · 草稿');
        await page.locator(sel('ivr-palette')).waitFor();

        // edit the prompt, publish v2: v1 retires
        await selectNode(page, 'hello');
        await textarea(page, 'ivr-prompt-text-0').fill('hello again');
        await page.locator(sel('ivr-publish')).click();
        const pub2 = page.waitForResponse((r) => r.url().endsWith(`/api/v1/ivr-versions/${v2.id}/publish`));
        await confirmBox(page);
        assert.equal((await pub2).status(), 200);
        const stored = await apiCall(page, 'GET', `/api/v1/ivr-versions/${v2.id}`);
        assert.deepEqual(stored.body.graph.nodes.find((n) => n.id === 'hello').params.prompt, [{ type: 'tts', text: 'hello again' }]);

        // roll back to v1 from the drawer
        await page.locator(sel('ivr-versions-open')).click();
        await visible(page, 'ivr-versions-drawer').waitFor();
        await page.waitForFunction(() => document.querySelector('[data-test="ivr-v-status-1"]')?.innerText.trim() === '已停用');
        await page.locator(sel('ivr-v-publish-1')).click();
        const back = page.waitForResponse((r) => r.url().endsWith(`/api/v1/ivr-versions/${flow.draft_version_id}/publish`));
        await confirmBox(page);
        assert.equal((await back).status(), 200);
        await page.waitForFunction(() => document.querySelector('[data-test="ivr-v-status-1"]')?.innerText.trim() === '已发布'
          && document.querySelector('[data-test="ivr-v-status-2"]')?.innerText.trim() === '已停用');
        assert.equal((await apiCall(page, 'GET', `/api/v1/ivr-flows/${flow.id}`)).body.published_version, 1);

        // a new draft (v3), deleted again
        await page.locator(sel('ivr-version-new')).click();
        const v3made = page.waitForResponse((r) => r.url().endsWith(`/api/v1/ivr-flows/${flow.id}/versions`) && r.request().method() === 'POST');
        await confirmBox(page);
        const v3 = await (await v3made).json();
        assert.deepEqual([v3.version, v3.based_on], [3, flow.draft_version_id]);
        await page.locator(sel('ivr-versions-open')).click();
        await visible(page, 'ivr-versions-drawer').waitFor();
        await page.locator(sel('ivr-v-delete-3')).click();
        const del = page.waitForResponse((r) => r.url().endsWith(`/api/v1/ivr-versions/${v3.id}`) && r.request().method() === 'DELETE');
        await confirmBox(page);
        assert.equal((await del).status(), 204);
        await page.locator(sel('ivr-v-3')).waitFor({ state: 'detached' });
        assert.equal(await page.locator(sel('ivr-v-delete-1')).count(), 0, 'published versions cannot be deleted');
      } finally {
        assert.equal((await apiCall(page, 'DELETE', `/api/v1/ivr-flows/${flow.id}`)).status, 204);
      }
    });
  });

'use strict';
// Browser test of the console's ACD pages (Skills, Busy reasons, Agents, Queues), run with
// `node --test tests/browser/`. Same environment as console.test.cjs:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of a running hotlined serving web/dist
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// plus playwright-core from web/node_modules and chromium (/usr/bin/chromium or CHROMIUM_PATH).
// Without HOTLINE_URL every test is skipped. On failure a screenshot is saved under
// build/test-results/.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  skip, RUN, withPage, sel, visible, input, loginAdmin, switchLang, apiCall, pickOption,
} = require('./browser_lib.cjs');

if (skip) console.log(`# skipping ACD browser tests: ${skip}`);

const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));
const posted = (page, path) => page.waitForResponse((r) => r.url().endsWith(path) && r.request().method() === 'POST');
const answered = (page, path, method) => page.waitForResponse((r) => r.url().includes(path) && r.request().method() === method);

/** Types a value into an el-input-number and commits it. */
async function setNumber(page, selector, value) {
  const box = page.locator(`${selector} input`).first();
  await box.fill(String(value));
  await box.press('Tab');
}
/** The form item (label, field, error) holding the element `test`. */
const formItem = (page, dialog, test) => page.locator(`${sel(dialog)} .el-form-item`, { has: page.locator(sel(test)) }).last();
async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary').click();
}

/** An extension to bind to the agent (through the API: its page has its own test). */
async function newExtension(page) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const number = digits(8);
    const r = await apiCall(page, 'POST', '/api/v1/extensions', { number, display_name: `ACD ${RUN}`, password: `Pw${RUN}x12345678` });
    if (r.status === 409) continue;
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  }
  throw new Error('no free extension number');
}

test('admin configures skills, busy reasons, agents and queues; refusals are shown; both languages', { skip, timeout: 180000 }, async () => {
  await withPage('acd', async (page) => {
    await loginAdmin(page);
    await page.locator(sel('menugroup-acd')).waitFor();
    assert.ok((await page.locator(sel('menugroup-acd')).innerText()).includes('坐席与队列'));
    assert.equal((await page.locator(sel('menu-agents')).innerText()).trim(), '坐席管理');
    assert.equal((await page.locator(sel('menu-busy-reasons')).innerText()).trim(), '置忙原因');
    const ext = await newExtension(page);
    const worker = await apiCall(page, 'POST', '/api/v1/users', { username: `wb${RUN}`, password: `Pw${RUN}x12345678` });
    assert.equal(worker.status, 201, JSON.stringify(worker.body));

    // ---- a skill; the same name again is refused under the name field ----
    const skillName = `sales-${RUN}`;
    await page.locator(sel('menu-skills')).click();
    await page.locator(sel('page-skills')).waitFor();
    assert.equal((await page.locator(sel('skill-title')).innerText()).trim(), '技能管理');
    await page.locator(sel('skill-create')).click();
    await visible(page, 'skill-dialog').waitFor();
    await input(page, 'skill-name').fill(skillName);
    await input(page, 'skill-description').fill('售前咨询');
    let res = posted(page, '/api/v1/skills');
    await page.locator(sel('skill-save')).click();
    assert.equal((await res).status(), 201);
    const skill = await (await res).json();
    await page.locator(sel(`skill-name-${skillName}`)).waitFor();
    await page.locator(sel('skill-create')).click();
    await visible(page, 'skill-dialog').waitFor();
    await input(page, 'skill-name').fill(skillName);
    res = posted(page, '/api/v1/skills');
    await page.locator(sel('skill-save')).click();
    assert.equal((await res).status(), 409);
    const nameError = formItem(page, 'skill-dialog', 'skill-name').locator('.el-form-item__error');
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /already exists/);
    await page.keyboard.press('Escape');

    // ---- a busy reason ----
    const reasonName = `小休${RUN}`;
    await page.locator(sel('menu-busy-reasons')).click();
    await page.locator(sel('page-busy-reasons')).waitFor();
    await page.locator(sel('br-create')).click();
    await visible(page, 'br-dialog').waitFor();
    await input(page, 'br-name').fill(reasonName);
    await setNumber(page, sel('br-sort'), 7);
    res = posted(page, '/api/v1/busy-reasons');
    await page.locator(sel('br-save')).click();
    assert.equal((await res).status(), 201);
    const reason = await (await res).json();
    assert.equal(reason.sort, 7);
    await page.locator(sel(`br-name-${reasonName}`)).waitFor();

    // ---- an agent bound to the extension, with the skill at level 7 ----
    await page.locator(sel('menu-agents')).click();
    await page.locator(sel('page-agents')).waitFor();
    assert.equal((await page.locator(sel('agent-title')).innerText()).trim(), '坐席管理');
    await page.locator(sel('agent-create')).click();
    await visible(page, 'agent-dialog').waitFor();
    await input(page, 'agent-form-no').fill('12a');
    await input(page, 'agent-form-name').fill(`张三 ${RUN}`);
    await page.locator(sel('agent-save')).click(); // refused in the page: not digits
    await formItem(page, 'agent-dialog', 'agent-form-no').locator('.el-form-item__error', { hasText: '3-10 位数字' }).waitFor();
    await pickOption(page, sel('agent-form-phone'), ext.number);
    await page.locator(sel('agent-skill-add')).click();
    await pickOption(page, `${sel('agent-skill-row-0')} ${sel('agent-skill-select')}`, skillName);
    await setNumber(page, `${sel('agent-skill-row-0')} ${sel('agent-skill-level')}`, 7);
    await setNumber(page, sel('agent-form-max-calls'), 2);
    await pickOption(page, sel('agent-form-user'), `wb${RUN}`);   // the workbench's user
    let agent = null;
    for (let attempt = 0; attempt < 5 && !agent; attempt++) {
      await input(page, 'agent-form-no').fill(digits(7));
      res = posted(page, '/api/v1/agents');
      await page.locator(sel('agent-save')).click();
      if ((await res).status() === 409) continue; // agent number taken: try another one
      assert.equal((await res).status(), 201, await (await res).text());
      agent = await (await res).json();
    }
    assert.ok(agent, 'an agent was created');
    assert.equal(agent.extension_id, ext.id);
    assert.equal(agent.user_id, worker.body.id);
    assert.deepEqual(agent.skills, [{ skill_id: skill.id, level: 7 }]);
    assert.equal(agent.max_calls, 2);
    await input(page, 'agent-search').fill(agent.agent_no);
    await page.locator(sel('agent-search-btn')).click();
    const agentRow = `${sel('agent-table')} tr:has(${sel(`agent-no-${agent.agent_no}`)})`;
    await page.locator(agentRow).waitFor();
    assert.equal((await page.locator(`${agentRow} ${sel('agent-phone')}`).innerText()).trim(), ext.number);
    assert.equal((await page.locator(`${agentRow} ${sel('agent-skill')}`).innerText()).trim(), `${skillName} · 7`);

    // a second agent on the same phone is refused, under the phone field
    await page.locator(sel('agent-create')).click();
    await visible(page, 'agent-dialog').waitFor();
    await input(page, 'agent-form-no').fill(digits(9));
    await input(page, 'agent-form-name').fill(`李四 ${RUN}`);
    await pickOption(page, sel('agent-form-phone'), ext.number);
    res = posted(page, '/api/v1/agents');
    await page.locator(sel('agent-save')).click();
    assert.equal((await res).status(), 409);
    await formItem(page, 'agent-dialog', 'agent-form-phone').locator('.el-form-item__error', { hasText: `bound to agent ${agent.agent_no}` }).waitFor();
    await page.keyboard.press('Escape');

    // ---- a queue: its number is refused while an extension has it; then members and a skill requirement ----
    const queueName = `售前 ${RUN}`;
    await page.locator(sel('menu-queues')).click();
    await page.locator(sel('page-queues')).waitFor();
    assert.equal((await page.locator(sel('queue-title')).innerText()).trim(), '队列管理');
    await page.locator(sel('queue-create')).click();
    await visible(page, 'queue-dialog').waitFor();
    await input(page, 'queue-form-name').fill(queueName);
    await input(page, 'queue-form-number').fill(ext.number);
    assert.equal((await page.locator(sel('queue-strategy-help')).innerText()).trim(), '空闲时间（自签入或上一通结束）最长的坐席优先。');
    await pickOption(page, sel('queue-form-strategy'), '技能优先');
    assert.equal((await page.locator(sel('queue-strategy-help')).innerText()).trim(), '队列第一项技能要求中等级最高的坐席优先（相同时随机）。');
    await pickOption(page, sel('queue-member-pick'), agent.agent_no);
    await page.locator(`${sel('queue-dialog')} .el-dialog__title`).click(); // close the multi-select's list
    await page.locator(sel('queue-member-add')).click();
    await page.locator(sel(`queue-member-${agent.id}`)).waitFor();
    assert.equal((await page.locator(sel(`queue-member-${agent.id}`)).innerText()).trim(), `${agent.agent_no} 张三 ${RUN}`);
    await setNumber(page, `${sel('queue-member-table')} ${sel('queue-member-priority')}`, 5);
    await page.locator(sel('queue-skill-add')).click();
    await pickOption(page, `${sel('queue-skill-row-0')} ${sel('queue-skill-select')}`, skillName);
    await setNumber(page, `${sel('queue-skill-row-0')} ${sel('queue-skill-level')}`, 3);
    await setNumber(page, sel('queue-form-max-waiting'), 10);
    await setNumber(page, sel('queue-form-sticky-days'), 30);
    res = posted(page, '/api/v1/queues');
    await page.locator(sel('queue-save')).click();
    assert.equal((await res).status(), 409);
    const numberError = formItem(page, 'queue-dialog', 'queue-form-number').locator('.el-form-item__error');
    await numberError.waitFor();
    assert.match(await numberError.innerText(), new RegExp(`number '${ext.number}' is taken by extension`));
    await page.locator('.api-error', { hasText: 'is taken by extension' }).first().waitFor();
    await input(page, 'queue-form-number').fill('');
    res = posted(page, '/api/v1/queues');
    await page.locator(sel('queue-save')).click();
    assert.equal((await res).status(), 201, await (await res).text());
    const queue = await (await res).json();
    assert.equal(queue.strategy, 'skill_first');
    assert.equal(queue.number, '');
    assert.deepEqual(queue.members, [{ agent_id: agent.id, priority: 5 }]);
    assert.deepEqual(queue.skills, [{ skill_id: skill.id, min_level: 3 }]);
    assert.equal(queue.max_waiting, 10);
    assert.equal(queue.sticky_days, 30);
    assert.equal(queue.ring_timeout_s, 25);
    await input(page, 'queue-search').fill(queueName);
    await page.locator(sel('queue-search-btn')).click();
    const queueRow = `${sel('queue-table')} tr:has(${sel(`queue-name-${queueName}`)})`;
    await page.locator(queueRow).waitFor();
    assert.equal((await page.locator(`${queueRow} ${sel('queue-strategy')}`).innerText()).trim(), '技能优先');
    assert.equal((await page.locator(`${queueRow} ${sel('queue-members')}`).innerText()).trim(), '1 个坐席');
    assert.equal((await page.locator(`${queueRow} ${sel('queue-skill')}`).innerText()).trim(), `${skillName} ≥ 3`);

    // ---- edit: a max wait below the ring timeout is refused under max wait; then saved ----
    await page.locator(`${queueRow} ${sel('queue-edit')}`).click();
    await visible(page, 'queue-dialog').waitFor();
    assert.equal(await input(page, 'queue-form-name').inputValue(), queueName);
    assert.equal(await page.locator(`${sel('queue-member-table')} ${sel('queue-member-priority')} input`).inputValue(), '5');
    await pickOption(page, sel('queue-form-strategy'), '轮选');
    await setNumber(page, sel('queue-form-ring-timeout'), 30);
    await setNumber(page, sel('queue-form-max-wait'), 20);
    res = answered(page, `/api/v1/queues/${queue.id}`, 'PATCH');
    await page.locator(sel('queue-save')).click();
    assert.equal((await res).status(), 400);
    const waitError = formItem(page, 'queue-dialog', 'queue-form-max-wait').locator('.el-form-item__error');
    await waitError.waitFor();
    assert.match(await waitError.innerText(), /max_wait_s.*not less than ring_timeout_s/);
    await setNumber(page, sel('queue-form-max-wait'), 300);
    // waiting and the agent's side: a whisper, a key to leave (to a box that does not exist: refused under it)
    await input(page, 'queue-form-whisper').fill(`售前队列 ${RUN}`);
    await pickOption(page, sel('queue-form-leave-key'), '#');
    await pickOption(page, sel('queue-form-leave-to'), '语音信箱');
    await input(page, 'queue-form-leave-box').fill('99999999');
    res = answered(page, `/api/v1/queues/${queue.id}`, 'PATCH');
    await page.locator(sel('queue-save')).click();
    assert.equal((await res).status(), 400);
    await formItem(page, 'queue-dialog', 'queue-form-leave-key').locator('.el-form-item__error',
      { hasText: "no voicemail box '99999999'" }).waitFor();
    await pickOption(page, sel('queue-form-leave-to'), '回电请求');
    await pickOption(page, `${sel('queue-overflow-no_agent')} ${sel('queue-overflow-type')}`, '播放提示后挂机');
    await page.locator(`${sel('queue-overflow-no_agent')} input${sel('queue-overflow-text')}`).fill('暂无坐席，再见');
    res = answered(page, `/api/v1/queues/${queue.id}`, 'PATCH');
    await page.locator(sel('queue-save')).click();
    assert.equal((await res).status(), 200);
    const edited = await (await res).json();
    assert.deepEqual(edited.whisper_prompt, [{ type: 'tts', text: `售前队列 ${RUN}` }]);
    assert.deepEqual([edited.leave_key, edited.leave_to, edited.leave_box], ['#', 'callback', '']);
    assert.deepEqual(edited.overflow, { no_agent: { type: 'hangup', prompt: [{ type: 'tts', text: '暂无坐席，再见' }] } });
    assert.equal(edited.strategy, 'round_robin');
    assert.equal(edited.ring_timeout_s, 30);
    assert.equal(edited.max_wait_s, 300);
    assert.deepEqual(edited.members, queue.members, 'the members are kept');
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === '轮选', `${queueRow} ${sel('queue-strategy')}`);
    assert.equal((await page.locator(`${queueRow} ${sel('queue-ring-timeout')}`).innerText()).trim(), '30 秒');

    // ---- refusals: the agent is listed by the queue; the skill is held by the agent ----
    await page.locator(sel('menu-agents')).click();
    await input(page, 'agent-search').fill(agent.agent_no);
    await page.locator(sel('agent-search-btn')).click();
    await page.locator(`${agentRow} ${sel('agent-delete')}`).click();
    res = answered(page, `/api/v1/agents/${agent.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 409);
    await page.locator('.api-error', { hasText: `queue '${queueName}' uses it` }).waitFor();
    assert.equal((await apiCall(page, 'GET', `/api/v1/agents/${agent.id}`)).status, 200, 'the agent is still there');
    await page.locator(sel('menu-skills')).click();
    await input(page, 'skill-search').fill(skillName);
    await page.locator(sel('skill-search-btn')).click();
    const skillRow = `${sel('skill-table')} tr:has(${sel(`skill-name-${skillName}`)})`;
    await page.locator(`${skillRow} ${sel('skill-delete')}`).click();
    res = answered(page, `/api/v1/skills/${skill.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 409);
    await page.locator('.api-error', { hasText: `agent '张三 ${RUN}' uses it` }).waitFor();

    // ---- an inbound route picks the queue by name; the queue cannot be deleted while it is used ----
    let did = null;
    for (let attempt = 0; attempt < 5 && !did; attempt++) {
      const r = await apiCall(page, 'POST', '/api/v1/numbers', { number: digits(11), description: `ACD ${RUN}` });
      if (r.status === 409) continue;
      assert.equal(r.status, 201, JSON.stringify(r.body));
      did = r.body;
    }
    assert.ok(did, 'a number was created');
    await page.locator(sel('menu-routes')).click();
    await page.locator(sel('inroute-table')).waitFor();
    await page.locator(sel('route-create')).click();
    await visible(page, 'inroute-dialog').waitFor();
    await input(page, 'inroute-name').fill(`ACD ${RUN}`);
    await pickOption(page, sel('inroute-number'), did.number);
    await pickOption(page, sel('inroute-dest-type'), '队列');
    await pickOption(page, sel('inroute-dest-queue'), queueName);
    res = posted(page, '/api/v1/inbound-routes');
    await page.locator(sel('inroute-save')).click();
    assert.equal((await res).status(), 201, await (await res).text());
    const route = await (await res).json();
    assert.deepEqual(route.destination, { type: 'queue', target: queue.id });
    await page.locator(`${sel('inroute-table')} tr`, { hasText: `ACD ${RUN}` }).filter({ hasText: `队列: ${queueName}` }).waitFor();
    await page.locator(sel('menu-queues')).click();
    await input(page, 'queue-search').fill(queueName);
    await page.locator(sel('queue-search-btn')).click();
    await page.locator(`${queueRow} ${sel('queue-delete')}`).click();
    res = answered(page, `/api/v1/queues/${queue.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 409);
    await page.locator('.api-error', { hasText: `inbound route 'ACD ${RUN}' uses it` }).waitFor();
    assert.equal((await apiCall(page, 'DELETE', `/api/v1/inbound-routes/${route.id}`)).status, 204);
    assert.equal((await apiCall(page, 'DELETE', `/api/v1/numbers/${did.id}`)).status, 204);

    // ---- English: the same pages, then clean up through them ----
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="queue-title"]')?.innerText.trim() === 'Queues');
    assert.ok((await page.locator(sel('menugroup-acd')).innerText()).includes('ACD'));
    assert.equal((await page.locator(sel('menu-queues')).innerText()).trim(), 'Queues');
    await page.locator(sel('menu-queues')).click();
    await input(page, 'queue-search').fill(queueName);
    await page.locator(sel('queue-search-btn')).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.trim() === 'Round robin', `${queueRow} ${sel('queue-strategy')}`);
    assert.equal((await page.locator(`${queueRow} ${sel('queue-members')}`).innerText()).trim(), '1 agents');
    await page.locator(`${queueRow} ${sel('queue-edit')}`).click();
    await visible(page, 'queue-dialog').waitFor();
    assert.equal((await page.locator(sel('queue-strategy-help')).innerText()).trim(), 'Takes turns in the order agents were listed, starting after the one offered last.');
    await page.keyboard.press('Escape');
    await page.locator(`${queueRow} ${sel('queue-delete')}`).click();
    res = answered(page, `/api/v1/queues/${queue.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 204);

    await page.locator(sel('menu-agents')).click();
    assert.equal((await page.locator(sel('agent-title')).innerText()).trim(), 'Agents');
    await input(page, 'agent-search').fill(agent.agent_no);
    await page.locator(sel('agent-search-btn')).click();
    await page.locator(`${agentRow} ${sel('agent-delete')}`).click();
    res = answered(page, `/api/v1/agents/${agent.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 204);

    await page.locator(sel('menu-skills')).click();
    await input(page, 'skill-search').fill(skillName);
    await page.locator(sel('skill-search-btn')).click();
    await page.locator(`${skillRow} ${sel('skill-delete')}`).click();
    res = answered(page, `/api/v1/skills/${skill.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 204);

    await page.locator(sel('menu-busy-reasons')).click();
    assert.equal((await page.locator(sel('br-title')).innerText()).trim(), 'Busy reasons');
    const reasonRow = `${sel('br-table')} tr:has(${sel(`br-name-${reasonName}`)})`;
    await page.locator(`${reasonRow} ${sel('br-delete')}`).click();
    res = answered(page, `/api/v1/busy-reasons/${reason.id}`, 'DELETE');
    await confirmBox(page);
    assert.equal((await res).status(), 204);

    assert.equal((await apiCall(page, 'DELETE', `/api/v1/extensions/${ext.id}`)).status, 204);
    await switchLang(page, 'zh-CN');
  });
});

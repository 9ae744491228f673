'use strict';
// Browser test of the console's queue and agent statistics (views/AcdReports.vue), run with
// `node --test tests/browser/`. Environment and set-up: browser_lib.cjs. A queue and an agent are
// made through the API; the page shows the call log tab, the queue's row (every rate `-`: nothing to divide by)
// and its total, the agents tab shows the agent, the figures are the API's, and English
// shows translated labels.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, RUN, BASE, withPage, sel, visible, loginAdmin, switchLang, apiCall } = require('./browser_lib.cjs');

if (skip) console.log(`# skipping ACD report browser tests: ${skip}`);

const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));

test('the statistics page shows queue and agent figures, - for empty rates; zh/en', { skip, timeout: 60000 }, async () => {
  await withPage('acd-reports', async (page) => {
    await loginAdmin(page);
    const q = await apiCall(page, 'POST', '/api/v1/queues', { name: `统计 ${RUN}` });
    assert.equal(q.status, 201, JSON.stringify(q.body));
    const a = await apiCall(page, 'POST', '/api/v1/agents', { agent_no: digits(8), name: `Reporter ${RUN}` });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    try {
      await page.goto(`${BASE}/#/acd-reports`);
      const table = visible(page, 'reports-queue-table');
      const row = table.locator('tr', { hasText: `统计 ${RUN}` });
      await row.last().waitFor();
      // today by hour: 24 interval rows or so, then the queue's total (合计)
      assert.ok(await row.count() >= 2, `rows of the queue: ${await row.count()}`);
      const total = await row.last().innerText();
      assert.match(total, /合计/);
      assert.match(total, /-/);                     // rates with nothing to divide by
      assert.doesNotMatch(total, /NaN|null|undefined/);
      await page.getByRole('tab', { name: '坐席' }).click();
      const arow = visible(page, 'reports-agent-table').locator('tr', { hasText: `Reporter ${RUN}` });
      await arow.last().waitFor();
      assert.match(await arow.last().innerText(), /00:00:00/);   // never logged in
      await page.getByRole('tab', { name: '排队明细' }).click();
      await visible(page, 'reports-log-table').waitFor();
      await switchLang(page, 'en');
      await page.getByRole('heading', { name: 'Queue and agent statistics' }).waitFor();
      await page.getByRole('tab', { name: 'Queues' }).click();
      await visible(page, 'reports-queue-table').locator('th', { hasText: 'Service level' }).first().waitFor();
      await switchLang(page, 'zh-CN');
    } finally {
      await apiCall(page, 'DELETE', `/api/v1/agents/${a.body.id}`);
      await apiCall(page, 'DELETE', `/api/v1/queues/${q.body.id}`);
    }
  });
});

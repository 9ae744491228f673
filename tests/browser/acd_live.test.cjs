'use strict';
// Browser test of the live board's WebSocket source (composables/liveSocket.ts), run with
// `node --test tests/browser/`. Environment and set-up: browser_lib.cjs. An agent is made and
// logged in through the API; the board then shows its state changes pushed over /api/v1/ws at
// once, with no polling; when the socket closes (Playwright's routeWebSocket proxies it, so the
// test can close it and refuse the next ones) the board polls every 2 s and says so, and when
// the socket is allowed again it goes back to live.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { skip, RUN, withPage, sel, loginAdmin, apiCall } = require('./browser_lib.cjs');

if (skip) console.log(`# skipping live board socket browser tests: ${skip}`);

const digits = (n) => String(Math.floor(10 ** (n - 1) + Math.random() * 9 * 10 ** (n - 1)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function create(page, url, body) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await apiCall(page, 'POST', url, body());
    if (r.status === 409) continue;
    assert.equal(r.status, 201, `${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  throw new Error(`${url}: always 409`);
}

const indicator = (page) => page.locator(sel('board-live'));
async function modeIs(page, mode, timeout = 8000) {
  await page.waitForFunction(([s, m]) => document.querySelector(s)?.dataset.mode === m, [sel('board-live'), mode], { timeout });
}
/** Sets the agent's state through the API and answers how long the board took to show it (ms). */
async function changeAndWatch(page, id, state, timeout) {
  const t0 = Date.now();
  const r = await apiCall(page, 'POST', `/api/v1/agents/${id}/state`, { state });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await page.waitForFunction(([s, st]) => document.querySelector(s)?.dataset.state === st,
    [sel(`board-agent-state-${id}`), state], { timeout, polling: 50 });
  return Date.now() - t0;
}

test('the board follows state changes pushed over the WebSocket, polls while the socket is away, and goes back to live',
  { skip, timeout: 90000 }, async () => {
    await withPage('acd-live', async (page) => {
      // every socket of the page goes through this proxy; `refuse` closes new ones at once
      const sockets = [];
      let refuse = false;
      await page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
        sockets.push(ws);
        if (refuse) ws.close({ code: 1011, reason: 'test: refused' });
        else ws.connectToServer();
      });
      let polls = 0;
      page.on('request', (r) => { if (r.url().endsWith('/api/v1/agents/live')) polls++; });

      await loginAdmin(page);
      const ext = await create(page, '/api/v1/extensions', () => ({ number: digits(8), password: `Pw${RUN}x12345678` }));
      const agent = await create(page, '/api/v1/agents', () => ({ agent_no: digits(7), name: `推送 ${RUN}`, extension_id: ext.id }));
      try {
        assert.equal((await apiCall(page, 'POST', `/api/v1/agents/${agent.id}/login`, { state: 'idle' })).status, 200);
        await page.locator(sel('menu-acd-board')).click();
        await page.locator(sel('page-acd-board')).waitFor();

        // ---- live: the indicator says so, a change shows at once and nothing polls ----
        await modeIs(page, 'live');
        assert.equal((await indicator(page).innerText()).trim(), '实时推送');
        assert.equal(sockets.length, 1);
        await page.waitForFunction((s) => document.querySelector(s)?.dataset.state === 'idle', sel(`board-agent-state-${agent.id}`));
        polls = 0;
        const took = await changeAndWatch(page, agent.id, 'busy', 2000);
        assert.ok(took < 2000, `shown after ${took} ms`);
        await sleep(2500);
        assert.equal(polls, 0, 'no polling while the socket is live');
        const back = await changeAndWatch(page, agent.id, 'idle', 2000);
        assert.ok(back < 2000, `shown after ${back} ms`);

        // ---- the socket closes and the next ones are refused: polling, and the indicator says so ----
        refuse = true;
        polls = 0;
        sockets[0].close({ code: 1011, reason: 'test: gone' });
        await modeIs(page, 'polling');
        assert.equal((await indicator(page).innerText()).trim(), '每 2 秒刷新（实时连接不可用）');
        await changeAndWatch(page, agent.id, 'busy', 6000);
        assert.ok(polls >= 1, `polled ${polls} times`);
        await sleep(2500);
        assert.ok(sockets.length >= 2, `tried the socket again (${sockets.length})`);
        assert.equal(await page.evaluate((s) => document.querySelector(s)?.dataset.mode, sel('board-live')), 'polling');

        // ---- allowed again: back to live at the next try, polling stops ----
        refuse = false;
        await modeIs(page, 'live', 20000);
        const again = await changeAndWatch(page, agent.id, 'idle', 2000);
        assert.ok(again < 2000, `shown after ${again} ms`);
        await sleep(300);
        polls = 0;
        await sleep(2500);
        assert.equal(polls, 0, 'polling stopped once live again');
      } finally {
        await apiCall(page, 'POST', `/api/v1/agents/${agent.id}/logout`);
        assert.equal((await apiCall(page, 'DELETE', `/api/v1/agents/${agent.id}`)).status, 204);
        assert.equal((await apiCall(page, 'DELETE', `/api/v1/extensions/${ext.id}`)).status, 204);
      }
    });
  });

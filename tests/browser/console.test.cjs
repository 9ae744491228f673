'use strict';
// Browser tests of the Hotline console (web/), run with `node --test tests/browser/`.
//
// Needs a running hotlined that serves web/dist:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of the daemon
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// and playwright-core from web/node_modules (`npm ci` in web/) plus Debian chromium
// (/usr/bin/chromium, or CHROMIUM_PATH). Without HOTLINE_URL every test is skipped.
// On failure a screenshot is saved under build/test-results/.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');

const BASE = (process.env.HOTLINE_URL || '').replace(/\/+$/, '');
const ADMIN_PASSWORD = process.env.HOTLINE_ADMIN_PASSWORD || '';
const TENANT = process.env.HOTLINE_TENANT || 'demo';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const RESULTS = path.join(__dirname, '../../build/test-results');
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

let skipAll = false;
if (!BASE) skipAll = 'HOTLINE_URL is not set: start hotlined and set HOTLINE_URL (e.g. http://127.0.0.1:18080) to run the browser tests';
let chromium;
if (!skipAll) {
  try {
    ({ chromium } = require(path.join(__dirname, '../../web/node_modules/playwright-core')));
  } catch (e) {
    skipAll = `playwright-core not found in web/node_modules (run "npm ci" in web/): ${e.message}`;
  }
}
if (!skipAll && !fs.existsSync(CHROMIUM)) skipAll = `chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
const skipAdmin = skipAll || (!ADMIN_PASSWORD && 'HOTLINE_ADMIN_PASSWORD is not set');
if (skipAll) console.log(`# skipping browser tests: ${skipAll}`);
else if (skipAdmin) console.log(`# skipping admin browser tests: ${skipAdmin}`);

let browser;
before(async () => {
  if (skipAll) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  if (browser) await browser.close();
});

/** Run `fn(page)` in a fresh browser context; on failure save a screenshot and rethrow. */
async function withPage(name, fn) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  try {
    await fn(page);
  } catch (e) {
    try {
      fs.mkdirSync(RESULTS, { recursive: true });
      const file = path.join(RESULTS, `console-${name}-${RUN}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`# screenshot saved: ${file}`);
      if (consoleErrors.length) console.log(`# page errors: ${consoleErrors.join(' | ')}`);
    } catch (se) {
      console.log(`# could not save screenshot: ${se.message}`);
    }
    throw e;
  } finally {
    await context.close();
  }
}

const sel = (t) => `[data-test="${t}"]`;
const visible = (page, t) => page.locator(`${sel(t)}:visible`);
/** The text box of an el-input (Element Plus puts data-* on the <input> itself). */
const input = (page, t) => page.locator(`input${sel(t)}, ${sel(t)} input`).first();

async function login(page, tenant, username, password) {
  await page.goto(`${BASE}/#/login`);
  await input(page, 'login-tenant').fill(tenant);
  await input(page, 'login-username').fill(username);
  await input(page, 'login-password').fill(password);
  await page.locator(sel('login-submit')).click();
}

async function loginOk(page, tenant, username, password) {
  await login(page, tenant, username, password);
  await page.locator(sel('topbar-username')).waitFor();
}

async function switchLang(page, locale) {
  await visible(page, 'lang-trigger').click();
  await visible(page, `lang-${locale}`).click();
}

async function logout(page) {
  await page.locator(sel('topbar-username')).click();
  await visible(page, 'topbar-logout').click();
  await page.locator(sel('login-submit')).waitFor();
}

/** data-test values of the side-menu entries that are shown. */
async function menuEntries(page) {
  return page.$$eval('[data-test^="menu-"]', (els) =>
    els.filter((e) => e.offsetParent !== null).map((e) => e.getAttribute('data-test')).sort());
}

test('login with a wrong password shows the server error', { skip: skipAll, timeout: 60000 }, async () => {
  await withPage('wrong-password', async (page) => {
    const answer = page.waitForResponse((r) => r.url().includes('/api/v1/auth/login'));
    await login(page, TENANT, 'admin', `wrong-${RUN}`);
    const res = await answer;
    assert.ok(res.status() === 401 || res.status() === 429, `login answered ${res.status()}`);
    const body = await res.json();
    assert.ok(body.error && body.error.message, 'error body has a message');
    const alert = page.locator(sel('login-error'));
    await alert.waitFor();
    assert.ok((await alert.innerText()).includes(body.error.message), 'the alert shows the server message');
    assert.ok(page.url().includes('#/login'), 'still on the login page');
  });
});

test('admin builds a role and user; the user sees only its menus', { skip: skipAdmin, timeout: 180000 }, async () => {
  const roleName = `ro-users-${RUN}`;
  const userName = `u${RUN}`;
  const userPassword = `Pw-${RUN}-x1`;
  await withPage('role-user', async (page) => {
    await loginOk(page, TENANT, 'admin', ADMIN_PASSWORD);

    // language switch: the default is Chinese, English changes the menu labels, and back
    const users = page.locator(sel('menu-users'));
    await users.waitFor();
    assert.equal((await users.innerText()).trim(), '用户管理');
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.querySelector('[data-test="menu-users"]').innerText.trim() === 'Users');
    assert.equal((await page.locator(sel('menu-roles')).innerText()).trim(), 'Roles');
    await switchLang(page, 'zh-CN');
    await page.waitForFunction(() => document.querySelector('[data-test="menu-users"]').innerText.trim() === '用户管理');
    assert.equal((await page.locator(sel('menu-roles')).innerText()).trim(), '角色管理');

    // role: users read-only, logs read-write, whole tenant
    await page.locator(sel('menu-roles')).click();
    await page.locator(sel('role-create')).click();
    await input(page, 'role-name').fill(roleName);
    await page.locator(sel('perm-users-ro')).click();
    await page.locator(sel('perm-logs-rw')).click();
    await page.locator(sel('role-scope')).click();
    await visible(page, 'scope-tenant').click();
    const roleSaved = page.waitForResponse((r) => r.url().endsWith('/api/v1/roles') && r.request().method() === 'POST');
    await page.locator(sel('role-save')).click();
    const roleRes = await roleSaved;
    assert.equal(roleRes.status(), 201, `create role answered ${roleRes.status()}`);
    const role = await roleRes.json();
    assert.deepEqual(role.permissions, { users: 'ro', logs: 'rw' });
    assert.equal(role.data_scope, 'tenant');
    await page.locator(sel('role-table')).getByText(roleName, { exact: true }).waitFor();

    // user with that role
    await page.locator(sel('menu-users')).click();
    await page.locator(sel('user-create')).click();
    await input(page, 'user-username').fill(userName);
    await input(page, 'user-display-name').fill(`Tester ${RUN}`);
    await input(page, 'user-email').fill(`${userName}@example.com`);
    await page.locator(sel('user-roles')).click();
    await visible(page, `role-option-${roleName}`).click();
    await page.locator(`${sel('user-dialog')} .el-dialog__title, .el-dialog__title:visible`).first().click();
    await input(page, 'user-password').fill(userPassword);
    const userSaved = page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
    await page.locator(sel('user-save')).click();
    const userRes = await userSaved;
    assert.equal(userRes.status(), 201, `create user answered ${userRes.status()}`);
    const user = await userRes.json();
    assert.deepEqual(user.role_ids, [role.id]);
    await page.locator(sel('user-table')).getByText(userName, { exact: true }).waitFor();

    // the new user sees exactly Users and Logs, and Users is read-only
    await logout(page);
    await loginOk(page, TENANT, userName, userPassword);
    await page.locator(sel('menu-users')).waitFor();
    assert.deepEqual(await menuEntries(page), ['menu-logs', 'menu-users']);
    for (const hidden of ['menu-roles', 'menu-departments', 'menu-api-keys', 'menu-security', 'menu-tenants']) {
      assert.equal(await page.locator(sel(hidden)).count(), 0, `${hidden} is not shown`);
    }
    await page.locator(sel('menu-users')).click();
    await page.locator(sel('user-table')).getByText(userName, { exact: true }).waitFor();
    assert.equal(await page.locator(sel('user-create')).count(), 0, 'no create button on a read-only page');
    assert.equal(await page.locator(sel('user-edit')).count(), 0, 'no edit buttons on a read-only page');
    await page.locator(sel('menu-logs')).click();
    await page.locator(sel('page-logs')).waitFor();
  });
});

test('a two-level department tree created in the UI shows both levels', { skip: skipAdmin, timeout: 120000 }, async () => {
  const top = `Dept-${RUN}`;
  const child = `Team-${RUN}`;
  await withPage('departments', async (page) => {
    await loginOk(page, TENANT, 'admin', ADMIN_PASSWORD);
    await page.locator(sel('menu-departments')).click();
    await page.locator(sel('page-departments')).waitFor();

    await page.locator(sel('dept-add-root')).click();
    await input(page, 'dept-name').fill(top);
    await page.locator(sel('dept-save')).click();
    const topNode = page.locator(`${sel('dept-node')}[data-name="${top}"]`);
    await topNode.waitFor();

    await topNode.locator(sel('dept-add-child')).click();
    await input(page, 'dept-name').fill(child);
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/departments') && r.request().method() === 'POST');
    await page.locator(sel('dept-save')).click();
    const res = await saved;
    assert.equal(res.status(), 201, `create department answered ${res.status()}`);
    const childNode = page.locator(`${sel('dept-node')}[data-name="${child}"]`);
    await childNode.waitFor();
    assert.ok(await topNode.isVisible());
    assert.ok(await childNode.isVisible());

    // the child is drawn inside the top department's subtree
    const nested = await page.evaluate(([a, b]) => {
      const el = document.querySelector(`[data-test="dept-node"][data-name="${b}"]`);
      const own = el && el.closest('.el-tree-node');
      const parent = own && own.parentElement && own.parentElement.closest('.el-tree-node');
      const content = parent && parent.querySelector(':scope > .el-tree-node__content [data-test="dept-node"]');
      return content ? content.getAttribute('data-name') === a : false;
    }, [top, child]);
    assert.ok(nested, `${child} is shown under ${top}`);

    // reload: the tree comes from the server
    await page.reload();
    await page.locator(`${sel('dept-node')}[data-name="${child}"]`).waitFor();
  });
});

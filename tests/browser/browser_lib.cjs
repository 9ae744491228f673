'use strict';
// Shared set-up of the browser tests (tests/browser/*.test.cjs): the environment, one
// Chromium for the file, a page per test with a screenshot on failure, and the small
// helpers every test uses. Environment:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of a running hotlined serving web/dist
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// plus playwright-core from web/node_modules and chromium (/usr/bin/chromium or CHROMIUM_PATH).
// `skip` is false, or the reason every test of the file is skipped.
// (Not a test file: node --test runs only *.test.cjs.)

const { before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');

const BASE = (process.env.HOTLINE_URL || '').replace(/\/+$/, '');
const ADMIN_PASSWORD = process.env.HOTLINE_ADMIN_PASSWORD || '';
const TENANT = process.env.HOTLINE_TENANT || 'demo';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const RESULTS = path.join(__dirname, '../../build/test-results');
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

let skip = false;
if (!BASE) skip = 'HOTLINE_URL is not set: start hotlined and set HOTLINE_URL (e.g. http://127.0.0.1:18080) to run the browser tests';
let chromium;
if (!skip) {
  try {
    ({ chromium } = require(path.join(__dirname, '../../web/node_modules/playwright-core')));
  } catch (e) {
    skip = `playwright-core not found in web/node_modules (run "npm ci" in web/): ${e.message}`;
  }
}
if (!skip && !fs.existsSync(CHROMIUM)) skip = `chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (!skip && !ADMIN_PASSWORD) skip = 'HOTLINE_ADMIN_PASSWORD is not set';

let browser;
before(async () => {
  if (skip) return;
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
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  try {
    await fn(page);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } catch (e) {
    try {
      fs.mkdirSync(RESULTS, { recursive: true });
      const file = path.join(RESULTS, `${name}-${RUN}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`# screenshot saved: ${file}`);
      if (pageErrors.length) console.log(`# page errors: ${pageErrors.join(' | ')}`);
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
const textarea = (page, t) => page.locator(`textarea${sel(t)}, ${sel(t)} textarea`).first();

async function loginAdmin(page) {
  await page.goto(`${BASE}/#/login`);
  await input(page, 'login-tenant').fill(TENANT);
  await input(page, 'login-username').fill('admin');
  await input(page, 'login-password').fill(ADMIN_PASSWORD);
  await page.locator(sel('login-submit')).click();
  await page.locator(sel('topbar-username')).waitFor();
}

async function switchLang(page, locale) {
  await visible(page, 'lang-trigger').click();
  await visible(page, `lang-${locale}`).click();
}

/** Opens an el-select (a CSS selector) and clicks its option holding `text`. */
async function pickOption(page, selector, text) {
  await page.locator(selector).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

/** Call the API with the page's session cookie: `{status, body}`. */
function apiCall(page, method, url, body) {
  return page.evaluate(async ([m, u, b]) => {
    const res = await fetch(u, {
      method: m, credentials: 'same-origin',
      headers: b === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }, [method, url, body]);
}

module.exports = {
  BASE, ADMIN_PASSWORD, TENANT, RUN, skip, withPage, sel, visible, input, textarea, loginAdmin, switchLang, apiCall,
  pickOption,
};

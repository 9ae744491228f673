'use strict';
// Browser test of the text-to-speech page (voice, rate, preview played in an <audio>),
// run with `node --test tests/browser/`. Same environment as console.test.cjs:
//   HOTLINE_URL=http://127.0.0.1:18080   base URL of a running hotlined serving web/dist
//   HOTLINE_ADMIN_PASSWORD=...           password of user `admin` of the demo tenant `demo`
// plus playwright-core from web/node_modules and chromium (/usr/bin/chromium or CHROMIUM_PATH).
// Without HOTLINE_URL every test is skipped. On failure a screenshot is saved under
// build/test-results/. The test puts the demo tenant's TTS settings back as it found them.

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
if (skip) console.log(`# skipping TTS browser tests: ${skip}`);

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
      const file = path.join(RESULTS, `tts-${name}-${RUN}.png`);
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

test('admin sets the voice and rate, and previews a text', { skip, timeout: 180000 }, async () => {
  await withPage('tts', async (page) => {
    await loginAdmin(page);
    const before = await apiCall(page, 'GET', '/api/v1/tts/settings');
    assert.equal(before.status, 200);
    try {
      // the menu entry and the page, in Chinese first
      await visible(page, 'menu-tts').click();
      await page.locator(sel('page-tts')).waitFor();
      assert.match(await page.locator(`${sel('page-tts')} h2`).innerText(), /语音合成/);
      await switchLang(page, 'en');
      await page.waitForFunction(() => /Text to speech/.test(document.querySelector('[data-test="page-tts"] h2').innerText));

      // voice and rate, saved
      await page.locator(sel('tts-voice')).click();
      await page.locator('.el-select-dropdown__item:visible', { hasText: 'American' }).click();
      const slider = page.locator(`${sel('tts-rate')} .el-slider__button-wrapper`);
      await slider.focus();
      for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
      const shown = await page.locator(sel('tts-rate-value')).innerText();
      const rate = Number(shown.match(/\d+/)[0]);
      assert.notEqual(rate, before.body.rate, `the slider moved (${shown})`);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/tts/settings') && r.request().method() === 'PUT');
      await page.locator(sel('tts-save')).click();
      assert.equal((await saved).status(), 200);
      const after = await apiCall(page, 'GET', '/api/v1/tts/settings');
      assert.equal(after.body.voice, 'en-us');
      assert.equal(after.body.rate, rate);

      // a preview plays in the page's <audio>
      await textarea(page, 'tts-text').fill('Welcome to the hotline');
      await page.locator('.el-input__count:visible', { hasText: '22 / 600' }).waitFor();
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/tts/preview'));
      await page.locator(sel('tts-preview')).click();
      const res = await answer;
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'audio/wav');
      const audio = page.locator(sel('tts-audio'));
      await audio.waitFor();
      const duration = await audio.evaluate((a) => new Promise((resolve) => {
        if (a.readyState >= 1) resolve(a.duration);
        else a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
      }));
      assert.ok(duration > 0.5, `audio of ${duration} s`);
      assert.match(await audio.getAttribute('src'), /^blob:/);

      // nothing to say: the button is off
      await textarea(page, 'tts-text').fill('   ');
      assert.ok(await page.locator(sel('tts-preview')).isDisabled(), 'nothing to say: the button is off');
    } finally {
      await apiCall(page, 'PUT', '/api/v1/tts/settings', { voice: before.body.voice, rate: before.body.rate });
    }
  });
});

'use strict';
// Browser phones (WebRTC, decision 56): Chromium with JsSIP registers an extension over
// WebSocket and calls a baresip phone, and the phone calls it, with DTLS-SRTP audio through
// hotlined both ways; an offer without a common codec gets 488, and a browser whose
// certificate is not the one its SDP names is hung up. Run with `node --test tests/browser/`:
//   HOTLINE_URL, HOTLINE_ADMIN_PASSWORD   as for the other browser tests
//   HOTLINE_SIP=127.0.0.1:5060            the daemon's SIP (UDP) address, for baresip
//   HOTLINE_SIP_WS=127.0.0.1:5066         its --sip-ws address, for the browser (or a URL:
//                                         wss://127.0.0.1:5067 for --sip-wss; the test's
//                                         Chromium accepts the self-signed certificate)
// The test page (webrtc_phone.html) and a JsSIP bundle (esbuild, from web/node_modules/jssip)
// are served by the test's own HTTP server on loopback; Chromium gets a fake microphone that
// plays a 1000 Hz tone file, and the phone sends 440 Hz.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { sipSkip, freeSipPort, Baresip } = require('./sip_peer.cjs');
const { toneWav, tonePower, heardWav } = require('./tones.cjs');

const BASE = (process.env.HOTLINE_URL || '').replace(/\/+$/, '');
const ADMIN_PASSWORD = process.env.HOTLINE_ADMIN_PASSWORD || '';
const TENANT = process.env.HOTLINE_TENANT || 'demo';
const WS = process.env.HOTLINE_SIP_WS || '';
const WS_URL = /^wss?:\/\//.test(WS) ? WS : `ws://${WS}`;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WEB_MODULES = path.join(__dirname, '../../web/node_modules');
const PASSWORD = 'webrtc-Pass-1234';

let skip = false;
if (!BASE || !ADMIN_PASSWORD) skip = 'HOTLINE_URL / HOTLINE_ADMIN_PASSWORD are not set';
else if (!WS) skip = 'HOTLINE_SIP_WS is not set (the daemon\'s --sip-ws address)';
else if (sipSkip) skip = sipSkip;
else if (!fs.existsSync(CHROMIUM)) skip = `chromium not found at ${CHROMIUM}`;
else if (!fs.existsSync(path.join(WEB_MODULES, 'jssip'))) skip = 'jssip is not in web/node_modules (scripts/deps.sh)';
if (skip) console.log(`# skipping WebRTC browser tests: ${skip}`);

const TONE_HZ = 1000;   // the browser's microphone
const PHONE_HZ = 440;   // the SIP phone's

let token = '';
async function api(method, url, body) {
  const res = await fetch(`${BASE}${url}`, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function newExtension() {
  for (let i = 0; i < 20; i++) {
    const number = String(500000 + Math.floor(Math.random() * 400000));
    const r = await api('POST', '/api/v1/extensions', { number, password: PASSWORD });
    if (r.status === 201) return r.body;
  }
  throw new Error('cannot create an extension');
}

const count = (text, sub) => text.split(sub).length - 1;

/** Waits until the phone's log holds `text` one time more than `before`. */
async function phoneSees(text, before, ms = 10000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (count(phone.log, text) > before) return true;
    await sleep(100);
  }
  return false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server, serverUrl, browser, page, tmp, phone, extBrowser, extPhone;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-webrtc-'));
  const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenant: TENANT, username: 'admin', password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200, 'admin logs in');
  token = (await login.json()).token;
  extBrowser = await newExtension();
  extPhone = await newExtension();

  // the page and its JsSIP bundle
  const esbuild = require(path.join(WEB_MODULES, 'esbuild'));
  const bundle = await esbuild.build({
    entryPoints: [path.join(WEB_MODULES, 'jssip/lib/JsSIP.js')], bundle: true, write: false,
    format: 'iife', globalName: 'JsSIP', platform: 'browser', logLevel: 'silent',
  });
  const js = bundle.outputFiles[0].text;
  const html = fs.readFileSync(path.join(__dirname, 'webrtc_phone.html'));
  server = http.createServer((req, res) => {
    const body = req.url === '/jssip.js' ? js : html;
    res.writeHead(200, { 'Content-Type': req.url === '/jssip.js' ? 'text/javascript' : 'text/html' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${server.address().port}/`;

  const wav = path.join(tmp, 'tone.wav');
  toneWav(wav, TONE_HZ);
  const { chromium } = require(path.join(WEB_MODULES, 'playwright-core'));
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required',
      '--ignore-certificate-errors'],
  });
  const context = await browser.newContext();
  await context.grantPermissions(['microphone']);
  page = await context.newPage();
  page.on('console', (m) => { if (process.env.WEBRTC_DEBUG) console.log(`# page: ${m.text()}`); });
  await page.goto(process.env.WEBRTC_DEBUG ? `${serverUrl}?debug` : serverUrl);
  await page.waitForFunction(() => window.phone && window.JsSIP);

  phone = await new Baresip({ name: 'webrtc', user: extPhone.number, password: PASSWORD, domain: TENANT,
    port: await freeSipPort(), toneHz: PHONE_HZ }).start(60);
});

after(async () => {
  if (phone && process.env.WEBRTC_DEBUG) console.log(phone.log.split('\n').map((l) => `# phone: ${l}`).join('\n'));
  if (page) await page.evaluate(() => window.phone.hangup()).catch(() => {});
  if (browser) await browser.close();
  if (server) server.close();
  if (phone) await phone.stop();
  for (const e of [extBrowser, extPhone]) if (e) await api('DELETE', `/api/v1/extensions/${e.id}`);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function waitRegistered(number, transport) {
  for (let i = 0; i < 100; i++) {
    const r = await api('GET', `/api/v1/registrations?number=${number}`);
    const hit = r.body && r.body.items.find((c) => !transport || c.transport === transport);
    if (hit) return hit;
    await sleep(100);
  }
  return null;
}

async function received() {
  return page.evaluate(() => window.phone.received());
}

/** Waits until the browser has heard audio: packets and a non-zero level. */
async function waitAudio(ms = 8000) {
  const deadline = Date.now() + ms;
  let r = await received();
  while (Date.now() < deadline && !(r.packets > 20 && r.rms > 0.01)) {
    await sleep(200);
    r = await received();
  }
  return r;
}

test('a browser registers over WebSocket and calls a SIP phone, audio both ways (DTLS-SRTP)', { skip, timeout: 40000 }, async () => {
  await page.evaluate(([ws, uri, password]) => window.phone.start({ ws, uri, password }),
    [WS_URL, `sip:${extBrowser.number}@${TENANT}`, PASSWORD]);
  const transport = WS_URL.startsWith('wss:') ? 'wss' : 'ws';
  const reg = await waitRegistered(extBrowser.number, transport);
  assert.ok(reg, `the browser's contact shows in /api/v1/registrations with transport ${transport}`);
  assert.ok(await waitRegistered(extPhone.number), 'the SIP phone registered');

  const rings = count(phone.log, 'Incoming call');
  const placed = page.evaluate((t) => window.phone.call(t), `sip:${extPhone.number}@${TENANT}`);
  assert.ok(await phoneSees('Incoming call', rings), 'the phone rings');
  await phone.command('accept');
  const res = await placed;
  assert.equal(res.ev, 'confirmed', `the call is answered (${JSON.stringify(res)})`);
  const remote = await page.evaluate(() => window.phone.remoteSdp);
  assert.match(remote, /UDP\/TLS\/RTP\/SAVPF/);
  assert.match(remote, /a=ice-lite/);
  assert.match(remote, /a=setup:passive/);
  assert.match(remote, /a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);

  const r = await waitAudio();
  assert.equal(r.dtls, 'connected', 'DTLS is up');
  assert.ok(r.packets > 20, `the browser receives RTP (${r.packets} packets)`);
  assert.ok(r.rms > 0.01, `the browser hears the phone (WebAudio RMS ${r.rms})`);
  // hold and resume: re-INVITEs from the browser, answered on the same DTLS association
  const { held, resumed } = await page.evaluate(() => window.phone.holdResume());
  assert.match(held || '', /a=recvonly/, 'the hold is answered (recvonly)');
  assert.match(resumed || '', /a=sendrecv/, 'the resume is answered (sendrecv)');
  assert.match(resumed, /a=setup:passive/, 'the same DTLS roles');
  const before = (await received()).packets;
  await sleep(1500);    // the phone records the browser's tone meanwhile
  const after = await received();
  assert.equal(after.dtls, 'connected');
  assert.ok(after.packets > before + 20, `audio goes on after the resume (${before} -> ${after.packets} packets)`);
  const ended = count(phone.log, 'session closed');
  await page.evaluate(() => window.phone.hangup());
  assert.ok(await phoneSees('session closed', ended, 5000), 'the phone hangs up');
  await sleep(300);
  const wav = heardWav(phone);
  assert.ok(wav, 'the phone recorded what it heard');
  const p1000 = tonePower(wav, TONE_HZ), p440 = tonePower(wav, PHONE_HZ);
  assert.ok(p1000 > 0.05 && p1000 > 10 * p440, `the phone hears the browser's ${TONE_HZ} Hz tone (power ${p1000.toFixed(3)} vs ${p440.toFixed(3)} at ${PHONE_HZ} Hz)`);
});

test('a SIP phone calls the browser, which answers with WebRTC media', { skip, timeout: 30000 }, async () => {
  await page.evaluate(() => { window.phone.autoAnswer = true; window.phone.events = []; });
  const ended = count(phone.log, 'session closed');
  await phone.command('dial', extBrowser.number);
  const res = await page.evaluate(() => window.phone.until(['confirmed', 'failed'], 15000));
  assert.equal(res.ev, 'confirmed', `the browser answered (${JSON.stringify(res)})`);
  const offer = await page.evaluate(() => window.phone.remoteSdp);
  assert.match(offer, /UDP\/TLS\/RTP\/SAVPF/, 'hotlined offers WebRTC to a contact registered over WebSocket');
  assert.match(offer, /a=setup:actpass/);
  const r = await waitAudio();
  assert.equal(r.dtls, 'connected');
  assert.ok(r.packets > 20 && r.rms > 0.01, `the browser hears the phone (${JSON.stringify(r)})`);
  await page.evaluate(() => window.phone.hangup());
  await page.evaluate(() => { window.phone.autoAnswer = false; });
  assert.ok(await phoneSees('session closed', ended, 5000), 'the phone sees the hangup');
});

test('an offer without a common codec gets 488', { skip, timeout: 20000 }, async () => {
  await page.evaluate(() => {
    // keep only comfort noise: nothing hotlined relays
    window.phone.munge = (sdp) => sdp.replace(/^(m=audio \d+ [A-Z/]+) .*$/m, '$1 13')
      .split('\r\n').filter((l) => !/^a=(rtpmap|fmtp|rtcp-fb):(?!13 )/.test(l)).join('\r\n');
  });
  const res = await page.evaluate((t) => window.phone.call(t), `sip:${extPhone.number}@${TENANT}`);
  await page.evaluate(() => { window.phone.munge = null; });
  assert.equal(res.ev, 'failed');
  assert.equal(res.code, 488, `rejected with 488 (${JSON.stringify(res)})`);
});

test('a browser whose DTLS certificate is not the one its SDP names is hung up', { skip, timeout: 20000 }, async () => {
  await page.evaluate(() => {
    window.phone.munge = (sdp) => sdp.replace(/a=fingerprint:sha-256 [0-9A-F:]+/g,
      `a=fingerprint:sha-256 ${Array(32).fill('AB').join(':')}`);
  });
  const rings = count(phone.log, 'Incoming call');
  const placed = page.evaluate((t) => window.phone.call(t), `sip:${extPhone.number}@${TENANT}`);
  assert.ok(await phoneSees('Incoming call', rings), 'the phone rings');
  await phone.command('accept');
  const res = await placed;
  await page.evaluate(() => { window.phone.munge = null; });
  assert.equal(res.ev, 'confirmed');
  const end = await page.evaluate(() => window.phone.until(['ended', 'failed'], 8000));
  assert.equal(end.ev, 'ended', 'hotlined ends the call once the certificate does not match');
  const r = await received();
  assert.equal(r.rms, 0, 'no audio reached the browser');
  const health = await fetch(`${BASE}/api/v1/health`);
  assert.equal(health.status, 200, 'the daemon is alive');
});

test('the browser hears what hotlined plays itself (a feature code\'s confirmation tone)', { skip, timeout: 20000 }, async () => {
  const res = await page.evaluate((t) => window.phone.call(t), `sip:*81@${TENANT}`);
  assert.equal(res.ev, 'confirmed', `the feature code answers (${JSON.stringify(res)})`);
  const end = await page.evaluate(() => window.phone.until(['ended', 'failed'], 10000));
  assert.equal(end.ev, 'ended', 'hotlined hangs up after the tone');
  const r = await received();   // the connection is closed: only the WebAudio measure is left
  assert.ok(r.rms > 0.01, `the browser heard the beeps (WebAudio RMS ${r.rms})`);
});

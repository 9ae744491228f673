'use strict';
// A real SIP phone for the browser tests: baresip (as tests/e2e/peers.py drives it) with a
// sine-tone microphone, commands through ctrl_tcp (dial, DTMF) and its log to wait on.
// HOTLINE_SIP=127.0.0.1:5060 names the daemon's SIP address; without it `sipSkip` says why the
// calling parts are skipped. Every peer listens on loopback only and is stopped by its test.
// (Not a test file: node --test runs only *.test.cjs.)

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const SIP = process.env.HOTLINE_SIP || '';
let sipSkip = false;
if (!SIP) sipSkip = 'HOTLINE_SIP is not set (the daemon\'s SIP address, e.g. 127.0.0.1:5060): no calls are placed';
else {
  try {
    execFileSync('baresip', ['-h'], { stdio: 'ignore' });
  } catch (e) {
    if (e.code === 'ENOENT') sipSkip = 'baresip is not installed (apt-get install baresip)';
  }
}

/** A loopback port free for both UDP and TCP (baresip listens on both). */
async function freeSipPort() {
  const dgram = require('node:dgram');
  for (let i = 0; i < 50; i++) {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free SIP port');
}

class Baresip {
  /**
   * user: the SIP user (for a trunk peer, the caller's number); password: '' for a trunk peer
   * (no registration, requests trusted by address); port: the port to send from (a trunk's port);
   * answer: 'manual' (the test accepts) or 'auto' (baresip answers every call by itself).
   */
  constructor({ name, user, password = '', domain = '127.0.0.1', port, toneHz = 440, answer = 'manual' }) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `baresip-${name}-`));
    this.port = port;
    this.user = user;
    this.password = password;
    this.domain = domain;
    this.toneHz = toneHz;
    this.answer = answer;
    this.log = '';
  }

  async start(seconds = 40) {
    this.ctrlPort = await freeSipPort();
    const rtp = 30000 + 2 * (this.port % 5000);
    fs.mkdirSync(path.join(this.dir, 'rec'));
    fs.writeFileSync(path.join(this.dir, 'config'), [
      'poll_method epoll', `sip_listen 127.0.0.1:${this.port}`, 'module_path /usr/lib/baresip/modules',
      'module g711.so', 'module ausine.so', 'module sndfile.so', 'module aubridge.so',
      'module_app account.so', 'module_app menu.so', 'module ctrl_tcp.so', `ctrl_tcp_listen 127.0.0.1:${this.ctrlPort}`,
      `audio_source ausine,${this.toneHz}`, 'audio_player aubridge,none', 'audio_alert aubridge,none',
      'ausrc_srate 48000', 'auplay_srate 48000', 'ausrc_channels 2', 'auplay_channels 2',
      `snd_path ${path.join(this.dir, 'rec')}`, `rtp_ports ${rtp}-${rtp + 9}`, 'sip_trans_def udp', '',
    ].join('\n'));
    const auth = this.password ? `;auth_pass=${this.password};regint=300` : ';regint=0';
    fs.writeFileSync(path.join(this.dir, 'accounts'),
      `<sip:${this.user}@${this.domain};transport=udp>${auth};outbound="sip:${SIP};transport=udp";` +
      `answermode=${this.answer};audio_codecs=PCMU\n`);
    this.proc = spawn('baresip', ['-f', this.dir, '-t', String(seconds)], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (d) => { this.log += d.toString(); };
    this.proc.stdout.on('data', take);
    this.proc.stderr.on('data', take);
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
    return this;
  }

  /** Runs a baresip command (as typed without the slash) through ctrl_tcp (netstring JSON). */
  async command(name, params = '') {
    const body = JSON.stringify({ command: name, params, token: name });
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        return await new Promise((resolve, reject) => {
          const s = net.connect(this.ctrlPort, '127.0.0.1', () => s.write(`${Buffer.byteLength(body)}:${body},`));
          s.setTimeout(2000, () => { s.destroy(); reject(new Error('ctrl_tcp timeout')); });
          s.once('data', (d) => { s.end(); resolve(d.toString()); });
          s.once('error', reject);
        });
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Waits until the log holds `text`; false after `ms` or when baresip exits. */
  async waitFor(text, ms = 10000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.log.includes(text)) return true;
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.log.includes(text);
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { SIP, sipSkip, freeSipPort, Baresip };

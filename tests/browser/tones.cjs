'use strict';
// Sine tones for the browser tests that carry audio (webrtc.test.cjs, workbench_phone.test.cjs): a WAV
// file for Chromium's fake microphone, and how much of a frequency a recorded WAV holds (0..0.5, Goertzel
// over 0.1 s pieces whose powers add up: gaps and phase jumps of late packets do not hide a tone).
// (Not a test file: node --test runs only *.test.cjs.)

const fs = require('node:fs');
const path = require('node:path');

/** A mono 16-bit WAV of a sine tone. */
function toneWav(file, hz, seconds = 20, rate = 48000) {
  const n = seconds * rate;
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + 2 * n, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(2 * rate, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + 2 * i);
  fs.writeFileSync(file, buf);
}

/** Relative power of `hz` in a WAV file (Goertzel over its samples, first channel). */
function tonePower(file, hz, windowSeconds = 0.1) {
  const b = fs.readFileSync(file);
  let off = 12, rate = 8000, ch = 1, data = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4), len = b.readUInt32LE(off + 4);
    if (id === 'fmt ') { ch = b.readUInt16LE(off + 10); rate = b.readUInt32LE(off + 12); }
    if (id === 'data') { data = b.subarray(off + 8, Math.min(b.length, off + 8 + len)); break; }
    off += 8 + len + (len & 1);
  }
  if (!data) return 0;
  const n = Math.floor(data.length / (2 * ch));
  const size = Math.max(1, Math.floor(windowSeconds * rate));
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0, s2 = 0, total = 0, power = 0;
  for (let i = 0; i < n; i++) {
    if (i % size === 0) { power += s1 * s1 + s2 * s2 - k * s1 * s2; s1 = 0; s2 = 0; }
    const x = data.readInt16LE(2 * ch * i);
    total += x * x;
    [s1, s2] = [x + k * s1 - s2, s1];
  }
  power += s1 * s1 + s2 * s2 - k * s1 * s2;
  return n && total ? power / total / Math.min(size, n) : 0;
}

/** The newest WAV the phone recorded of what it heard (baresip's sndfile: *-dec.wav). */
function heardWav(phone) {
  const dir = path.join(phone.dir, 'rec');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('-dec.wav')).sort();
  return files.length ? path.join(dir, files[files.length - 1]) : null;
}

module.exports = { toneWav, tonePower, heardWav };

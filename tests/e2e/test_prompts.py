"""Spoken prompts in calls: *82 (ippbx.md §2.9) reads out who last called
the extension, with espeak-ng through the TTS cache. What the phone
(baresip) receives is recognised against the TTS preview of the same text:
their loudness envelopes line up (correlation), after G.711 and
resampling."""
import math
import struct
import time
import wave

from e2e_helpers import expect
from peers import Baresip, Sipp, UAS_ANSWER, uac_call_and_hangup, write_scenario
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered


def envelope(samples, rate, frame_ms=20):
    """RMS of each frame, after bringing the audio to 8 kHz."""
    step = max(1, rate // 8000)
    pcm = [sum(samples[i:i + step]) / step for i in range(0, len(samples) - step + 1, step)]
    n = 8 * frame_ms
    return [math.sqrt(sum(x * x for x in pcm[i:i + n]) / n) for i in range(0, len(pcm) - n + 1, n)]


def read_wav(path_or_bytes):
    import io
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    with wave.open(src) as w:
        n, ch, rate = w.getnframes(), w.getnchannels(), w.getframerate()
        data = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
    return list(data), rate


def best_correlation(ref, got):
    """The highest Pearson correlation of ref against a window of got (at
    least three quarters of ref overlapping)."""
    def corr(a, b):
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
        den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) or 1
        return num / den
    best = 0.0
    for lag in range(max(1, len(got) - len(ref) + 1)):
        n = min(len(ref), len(got) - lag)
        if n >= 0.75 * len(ref):         # the end may be cut by the hang-up
            best = max(best, corr(ref[:n], got[lag:lag + n]))
    return best


def speech_frames(env, floor=300):
    return sum(1 for v in env if v > floor)


def dial_feature(tmp_path, daemon, name, number, seconds=8):
    # what it records is only what hotlined sends: nobody else is on the call
    phone = Baresip(tmp_path, name, number, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    phone.start([f"/dial sip:*82@{DOMAIN}"], seconds=seconds)
    phone.proc.wait(30)
    phone.stop()
    return phone


def test_star82_without_a_caller_speaks_the_no_record_prompt(daemon, admin, tmp_path):
    a = new_extension(admin)
    phone = dial_feature(tmp_path, daemon, "a", a)
    got, rate = read_wav(phone.received_audio())
    preview = admin.post("/api/v1/tts/preview", json={"text": "没有来电记录"})   # tenant's voice
    assert preview.status_code == 200, preview.text
    ref, ref_rate = read_wav(preview.content)
    ref_env, got_env = envelope(ref, ref_rate), envelope(got, rate)
    assert speech_frames(got_env) > 0.6 * speech_frames(ref_env), (speech_frames(got_env),
                                                                     speech_frames(ref_env))
    assert best_correlation(ref_env, got_env) > 0.8
    rec = call_record(admin, a)
    assert rec["callee"] == "*82" and rec["end_status"] == "feature_code"


def test_star82_reads_the_last_callers_number(daemon, admin, tmp_path):
    a, b = new_extension(admin), new_extension(admin)
    from test_call_features import device
    phone_b = device(tmp_path, daemon, b, "b", UAS_ANSWER)
    caller = Sipp(tmp_path, write_scenario(tmp_path, "uac82", uac_call_and_hangup()),
                  daemon.sip_port, user=a, password=PASSWORD,
                  keys={"domain": DOMAIN, "callee": b}).start()
    assert caller.wait() == 0, caller.errors()
    assert phone_b.wait() == 0, phone_b.errors()
    with_number = dial_feature(tmp_path, daemon, "b2", b, seconds=10)
    without = dial_feature(tmp_path, daemon, "c", new_extension(admin))
    frames_with = speech_frames(envelope(*read_wav(with_number.received_audio())))
    frames_without = speech_frames(envelope(*read_wav(without.received_audio())))
    # "上一个来电号码是" and six digits read one by one: much longer than "没有来电记录"
    assert frames_with > 1.6 * frames_without, (frames_with, frames_without)


def test_prompts_speak_with_the_tenants_voice_settings(daemon, admin, tmp_path):
    before = expect(admin.get("/api/v1/tts/settings"), 200)
    try:
        expect(admin.put("/api/v1/tts/settings", json={"voice": "cmn", "rate": 320}), 200)
        phone = dial_feature(tmp_path, daemon, "fast", new_extension(admin))
        got, rate = read_wav(phone.received_audio())
        fast, fast_rate = read_wav(admin.post("/api/v1/tts/preview", json={
            "text": "没有来电记录", "voice": "cmn", "rate": 320}).content)
        slow, slow_rate = read_wav(admin.post("/api/v1/tts/preview", json={
            "text": "没有来电记录", "voice": "cmn", "rate": 120}).content)
    finally:
        expect(admin.put("/api/v1/tts/settings",
                         json={"voice": before["voice"], "rate": before["rate"]}), 200)
    got_env = envelope(got, rate)
    # spoken at the tenant's 320 words a minute: like the fast preview, not the slow one
    assert best_correlation(envelope(fast, fast_rate), got_env) > 0.8
    assert speech_frames(got_env) < 0.8 * speech_frames(envelope(slow, slow_rate))

"""Text to speech: /api/v1/tts/settings (the tenant's voice and rate) and
/api/v1/tts/preview (a WAV rendered by espeak-ng on the daemon's TTS worker).

Settings are per tenant (each test makes its own tenant, so nothing leaks between
tests); values that cannot be spoken are 422 with the reason, malformed bodies 400.
A preview answers audio/wav bytes: 16 kHz, mono, 16-bit PCM, long enough to be
speech; the same text, voice and rate again is served from the cache.
"""
import struct
import threading
import time

import requests

from e2e_helpers import (ADMIN_PASSWORD, DEMO, HotlineSession, assert_error, expect, make_tenant,
                         user_with_role)

SETTINGS = "/api/v1/tts/settings"
PREVIEW = "/api/v1/tts/preview"


def tenant_admin(client, operator):
    t = make_tenant(operator)
    return t, client.login(t["code"], "admin", t["_admin_password"])


def parse_wav(data):
    """The format and data size of a RIFF/WAVE file, chunk by chunk."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", data[:16]
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        assert len(body) == size, f"chunk {cid!r} cut short"
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            pcm = body
        pos += 8 + size + (size & 1)
    assert fmt and pcm is not None, "no fmt or data chunk"
    audio_format, channels, rate, byte_rate, align, bits = fmt
    return {"format": audio_format, "channels": channels, "rate": rate,
            "byte_rate": byte_rate, "align": align, "bits": bits,
            "seconds": len(pcm) / byte_rate, "pcm": pcm}


def preview(s, status=200, **body):
    r = s.post(PREVIEW, json=body)
    assert r.status_code == status, f"{r.status_code} {r.text[:300]}"
    return r


def check_speech(r, min_seconds=0.3):
    assert r.headers["Content-Type"] == "audio/wav"
    assert int(r.headers["Content-Length"]) == len(r.content)
    w = parse_wav(r.content)
    assert (w["format"], w["channels"], w["rate"], w["bits"]) == (1, 1, 16000, 16), w
    assert w["byte_rate"] == 32000 and w["align"] == 2
    assert w["seconds"] > min_seconds, w["seconds"]
    samples = struct.unpack(f"<{len(w['pcm']) // 2}h", w["pcm"])
    rms = (sum(x * x for x in samples) / len(samples)) ** 0.5
    assert rms > 300, f"silent? rms {rms:.0f}"
    return w


# --------------------------------------------------------------------------- settings

def test_settings_default_then_saved(client, operator):
    _, s = tenant_admin(client, operator)
    b = expect(s.get(SETTINGS), 200)
    assert b["voice"] == "cmn" and b["rate"] == 175 and b["updated_at"] is None
    assert {"cmn", "en", "en-us"} <= set(b["voices"])
    assert (b["rate_min"], b["rate_max"]) == (80, 450)

    saved = expect(s.put(SETTINGS, json={"voice": "en-us", "rate": 220}), 200)
    assert saved["voice"] == "en-us" and saved["rate"] == 220
    b = expect(s.get(SETTINGS), 200)
    assert (b["voice"], b["rate"], b["updated_at"]) == ("en-us", 220, saved["updated_at"])
    # and again (an update of the existing row)
    expect(s.put(SETTINGS, json={"voice": "cmn", "rate": 80}), 200)
    assert expect(s.get(SETTINGS), 200)["rate"] == 80

    logs = expect(s.get("/api/v1/logs/operations", params={"resource": "tts"}), 200)
    assert logs["total"] == 2
    assert logs["items"][0]["after"] == {"voice": "cmn", "rate": 80}
    assert logs["items"][0]["before"]["voice"] == "en-us"


def test_settings_validation(client, operator):
    _, s = tenant_admin(client, operator)
    expect(s.put(SETTINGS, json={"voice": "en", "rate": 300}), 200)
    assert_error(s.put(SETTINGS, json={"voice": "klingon", "rate": 175}), 422, "invalid_field",
                 mention="unknown voice 'klingon'")
    assert_error(s.put(SETTINGS, json={"voice": "en", "rate": 79}), 422, "invalid_field",
                 mention="from 80 to 450")
    assert_error(s.put(SETTINGS, json={"voice": "en", "rate": 451}), 422, "invalid_field")
    assert_error(s.put(SETTINGS, json={"voice": "en", "rate": -5_000_000_000}), 422, "invalid_field")
    assert_error(s.put(SETTINGS, json={"voice": "en"}), 400, "missing_field", mention="rate")
    assert_error(s.put(SETTINGS, json={"voice": "en", "rate": "fast"}), 400, "invalid_field")
    assert_error(s.put(SETTINGS, json={"voice": 3, "rate": 175}), 400, "invalid_field")
    assert_error(s.put(SETTINGS, json={"voice": "en", "rate": 175, "pitch": 5}), 400, "unknown_field")
    assert_error(s.put(SETTINGS, data="voice=en", headers={"Content-Type": "text/plain"}), 415)
    # nothing refused was saved
    b = expect(s.get(SETTINGS), 200)
    assert (b["voice"], b["rate"]) == ("en", 300)


def test_settings_are_per_tenant(client, operator):
    _, a = tenant_admin(client, operator)
    _, b = tenant_admin(client, operator)
    expect(a.put(SETTINGS, json={"voice": "en", "rate": 300}), 200)
    assert (expect(b.get(SETTINGS), 200)["voice"], expect(b.get(SETTINGS), 200)["rate"]) == ("cmn", 175)
    expect(b.put(SETTINGS, json={"voice": "yue", "rate": 120}), 200)
    got = expect(a.get(SETTINGS), 200)
    assert (got["voice"], got["rate"]) == ("en", 300)


def test_settings_permission(client, admin):
    ro, _, _ = user_with_role(client, admin, {"tts": "ro"})
    expect(ro.get(SETTINGS), 200)
    assert_error(ro.put(SETTINGS, json={"voice": "en", "rate": 175}), 403, "forbidden")
    assert_error(ro.post(PREVIEW, json={"text": "hello"}), 403, "forbidden")
    none, _, _ = user_with_role(client, admin, {"logs": "rw"})
    assert_error(none.get(SETTINGS), 403, "forbidden")
    assert_error(none.post(PREVIEW, json={"text": "hello"}), 403, "forbidden")
    assert "tts" in {p["key"] for p in expect(admin.get("/api/v1/permissions"), 200)["items"]}


# --------------------------------------------------------------------------- preview

def test_preview_mandarin_and_english(client, operator):
    _, s = tenant_admin(client, operator)
    zh = check_speech(preview(s, text="你好，欢迎致电", voice="cmn"))
    en = check_speech(preview(s, text="Welcome", voice="en"))
    assert zh["seconds"] > en["seconds"]


def test_preview_uses_tenant_settings_and_cache(client, operator, daemon):
    _, s = tenant_admin(client, operator)
    cache = daemon.data_dir / "tts-cache"
    text = "Your call is important to us"
    # no settings yet: the defaults (cmn, 175)
    default = preview(s, text=text)
    assert default.content == preview(s, text=text, voice="cmn", rate=175).content
    expect(s.put(SETTINGS, json={"voice": "en", "rate": 260}), 200)
    mine = preview(s, text=text)
    check_speech(mine)
    assert mine.content != default.content
    files = sorted(p.name for p in cache.iterdir())
    # the same text, voice and rate: the same bytes, from the same file
    assert preview(s, text=text, voice="en", rate=260).content == mine.content
    assert preview(s, text=text).content == mine.content
    assert sorted(p.name for p in cache.iterdir()) == files
    assert all(len(n) == 68 and n.endswith(".wav") for n in files)
    # the body overrides one setting and keeps the other
    slower = preview(s, text=text, rate=120)
    assert parse_wav(slower.content)["seconds"] > parse_wav(mine.content)["seconds"]


def test_preview_validation(client, operator):
    _, s = tenant_admin(client, operator)
    assert_error(preview(s, 422, text="好" * 601), 422, "invalid_field", mention="601 characters, at most 600")
    assert_error(preview(s, 422, text="a" * 601, voice="en"), 422, "invalid_field", mention="at most 600")
    assert_error(preview(s, 422, text=""), 422, "invalid_field", mention="empty")
    assert_error(preview(s, 422, text="   \n"), 422, "invalid_field", mention="empty")
    assert_error(preview(s, 422, text="hello", voice="xx"), 422, "invalid_field", mention="unknown voice 'xx'")
    assert_error(preview(s, 422, text="hello", rate=1000), 422, "invalid_field", mention="rate")
    assert_error(preview(s, 400), 400, "missing_field", mention="text")
    assert_error(preview(s, 400, text=5), 400, "invalid_field")
    assert_error(preview(s, 400, text="hi", speed=3), 400, "unknown_field")
    # a tenant whose saved voice is fine, asking for a bad one in the body
    expect(s.put(SETTINGS, json={"voice": "en", "rate": 175}), 200)
    assert_error(preview(s, 422, text="hello", voice="EN"), 422, "invalid_field")
    # 600 characters are accepted (checked without rendering three minutes of speech)
    assert_error(preview(s, 422, text="好" * 600, rate=10), 422, "invalid_field", mention="rate")


def test_preview_needs_login(client):
    assert_error(client.post(PREVIEW, json={"text": "hello"}), 401)
    assert_error(client.get(SETTINGS), 401)


# --------------------------------------------------------------------------- lifetime

def test_shutdown_with_previews_waiting(make_daemon):
    """SIGTERM while previews wait for the worker: they are answered (or cut off with
    the connection), the worker is joined and the daemon exits cleanly."""
    d = make_daemon()
    token = d.client().login(DEMO, "admin", ADMIN_PASSWORD).token
    answers, lock = [], threading.Lock()

    def ask(i):
        s = HotlineSession(d.base_url)
        s.set_token(token)
        try:
            r = s.post(PREVIEW, json={"text": f"Announcement {i}: " + "please hold the line. " * 26,
                                      "voice": "en", "rate": 80}, timeout=60)
            got = (r.status_code, r.headers.get("Content-Type"))
        except requests.RequestException:
            got = ("no answer", None)
        with lock:
            answers.append(got)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    problems = d.stop_problems()
    for t in threads:
        t.join(timeout=30)
    assert not problems, f"{problems}\n{d.stderr_tail()}"
    assert len(answers) == 6
    for status, ctype in answers:
        assert status in (200, 503, "no answer"), answers
        if status == 200:
            assert ctype == "audio/wav"
    # one worker, minutes of speech queued: some were still waiting, and were told
    assert (503, "application/json") in answers, answers
    leftovers = [p.name for p in (d.data_dir / "tts-cache").iterdir() if p.name.startswith(".")]
    assert not leftovers, leftovers


def test_without_tts_the_rest_runs(make_daemon, tmp_path):
    """Text to speech cannot start (its cache path is a file, not a directory):
    previews are 503, the settings and the rest of the daemon work."""
    data = tmp_path / "d0" / "data"   # where make_daemon puts its first daemon's data
    data.mkdir(parents=True)
    (data / "tts-cache").write_text("not a directory")
    d = make_daemon()
    s = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    assert_error(s.post(PREVIEW, json={"text": "hello"}), 503, "unavailable", mention="text to speech")
    expect(s.put(SETTINGS, json={"voice": "en", "rate": 175}), 200)
    assert "text to speech is off" in d.stderr_text()

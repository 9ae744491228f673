"""Voice library and music-on-hold classes: uploads of WAV and MP3 (type sniffed from the
bytes, normalised to 16 kHz mono 16-bit WAV at -3 dBFS), each refusal with its reason and
nothing stored, review, replacing the audio, HTTP Range on the audio, tenant isolation, and
MoH classes that only take approved voices and protect them from deletion.

Test audio is generated here: WAV with Python's wave module, MP3 with libsndfile's own MP3
writer through ctypes (the library the daemon decodes with), so no binary fixture."""
import ctypes
import io
import math
import os
import struct
import tempfile
import wave

import pytest

from e2e_helpers import (admin_role_id, assert_error, assert_list_shape, expect, make_api_key,
                         make_tenant, uniq, user_with_role)

VOICES = "/api/v1/voices"
MOH = "/api/v1/moh-classes"
TARGET_PEAK = 23197  # -3 dBFS


# ------------------------------------------------------------------------- audio makers

def wav_bytes(rate=44100, channels=2, seconds=1.0, hz=440.0, amplitude=0.25, width=2):
    frames = int(rate * seconds)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 1:  # unsigned 8-bit
            one = bytes(int(128 + 127 * amplitude * math.sin(2 * math.pi * hz * i / rate))
                        for i in range(frames))
            w.writeframes(bytes(b for s in one for b in [s] * channels))
        else:
            samples = [int(32767 * amplitude * math.sin(2 * math.pi * hz * i / rate))
                       for i in range(frames)]
            w.writeframes(struct.pack(f"<{frames * channels}h",
                                      *[s for s in samples for _ in range(channels)]))
    return buf.getvalue()


class SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def mp3_bytes(rate=44100, seconds=2.0, hz=800.0, amplitude=0.5):
    """An MP3 written by libsndfile (SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, via LAME)."""
    lib = ctypes.CDLL("libsndfile.so.1")
    lib.sf_open.restype = ctypes.c_void_p
    lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SfInfo)]
    lib.sf_writef_short.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    lib.sf_writef_short.restype = ctypes.c_int64
    lib.sf_command.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    lib.sf_close.argtypes = [ctypes.c_void_p]
    frames = int(rate * seconds)
    pcm = (ctypes.c_short * frames)(*[int(32767 * amplitude * math.sin(2 * math.pi * hz * i / rate))
                                      for i in range(frames)])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.mp3")
        info = SfInfo(0, rate, 1, 0x230000 | 0x0082, 0, 0)
        sf = lib.sf_open(path.encode(), 0x20, ctypes.byref(info))
        assert sf, "libsndfile cannot write MP3 here"
        assert lib.sf_writef_short(sf, pcm, frames) == frames
        assert lib.sf_close(sf) == 0
        with open(path, "rb") as f:
            return f.read()


def parse_wav(data):
    with wave.open(io.BytesIO(data), "rb") as w:
        n = w.getnframes()
        samples = struct.unpack(f"<{n}h", w.readframes(n))
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), samples


def zero_crossings(samples):
    return sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))


def upload(s, data, name=None, ctype="audio/wav", remark=None, path=VOICES):
    params = {"name": name or uniq("voice-")}
    if remark is not None:
        params["remark"] = remark
    return s.post(path, params=params, data=data, headers={"Content-Type": ctype})


def make_voice(s, approved=False, **kw):
    v = expect(upload(s, wav_bytes(rate=16000, channels=1, seconds=0.3), **kw), 201)
    if approved:
        v = expect(s.post(f"{VOICES}/{v['id']}/review", json={"status": "approved"}), 200)
    return v


def voice_file(daemon, v):
    return daemon.data_dir / "voices" / v["tenant_id"] / f"{v['id']}.wav"


def tenant_files(daemon, tenant_id):
    d = daemon.data_dir / "voices" / tenant_id
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


# ------------------------------------------------------------------------- uploads

def test_wav_upload_is_normalised(admin, daemon):
    data = wav_bytes(rate=44100, channels=2, seconds=2.0, hz=1000, amplitude=0.25)
    v = expect(upload(admin, data, name=uniq("欢迎语-"), remark="welcome"), 201)
    assert v["format"] == "wav" and v["status"] == "pending"
    assert v["original_rate"] == 44100 and v["original_channels"] == 2
    assert v["duration_ms"] == 2000 and v["size_bytes"] == len(data)
    assert v["remark"] == "welcome" and v["created_by"] == "admin" and v["used_by"] == 0
    assert v["audio_url"] == f"{VOICES}/{v['id']}/audio"
    assert voice_file(daemon, v).exists()
    r = admin.get(v["audio_url"])
    assert r.status_code == 200 and r.headers["Content-Type"] == "audio/wav"
    assert r.headers["Accept-Ranges"] == "bytes"
    rate, ch, width, samples = parse_wav(r.content)
    assert (rate, ch, width) == (16000, 1, 2)
    assert len(samples) == 32000
    assert TARGET_PEAK - 2 <= max(abs(x) for x in samples) <= TARGET_PEAK
    assert 3990 <= zero_crossings(samples) <= 4010  # still 1 kHz
    assert r.content == voice_file(daemon, v).read_bytes()
    got = expect(admin.get(f"{VOICES}/{v['id']}"), 200)
    assert got == v


def test_mp3_upload(admin):
    data = mp3_bytes(rate=44100, seconds=2.0, hz=800)
    assert not data.startswith(b"RIFF")
    # the type comes from the bytes, not the header
    v = expect(upload(admin, data, ctype="application/octet-stream"), 201)
    assert v["format"] == "mp3" and v["original_rate"] == 44100 and v["original_channels"] == 1
    assert 1900 <= v["duration_ms"] <= 2100
    rate, ch, _, samples = parse_wav(expect_bytes(admin.get(v["audio_url"]), 200))
    assert (rate, ch) == (16000, 1)
    assert TARGET_PEAK - 2 <= max(abs(x) for x in samples) <= TARGET_PEAK
    crossings = zero_crossings(samples[2000:-2000])
    seconds = (len(samples) - 4000) / 16000
    assert abs(crossings / seconds / 2 - 800) < 10


def expect_bytes(r, status):
    assert r.status_code == status, f"{r.status_code} {r.text[:300]}"
    return r.content


def test_refusals_store_nothing(admin, daemon):
    tenant_id = admin.login_data["tenant"]["id"]
    before_files = tenant_files(daemon, tenant_id)
    before = expect(admin.get(VOICES), 200)["total"]
    good = wav_bytes(rate=8000, channels=1, seconds=0.5)
    cases = [
        # a text file named .mp3, sent as audio/mpeg
        (b"This is a text file that someone renamed to prompt.mp3\n", "audio/mpeg", 415,
         "not_audio"),
        # a WAV whose header is cut short
        (good[:30], "audio/wav", 422, "corrupt"),
        # a WAV header with nothing after it
        (good[:44], "audio/x-wav", 422, "corrupt"),
        # over 10 minutes (4 kHz 8-bit: 601 s is 2.4 MB, under the size limit)
        (wav_bytes(rate=4000, channels=1, seconds=601, width=1, hz=300), "audio/wav", 422,
         "too_long"),
    ]
    for data, ctype, status, code in cases:
        assert_error(upload(admin, data, ctype=ctype), status, code)
    # over 5 MiB: refused from the headers, the body is drained, the answer arrives
    big = good + b"\0" * (5 * 1024 * 1024)
    assert_error(upload(admin, big), 413, "too_large", "5 MB")
    expect(admin.get(VOICES), 200)  # the daemon is fine afterwards
    assert expect(admin.get(VOICES), 200)["total"] == before
    assert tenant_files(daemon, tenant_id) == before_files


def test_upload_request_errors(admin):
    data = wav_bytes(rate=8000, channels=1, seconds=0.2)
    assert_error(admin.post(VOICES, data=data, headers={"Content-Type": "audio/wav"}), 400,
                 "missing_field", "name")
    assert_error(upload(admin, b""), 400, "missing_body")
    assert_error(upload(admin, data, ctype="application/json"), 415, "unsupported_media_type")
    assert_error(upload(admin, data, ctype="multipart/form-data; boundary=x"), 415,
                 "unsupported_media_type")
    assert_error(upload(admin, data, name="x" * 129), 400, "invalid_field", "name")
    v = expect(upload(admin, data), 201)
    assert_error(upload(admin, data, name=v["name"]), 409, "conflict")
    # other routes keep the small JSON limit
    assert_error(admin.post("/api/v1/departments", data=b'{"name":"' + b"a" * 300000 + b'"}',
                            headers={"Content-Type": "application/json"}), 413, "body_too_large")


def test_upload_with_signed_api_key(admin, client):
    key = make_api_key(admin, admin_role_id(admin))
    data = wav_bytes(rate=8000, channels=1, seconds=0.2)
    name = uniq("signed-")
    r = client.signed("POST", f"{VOICES}?name={name}", key["id"], key["secret"], body=data,
                      content_type="audio/wav")
    v = expect(r, 201)
    assert v["name"] == name and v["created_by"].startswith("key:")


# ------------------------------------------------------------------------- list, update, delete

def test_list_update_delete(admin, daemon):
    v = make_voice(admin, remark="first")
    b = expect(admin.get(VOICES, params={"q": v["name"]}), 200)
    assert_list_shape(b)
    assert [i["id"] for i in b["items"]] == [v["id"]]
    assert v["id"] in [i["id"] for i in expect(admin.get(VOICES, params={"status": "pending",
                                                                          "page_size": 500}),
                                               200)["items"]]
    u = expect(admin.patch(f"{VOICES}/{v['id']}", json={"name": v["name"] + "-x", "remark": "r"}),
               200)
    assert u["name"] == v["name"] + "-x" and u["remark"] == "r" and u["status"] == "pending"
    assert_error(admin.patch(f"{VOICES}/{v['id']}", json={"status": "approved"}), 400,
                 "unknown_field")
    other = make_voice(admin)
    assert_error(admin.patch(f"{VOICES}/{other['id']}", json={"name": u["name"]}), 409,
                 "conflict")
    path = voice_file(daemon, v)
    assert path.exists()
    expect(admin.delete(f"{VOICES}/{v['id']}"), 204)
    assert not path.exists()
    assert_error(admin.get(f"{VOICES}/{v['id']}"), 404, "not_found")
    assert_error(admin.get(f"{VOICES}/{v['id']}/audio"), 404, "not_found")


# ------------------------------------------------------------------------- review

def test_review_flow_and_permissions(admin, client):
    v = make_voice(admin)
    rid = f"{VOICES}/{v['id']}/review"
    assert_error(admin.post(rid, json={"status": "rejected"}), 400, "missing_field", "reason")
    assert_error(admin.post(rid, json={"status": "maybe"}), 400, "invalid_field", "status")
    assert_error(admin.post(rid, json={}), 400, "missing_field", "status")
    r = expect(admin.post(rid, json={"status": "rejected", "reason": "background noise"}), 200)
    assert r["status"] == "rejected" and r["review_reason"] == "background noise"
    assert r["reviewed_by"] == "admin" and r["reviewed_at"] >= v["created_at"]
    ro, _, _ = user_with_role(client, admin, {"voices": "ro"})
    expect(ro.get(VOICES), 200)
    expect_bytes(ro.get(f"{VOICES}/{v['id']}/audio"), 200)
    assert_error(ro.post(rid, json={"status": "approved"}), 403, "forbidden")
    assert_error(upload(ro, wav_bytes(seconds=0.1)), 403, "forbidden")
    assert_error(ro.delete(f"{VOICES}/{v['id']}"), 403, "forbidden")
    none, _, _ = user_with_role(client, admin, {"logs": "rw"})
    assert_error(none.get(VOICES), 403, "forbidden")
    assert_error(none.get(f"{VOICES}/{v['id']}/audio"), 403, "forbidden")
    rw, user, _ = user_with_role(client, admin, {"voices": "rw"})
    a = expect(rw.post(rid, json={"status": "approved", "reason": "ok now"}), 200)
    assert a["status"] == "approved" and a["reviewed_by"] == user["username"]
    # new audio needs a new review
    data = wav_bytes(rate=22050, channels=1, seconds=1.0)
    n = expect(admin.put(f"{VOICES}/{v['id']}/audio", data=data,
                         headers={"Content-Type": "audio/wav"}), 200)
    assert n["status"] == "pending" and n["reviewed_by"] == "" and n["reviewed_at"] is None
    assert n["original_rate"] == 22050 and n["duration_ms"] == 1000 and n["name"] == v["name"]
    rate, _, _, samples = parse_wav(expect_bytes(admin.get(n["audio_url"]), 200))
    assert rate == 16000 and len(samples) == 16000
    # a refused replacement keeps the old audio
    assert_error(admin.put(f"{VOICES}/{v['id']}/audio", data=b"not audio",
                           headers={"Content-Type": "audio/wav"}), 415, "not_audio")
    assert len(parse_wav(admin.get(n["audio_url"]).content)[3]) == 16000


# ------------------------------------------------------------------------- Range

def test_audio_ranges(admin):
    v = make_voice(admin)
    url = f"{VOICES}/{v['id']}/audio"
    full = expect_bytes(admin.get(url), 200)
    size = len(full)
    r = admin.get(url, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.content == full[:100]
    assert r.headers["Content-Range"] == f"bytes 0-99/{size}"
    assert r.headers["Content-Length"] == "100"
    r = admin.get(url, headers={"Range": "bytes=-100"})
    assert r.status_code == 206 and r.content == full[-100:]
    assert r.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    r = admin.get(url, headers={"Range": f"bytes=-{size * 2}"})
    assert r.status_code == 206 and r.content == full
    r = admin.get(url, headers={"Range": "bytes=1000-"})
    assert r.status_code == 206 and r.content == full[1000:]
    r = admin.get(url, headers={"Range": f"bytes=10-{size * 3}"})
    assert r.status_code == 206 and r.content == full[10:]
    r = admin.get(url, headers={"Range": f"bytes={size}-"})
    assert_error(r, 416, "range_not_satisfiable")
    assert r.headers["Content-Range"] == f"bytes */{size}"
    assert_error(admin.get(url, headers={"Range": "bytes=-0"}), 416)
    # several ranges, or a range of another unit: the whole file
    for header in ("bytes=0-1,5-9", "items=0-1", "bytes=9-2"):
        r = admin.get(url, headers={"Range": header})
        assert r.status_code == 200 and r.content == full, header
    # If-Range: the same file gets the part, another version the whole
    etag = r.headers["ETag"]
    r = admin.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert r.status_code == 206 and len(r.content) == 10
    r = admin.get(url, headers={"Range": "bytes=0-9", "If-Range": 'W/"old"'})
    assert r.status_code == 200 and r.content == full
    r = admin.get(url, params={"download": "1"})
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "inline" in admin.get(url).headers["Content-Disposition"]


def test_long_audio_streams_in_pieces(admin):
    """About 9 minutes: 4.3 MB uploaded, 17 MB normalised, sent in many chunks."""
    data = wav_bytes(rate=8000, channels=1, seconds=540, width=1, hz=250, amplitude=0.5)
    assert len(data) < 5 * 1024 * 1024
    v = expect(upload(admin, data), 201)
    assert v["duration_ms"] == 540000
    url = f"{VOICES}/{v['id']}/audio"
    full = expect_bytes(admin.get(url), 200)
    assert len(full) == 44 + 540 * 16000 * 2
    part = admin.get(url, headers={"Range": "bytes=9000000-9999999"})
    assert part.status_code == 206 and part.content == full[9000000:10000000]
    # a client that goes away in the middle does not upset the daemon
    r = admin.get(url, stream=True)
    r.raw.read(100000)
    r.close()
    expect(admin.get(f"{VOICES}/{v['id']}"), 200)


# ------------------------------------------------------------------------- tenants

def test_tenant_isolation_and_operator_review(client, operator, admin, daemon):
    v = make_voice(admin)
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    for method, path in (("GET", f"{VOICES}/{v['id']}"), ("GET", f"{VOICES}/{v['id']}/audio"),
                         ("DELETE", f"{VOICES}/{v['id']}")):
        assert_error(other.request(method, path), 404, "not_found")
    assert_error(other.patch(f"{VOICES}/{v['id']}", json={"name": "mine"}), 404)
    assert_error(other.post(f"{VOICES}/{v['id']}/review", json={"status": "approved"}), 404)
    assert_error(other.put(f"{VOICES}/{v['id']}/audio", data=wav_bytes(seconds=0.1),
                           headers={"Content-Type": "audio/wav"}), 404)
    assert expect(other.get(VOICES), 200)["total"] == 0
    # the same name is fine in another tenant
    mine = expect(upload(other, wav_bytes(seconds=0.1), name=v["name"]), 201)
    assert mine["tenant_id"] == t["id"]
    # the platform operator sees every tenant's queue and reviews centrally
    queue = expect(operator.get(VOICES, params={"status": "pending", "tenant_id": t["id"]}), 200)
    assert [i["id"] for i in queue["items"]] == [mine["id"]]
    r = expect(operator.post(f"{VOICES}/{v['id']}/review", json={"status": "approved"}), 200)
    assert r["status"] == "approved" and r["reviewed_by"] == "system/operator"
    expect_bytes(operator.get(f"{VOICES}/{v['id']}/audio"), 200)
    assert_error(operator.delete(f"{VOICES}/{v['id']}"), 404)
    # deleting the tenant takes its voice files
    assert voice_file(daemon, mine).exists()
    expect(operator.delete(f"/api/v1/tenants/{t['id']}"), 204)
    assert not (daemon.data_dir / "voices" / t["id"]).exists()


# ------------------------------------------------------------------------- music on hold

def test_moh_classes_take_approved_voices(admin, client, operator):
    pending = make_voice(admin)
    a = make_voice(admin, approved=True)
    b = make_voice(admin, approved=True)
    name = uniq("moh-")
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": [a["id"], pending["id"]]}),
                 422, "voice_not_approved", pending["name"])
    rejected = make_voice(admin)
    expect(admin.post(f"{VOICES}/{rejected['id']}/review",
                      json={"status": "rejected", "reason": "too quiet"}), 200)
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": [rejected["id"]]}), 422,
                 "voice_not_approved", rejected["name"])
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": ["nope"]}), 422,
                 "invalid_voice")
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": []}), 400, "invalid_field")
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": [a["id"], a["id"]]}), 400,
                 "invalid_field", "twice")
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": [a["id"]], "mode": "loud"}),
                 400, "invalid_field", "mode")
    assert_error(admin.post(MOH, json={"voice_ids": [a["id"]]}), 400, "missing_field")
    c = expect(admin.post(MOH, json={"name": name, "voice_ids": [b["id"], a["id"]],
                                     "mode": "random", "remark": "queue"}), 201)
    assert c["voice_ids"] == [b["id"], a["id"]] and c["mode"] == "random"
    assert [x["name"] for x in c["voices"]] == [b["name"], a["name"]]
    assert_error(admin.post(MOH, json={"name": name, "voice_ids": [a["id"]]}), 409, "conflict")
    u = expect(admin.patch(f"{MOH}/{c['id']}", json={"voice_ids": [a["id"], b["id"]],
                                                     "mode": "sequential"}), 200)
    assert u["voice_ids"] == [a["id"], b["id"]] and u["name"] == name
    assert_error(admin.patch(f"{MOH}/{c['id']}", json={"voice_ids": [pending["id"]]}), 422,
                 "voice_not_approved")
    listed = expect(admin.get(MOH, params={"q": name}), 200)
    assert_list_shape(listed)
    assert listed["items"][0]["voice_ids"] == [a["id"], b["id"]]
    assert expect(admin.get(f"{VOICES}/{a['id']}"), 200)["used_by"] == 1
    # a voice in use cannot be deleted, rejected or replaced; the class is named
    assert_error(admin.delete(f"{VOICES}/{a['id']}"), 409, "in_use", name)
    assert_error(admin.post(f"{VOICES}/{a['id']}/review",
                            json={"status": "rejected", "reason": "x"}), 409, "in_use", name)
    assert_error(admin.put(f"{VOICES}/{a['id']}/audio", data=wav_bytes(seconds=0.1),
                           headers={"Content-Type": "audio/wav"}), 409, "in_use", name)
    expect(admin.patch(f"{VOICES}/{a['id']}", json={"remark": "renaming is fine"}), 200)
    # another tenant's voice is not ours to play
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(other.post(MOH, json={"name": "x", "voice_ids": [a["id"]]}), 422,
                 "invalid_voice")
    assert_error(other.get(f"{MOH}/{c['id']}"), 404)
    assert expect(other.get(MOH), 200)["total"] == 0
    # permissions
    ro, _, _ = user_with_role(client, admin, {"moh": "ro"})
    expect(ro.get(f"{MOH}/{c['id']}"), 200)
    assert_error(ro.delete(f"{MOH}/{c['id']}"), 403, "forbidden")
    # without the class, the voice can go
    expect(admin.delete(f"{MOH}/{c['id']}"), 204)
    assert_error(admin.get(f"{MOH}/{c['id']}"), 404)
    expect(admin.delete(f"{VOICES}/{a['id']}"), 204)


@pytest.mark.parametrize("menu", ["voices", "moh"])
def test_menus_listed(admin, menu):
    keys = {i["key"]: i["module"] for i in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys[menu] == "media"
    assert admin.login_data["permissions"][menu] == "rw"

"""Recording a real call: an extension set to `record: always` calls another
(baresip both, 440 Hz and 1000 Hz tones); the stereo WAV of the call has the
caller on the left and the callee on the right, linked to the call record
and streamed by the API."""
import io
import time
import wave

from e2e_helpers import expect
from peers import Baresip, tone_power
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered


def set_record(admin, number, mode):
    """The extension's own recording setting: inherit, always or never."""
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    expect(admin.patch(f"/api/v1/extensions/{ext['id']}", json={"record": mode}), 200)


def channel_wavs(data, tmp_path):
    """The two channels of a stereo WAV as mono WAV files."""
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 2 and w.getsampwidth() == 2, w.getparams()
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    paths = []
    for ch in (0, 1):
        samples = b"".join(frames[i:i + 2] for i in range(2 * ch, len(frames), 4))
        p = tmp_path / f"ch{ch}.wav"
        with wave.open(str(p), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(samples)
        paths.append(p)
    return rate, paths


def test_recorded_call_has_each_party_on_its_channel(daemon, admin, tmp_path):
    a, b = new_extension(admin), new_extension(admin)
    set_record(admin, a, "always")
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=15)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=5)
        caller.proc.wait(20)
    finally:
        caller.stop()
        callee.stop()
    rec = call_record(admin, a)
    end = time.time() + 10
    while time.time() < end:
        rec = expect(admin.get(f"/api/v1/calls/{rec['id']}"), 200)
        if rec.get("recordings") and rec["recordings"][0]["status"] == "done":
            break
        time.sleep(0.2)
    recording = rec["recordings"][0]
    assert recording["status"] == "done" and recording["duration_ms"] > 2000, recording
    r = admin.get(f"/api/v1/recordings/{recording['id']}/audio")
    assert r.status_code == 200, r.text
    rate, (left, right) = channel_wavs(r.content, tmp_path)
    assert rate == 8000
    lp, rp = tone_power(left, (440, 1000)), tone_power(right, (440, 1000))
    assert lp[440] > 0.2 and lp[1000] < 0.05, lp          # the caller
    assert rp[1000] > 0.2 and rp[440] < 0.05, rp          # the callee


def test_call_of_an_extension_set_to_never_is_not_recorded(daemon, admin, tmp_path):
    a, b = new_extension(admin), new_extension(admin)
    set_record(admin, a, "always")
    set_record(admin, b, "never")
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=10)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=3)
        caller.proc.wait(20)
    finally:
        caller.stop()
        callee.stop()
    rec = call_record(admin, a)
    assert rec["answer_at"] is not None
    assert expect(admin.get(f"/api/v1/calls/{rec['id']}"), 200).get("recordings") == []


def test_recording_started_paused_and_stopped_from_the_api(daemon, admin, tmp_path):
    a, b = new_extension(admin), new_extension(admin)
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=20)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=9)
        live, end = None, time.time() + 10
        while time.time() < end and not live:
            items = expect(admin.get("/api/v1/calls/live"), 200)["items"]
            live = next((c for c in items if c["caller"] == a and c["state"] == "talking"), None)
            time.sleep(0.1)
        assert live and live["recording"] == "off", live
        url = f"/api/v1/calls/live/{live['id']}/recording"
        assert admin.post(url, json={"action": "pause"}).status_code == 409   # nothing to pause
        assert admin.post(url, json={"action": "dance"}).status_code == 400
        assert admin.post("/api/v1/calls/live/nope/recording",
                          json={"action": "start"}).status_code == 404
        first = expect(admin.post(url, json={"action": "start"}), 200)
        assert first["recording"] == "recording" and first["recording_id"]
        assert admin.post(url, json={"action": "start"}).status_code == 409
        time.sleep(1.5)
        assert expect(admin.post(url, json={"action": "pause"}), 200)["recording"] == "paused"
        time.sleep(1.0)
        assert expect(admin.post(url, json={"action": "resume"}), 200)["recording"] == "recording"
        time.sleep(1.0)
        assert expect(admin.post(url, json={"action": "stop"}), 200)["recording"] == "off"
        second = expect(admin.post(url, json={"action": "start"}), 200)   # a new file
        assert second["recording_id"] != first["recording_id"]
        caller.proc.wait(20)
    finally:
        caller.stop()
        callee.stop()
    rec = call_record(admin, a)
    end = time.time() + 10
    while time.time() < end:
        recs = expect(admin.get(f"/api/v1/calls/{rec['id']}"), 200).get("recordings") or []
        if len(recs) == 2 and all(r["status"] == "done" for r in recs):
            break
        time.sleep(0.2)
    by_id = {r["id"]: r for r in recs}
    one, two = by_id[first["recording_id"]], by_id[second["recording_id"]]
    # about 2.5 s recorded (1.5 + 1.0), the second of pause not counted
    assert 2000 <= one["duration_ms"] <= 3300, one
    assert one["status"] == "done" and two["status"] == "done" and two["duration_ms"] > 500


def test_recording_survives_a_crash_of_the_daemon(make_daemon, tmp_path):
    from e2e_helpers import ADMIN_PASSWORD, DEMO
    d = make_daemon()
    admin = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    a, b = new_extension(admin), new_extension(admin)
    set_record(admin, a, "always")
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, d.sip_port, tone_hz=1000).start(seconds=30)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, d.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=30)
        end = time.time() + 10
        while time.time() < end and not (d.data_dir / "recordings").exists():
            time.sleep(0.1)
        time.sleep(3)                         # some audio on disk (the WAV header: 10 s)
        d.proc.kill()                         # no goodbye: SIGKILL
        d.proc.wait()
    finally:
        caller.stop()
        callee.stop()
    parts = list((d.data_dir / "recordings").rglob("*.part"))
    assert len(parts) == 1, parts
    d.start()                                 # the same data directory and database
    admin = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    end = time.time() + 15
    while time.time() < end:
        items = expect(admin.get("/api/v1/recordings"), 200)["items"]
        if items and items[0]["status"] != "recording":
            break
        time.sleep(0.2)
    assert len(items) == 1 and items[0]["status"] == "done", items
    assert items[0]["duration_ms"] >= 2000, items[0]
    r = admin.get(f"/api/v1/recordings/{items[0]['id']}/audio")
    assert r.status_code == 200
    rate, (left, right) = channel_wavs(r.content, tmp_path)
    assert tone_power(left, (440, 1000))[440] > 0.2
    assert not list((d.data_dir / "recordings").rglob("*.part"))

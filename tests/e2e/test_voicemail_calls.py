"""Leaving voicemail with a real phone (baresip sending a 440 Hz tone): a
call forwarded to "voicemail" reaches the extension's box, the caller's
audio after the beep is filed as a message (caller, duration, a WAV that
holds the tone), and # ends the message; a box's number can be dialled."""
import io
import time
import wave

from e2e_helpers import expect
from peers import Baresip, tone_power
from test_calls import DOMAIN, PASSWORD, call_record, new_extension
from test_conf_vm import tenant_box

BOXES = "/api/v1/voicemail-boxes"
MESSAGES = "/api/v1/voicemail-messages"


def messages(admin, box_id, n=1, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        items = expect(admin.get(MESSAGES, params={"box_id": box_id}), 200)["items"]
        if len(items) >= n:
            return items
        time.sleep(0.2)
    return items


def wav_file(data, path):
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
    path.write_bytes(data)
    return path


def test_unanswered_call_leaves_a_message_in_the_extensions_box(daemon, admin, tmp_path):
    a, b = new_extension(admin), new_extension(admin)
    ext_b = expect(admin.get("/api/v1/extensions", params={"q": b}), 200)["items"][0]
    box = expect(admin.post(BOXES, json={"extension_id": ext_b["id"]}), 201)
    expect(admin.patch(f"/api/v1/extensions/{ext_b['id']}",
                       json={"forward_no_answer": "voicemail"}), 200)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:     # b has no registered phone: straight to its box
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=9)
        caller.proc.wait(20)
    finally:
        caller.stop()
    items = messages(admin, box["id"])
    assert len(items) == 1, items
    msg = items[0]
    # 9 s of call: the spoken greeting (no greeting voice), the beep, then the message
    assert msg["caller"] == a and msg["status"] == "new" and 2000 < msg["duration_ms"] < 7500, msg
    r = admin.get(f"{MESSAGES}/{msg['id']}/audio")
    assert r.status_code == 200
    power = tone_power(wav_file(r.content, tmp_path / "msg.wav"), (440, 1000))
    assert power[440] > 0.2, power
    rec = call_record(admin, a)
    assert rec["callee"] == b and rec["answer_at"] is not None


def test_hash_ends_a_message_left_on_a_dialled_box(daemon, admin, tmp_path):
    a = new_extension(admin)
    box = tenant_box(admin, max_message_s=60)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        caller.start([f"/dial sip:{box['number']}@{DOMAIN}"], seconds=20, ctrl=True)
        assert caller.wait_for("Call established", 10), caller.output()[-2000:]
        caller.command("sndcode", "1")        # skips the spoken greeting
        time.sleep(3)
        caller.command("sndcode", "#")
        assert caller.wait_for("terminated", 10), caller.output()[-2000:]   # hotlined hangs up
    finally:
        caller.stop()
    items = messages(admin, box["id"])
    assert len(items) == 1 and items[0]["duration_ms"] < 4500, items
    assert call_record(admin, a)["end_status"] == "normal_end"

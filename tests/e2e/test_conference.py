"""Meeting rooms with real phones (baresip, each sending its own tone):
everyone hears the others and not themselves, a PIN keeps strangers out,
a full room is busy, supervisors see and mute participants."""
import random
import time

from e2e_helpers import expect
from peers import Baresip, tone_power
from test_calls import DOMAIN, PASSWORD, call_record, new_extension

ROOMS = "/api/v1/conference-rooms"
TONES = (440, 1000, 600)


def room(admin, **kw):
    for _ in range(20):
        number = str(random.randrange(10000000, 99999999))
        r = admin.post(ROOMS, json={"number": number, "name": f"room {number}", **kw})
        if r.status_code == 201:
            return r.json()
    raise AssertionError(r.text)


def phone(tmp_path, daemon, name, number, hz, ctrl=False, seconds=8, dial=None):
    p = Baresip(tmp_path, name, number, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=hz)
    return p.start([f"/dial sip:{dial}@{DOMAIN}"] if dial else [], seconds=seconds, ctrl=ctrl)


def test_everyone_hears_the_others_but_not_themselves(daemon, admin, tmp_path):
    r = room(admin, join_tones=False)
    numbers = [new_extension(admin) for _ in TONES]
    phones = [phone(tmp_path, daemon, f"p{i}", n, hz, seconds=8, dial=r["number"])
              for i, (n, hz) in enumerate(zip(numbers, TONES))]
    try:
        end = time.time() + 10
        while time.time() < end:
            people = expect(admin.get(f"{ROOMS}/{r['id']}/participants"), 200)["items"]
            if len(people) == 3:
                break
            time.sleep(0.2)
        assert sorted(p["caller"] for p in people) == sorted(numbers), people
        for p in phones:
            p.proc.wait(20)
    finally:
        for p in phones:
            p.stop()
    for p, own in zip(phones, TONES):
        power = tone_power(p.received_audio(), TONES)
        others = [hz for hz in TONES if hz != own]
        assert all(power[hz] > 0.1 for hz in others) and power[own] < 0.05, (own, power)
    rec = call_record(admin, numbers[0])
    assert rec["callee"] == r["number"] and rec["end_status"] == "normal_end"
    assert expect(admin.get(f"{ROOMS}/{r['id']}/participants"), 200)["items"] == []


def test_pin_lets_in_the_right_key_and_hangs_up_after_three_wrong(daemon, admin, tmp_path):
    r = room(admin, pin="2468")
    a, b = new_extension(admin), new_extension(admin)
    good = phone(tmp_path, daemon, "good", a, 440, ctrl=True, seconds=10, dial=r["number"])
    bad = phone(tmp_path, daemon, "bad", b, 1000, ctrl=True, seconds=14, dial=r["number"])
    try:
        assert good.wait_for("Call established", 10) and bad.wait_for("Call established", 10)
        good.command("sndcode", "2468#")
        for _ in range(3):
            bad.command("sndcode", "1111#")
            time.sleep(2.0)
        assert bad.wait_for("terminated", 10), bad.output()[-2000:]
        people = expect(admin.get(f"{ROOMS}/{r['id']}/participants"), 200)["items"]
        assert [p["caller"] for p in people] == [a], people
        good.proc.wait(20)
    finally:
        good.stop()
        bad.stop()
    assert call_record(admin, b)["end_status"] == "rejected"
    assert call_record(admin, a)["end_status"] == "normal_end"


def test_full_room_is_busy_and_a_participant_can_be_muted(daemon, admin, tmp_path):
    r = room(admin, max_members=2, join_tones=False)
    a, b, c = (new_extension(admin) for _ in range(3))
    pa = phone(tmp_path, daemon, "a", a, 440, seconds=9, dial=r["number"])
    pb = phone(tmp_path, daemon, "b", b, 1000, seconds=9, dial=r["number"])
    try:
        end = time.time() + 10
        while time.time() < end:
            people = expect(admin.get(f"{ROOMS}/{r['id']}/participants"), 200)["items"]
            if len(people) == 2:
                break
            time.sleep(0.2)
        pc = phone(tmp_path, daemon, "c", c, 600, seconds=4, dial=r["number"])
        pc.proc.wait(20)
        pc.stop()
        # b is muted: a stops hearing b, b still hears a
        call_b = next(p for p in people if p["caller"] == b)["call_id"]
        muted = expect(admin.post(f"/api/v1/calls/live/{call_b}/conference",
                                  json={"muted": True}), 200)
        assert muted["muted"] is True
        assert admin.post(f"/api/v1/calls/live/{call_b}/conference",
                          json={"muted": "yes"}).status_code == 400
        assert admin.post("/api/v1/calls/live/nope/conference",
                          json={"muted": True}).status_code == 404
        people = expect(admin.get(f"{ROOMS}/{r['id']}/participants"), 200)["items"]
        assert next(p for p in people if p["caller"] == b)["muted"] is True
        pa.proc.wait(20)
        pb.proc.wait(20)
    finally:
        pa.stop()
        pb.stop()
    assert call_record(admin, c)["end_status"] == "busy"
    # b heard a (the share of the recording with the tone depends on how fast both
    # joined on a loaded machine; absent it would be ~0)
    assert tone_power(pb.received_audio(), (440, 1000))[440] > 0.08
    # the last seconds of a's recording, all after the mute: no b in it
    muted_part = tail_wav(pa.received_audio(), 1.5, tmp_path / "a-tail.wav")
    assert tone_power(muted_part, (440, 1000))[1000] < 0.02


def tail_wav(path, seconds, out):
    """The last `seconds` of a WAV file (its last half-second dropped: the hang-up)."""
    import wave
    with wave.open(str(path)) as w:
        params, rate, n = w.getparams(), w.getframerate(), w.getnframes()
        w.setpos(max(0, n - int((seconds + 0.5) * rate)))
        frames = w.readframes(int(seconds * rate))
    with wave.open(str(out), "wb") as o:
        o.setparams(params)
        o.writeframes(frames)
    return out

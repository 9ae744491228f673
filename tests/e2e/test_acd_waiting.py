"""What a caller lives through while waiting in an ACD queue (issue 6): the
queue's own music on hold, caller priority (a VIP list, a value set in the
IVR), periodic and position announcements with the music resuming after
each, and where the call goes when the queue gives up. Callers are real
baresip or sipp peers; what they heard is checked by its tones."""
import math
import struct
import time
import uuid
import wave

from e2e_helpers import expect
from peers import Baresip, tone_power
from test_acd_calls import agent_no, agent_with_phone, login, uniq, wait_state
from test_calls import DOMAIN, PASSWORD, call_record, new_extension
from test_voices import upload, wav_bytes

QUEUES, MOH = "/api/v1/queues", "/api/v1/moh-classes"


def voice(admin, hz, seconds=2.0):
    """An approved voice of the library: a pure tone of hz."""
    v = expect(upload(admin, wav_bytes(rate=16000, channels=1, seconds=seconds,
                                       hz=float(hz))), 201)
    expect(admin.post(f"/api/v1/voices/{v['id']}/review", json={"status": "approved"}), 200)
    return v


def default_moh(admin, hz):
    """The tenant's default class plays a tone of hz."""
    v = voice(admin, hz)
    for c in expect(admin.get(MOH, params={"q": "default"}), 200)["items"]:
        if c["name"] == "default":
            expect(admin.patch(f"{MOH}/{c['id']}", json={"voice_ids": [v["id"]]}), 200)
            return
    expect(admin.post(MOH, json={"name": "default", "voice_ids": [v["id"]]}), 201)


def moh_class(admin, hz):
    v = voice(admin, hz)
    return expect(admin.post(MOH, json={"name": uniq("moh-"), "voice_ids": [v["id"]]}), 201)


def queue_number():
    return str(uuid.uuid4().int % 9000000 + 6000000)


def busy_agent(admin, tmp_path, daemon):
    """A logged-in agent taking no calls: callers wait."""
    a, _, phone = agent_with_phone(admin, tmp_path, daemon, agent_no())
    login(admin, a, state="busy", reason="meeting")
    return a, phone


def heard(tmp_path, daemon, admin, number, seconds, name="caller"):
    """A baresip caller (440 Hz microphone) dials number for `seconds`;
    answers the WAV of what it heard."""
    caller = Baresip(tmp_path, name, new_extension(admin), PASSWORD, DOMAIN,
                     daemon.sip_port, tone_hz=440)
    try:
        caller.start([f"/dial sip:{number}@{DOMAIN}"], seconds=seconds)
        caller.proc.wait(seconds + 15)
    finally:
        caller.stop()
    return caller.received_audio()


def power_between(path, freqs, t0, t1):
    """tone_power of the part of the WAV from t0 to t1 seconds."""
    with wave.open(str(path)) as w:
        rate, ch = w.getframerate(), w.getnchannels()
        w.setpos(min(int(t0 * rate), w.getnframes()))
        n = max(0, min(int((t1 - t0) * rate), w.getnframes() - w.tell()))
        data = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
    total = sum(x * x for x in data) or 1
    out = {}
    for f in freqs:
        k = 2 * math.cos(2 * math.pi * f / rate)
        s1 = s2 = 0.0
        for x in data:
            s1, s2 = x + k * s1 - s2, s1
        out[f] = (s1 * s1 + s2 * s2 - k * s1 * s2) / total / max(1, len(data))
    return out


# ------------------------------------------------------------ music on hold

def test_the_queue_plays_its_own_music_class(daemon, admin, tmp_path):
    default_moh(admin, 600)
    own = moh_class(admin, 1000)
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                    "moh_class_id": own["id"], "max_wait_s": 5,
                                    "ring_timeout_s": 5,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    power = tone_power(heard(tmp_path, daemon, admin, number, 5), (1000, 600, 440))
    assert power[1000] > 0.2 and power[600] < 0.05, power


def test_a_queue_without_a_class_plays_the_tenant_default(daemon, admin, tmp_path):
    default_moh(admin, 600)
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                    "max_wait_s": 5, "ring_timeout_s": 5,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    power = tone_power(heard(tmp_path, daemon, admin, number, 5), (1000, 600))
    assert power[600] > 0.2 and power[1000] < 0.05, power

"""Calls between peers that share no codec: hotlined negotiates each leg on
its own and transcodes (Opus, G.722, G.711) on its media threads. Each
baresip sends a tone; the other side must hear it, clearly, through the
transcoder."""
import random
import time

import pytest

from e2e_helpers import expect
from peers import Baresip, tone_power

DOMAIN = "demo"
PASSWORD = "s3cret-pass"


class CodecBaresip(Baresip):
    """A Baresip that also loads the G.722 and Opus modules (peers.py's
    loads G.711 only)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        with open(self.dir / "config", "a") as f:
            f.write("module g722.so\nmodule opus.so\n")


# baresip's audio_codecs names a codec with its rate and channels as baresip
# runs it (G.722 at 16 kHz audio); a bare name means /8000/1
BARESIP_CODEC = {"PCMU": "PCMU", "PCMA": "PCMA", "G722": "G722/16000/1",
                 "opus": "opus/48000/2"}


def new_extension(admin):
    for _ in range(20):
        number = str(random.randrange(100000, 999999))
        r = admin.post("/api/v1/extensions", json={"number": number, "password": PASSWORD})
        if r.status_code == 201:
            return number
    raise AssertionError(f"cannot create an extension: {r.status_code} {r.text}")


def wait_registered(admin, number, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        r = admin.get("/api/v1/extensions", params={"q": number})
        items = r.json().get("items", []) if r.status_code == 200 else []
        if items and items[0].get("registered"):
            return True
        time.sleep(0.2)
    return False


def call_record(admin, caller, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        items = expect(admin.get("/api/v1/calls", params={"caller": caller}), 200)["items"]
        if items:
            return expect(admin.get(f"/api/v1/calls/{items[0]['id']}"), 200)
        time.sleep(0.2)
    raise AssertionError(f"no call record for caller {caller}")


@pytest.mark.parametrize("caller_codec,callee_codec", [
    ("opus", "PCMU"),
    ("G722", "opus"),
    ("PCMA", "G722"),
])
def test_transcoded_call_carries_audio_both_ways(daemon, admin, tmp_path,
                                                 caller_codec, callee_codec):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    callee = CodecBaresip(tmp_path, "callee", callee_no, PASSWORD, DOMAIN, daemon.sip_port,
                          tone_hz=1000, codecs=BARESIP_CODEC[callee_codec]).start(seconds=30)
    try:
        assert wait_registered(admin, callee_no), callee.output()[-2000:]
        caller = CodecBaresip(tmp_path, "caller", caller_no, PASSWORD, DOMAIN,
                              daemon.sip_port, tone_hz=440,
                              codecs=BARESIP_CODEC[caller_codec])
        caller.start([f"/dial sip:{callee_no}@{DOMAIN}"], seconds=9)
        caller.proc.wait(30)
        caller.stop()
    finally:
        callee.stop()
    heard_by_caller = caller.received_audio()
    heard_by_callee = callee.received_audio()
    assert heard_by_caller and heard_by_callee, caller.output()[-3000:]
    p_caller = tone_power(heard_by_caller, (440, 1000))
    p_callee = tone_power(heard_by_callee, (440, 1000))
    # each side hears the other's tone, clearly, and not its own
    assert p_caller[1000] > 0.2 and p_caller[440] < 0.01, p_caller
    assert p_callee[440] > 0.2 and p_callee[1000] < 0.01, p_callee

    legs = call_record(admin, caller_no)["legs"]
    assert [l["codec"] for l in legs] == [caller_codec, callee_codec], legs
    for leg in legs:
        assert leg["rx_packets"] > 100 and leg["tx_packets"] > 100, legs

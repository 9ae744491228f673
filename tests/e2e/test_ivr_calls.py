"""IVR flows on real calls (docs/ivr.md): sipp callers press keys (SIP INFO,
at set times) or baresip callers key RFC 4733 events and record what they
hear; each node type is checked through the call record's IVR path (nodes,
exits, keys), the variables it leads to (conditions branching on them) and,
for prompts, the sound that reached the caller. HTTP nodes talk to a local
test server (success, timeout, bad JSON); dynamic menus take their entries
from it; a new version published during a call does not change that call."""
import http.server
import json
import random
import threading
import time
import uuid
import wave
import math
import struct

import pytest

from e2e_helpers import expect
from peers import (Baresip, Sipp, _answered, _in_dialog, _pause, _recv, _respond,
                   _scenario, tone_power, uas_answer_checking, write_scenario)
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered

FLOWS = "/api/v1/ivr-flows"
VERSIONS = "/api/v1/ivr-versions"


# ----------------------------------------------------------------- flows

def node(id, type, exits, **params):
    return {"id": id, "type": type, "name": id, "x": 0, "y": 0, "params": params,
            "exits": exits}


def tts(text):
    return [{"type": "tts", "text": text}]


def flow_number():
    return str(random.randrange(90000000, 99999999))


def publish(admin, nodes, number=None):
    """A new flow with this graph published; answers (flow, version id, number)."""
    number = number or flow_number()
    f = expect(admin.post(FLOWS, json={"name": "f-" + uuid.uuid4().hex[:8],
                                       "number": number}), 201)
    vid = f["draft_version_id"]
    expect(admin.patch(f"{VERSIONS}/{vid}", json={"graph": {"nodes": nodes}}), 200)
    r = admin.post(f"{VERSIONS}/{vid}/validate")
    assert expect(r, 200)["valid"], r.text
    expect(admin.post(f"{VERSIONS}/{vid}/publish"), 200)
    return f, vid, number


def start(nxt):
    return node("start", "start", {"next": nxt})


# ----------------------------------------------------------------- callers

def info(cseq, key):
    head = _in_dialog("INFO", cseq, retrans=True).split("Content-Length: 0")[0]
    return (head + "Content-Type: application/dtmf-relay\nContent-Length: [len]\n\n"
            f"Signal={key}\nDuration=160\n]]></send>\n" + _recv("200"))


def keys_call(tmp_path, daemon, caller, dialed, steps, hangs_up=True, hold_ms=0, name="uac"):
    """A sipp caller dials `dialed`, then for each (pause_ms, key) waits and
    presses the key (SIP INFO). hangs_up: hotlined ends the call (BYE
    expected); else the caller hangs up after hold_ms."""
    body = [_answered()]
    cseq = 3
    for ms, key in steps:
        body += [_pause(ms), info(cseq, key)]
        cseq += 1
    if hangs_up:
        body += [_recv("BYE"), _respond("200 OK")]
    else:
        body += [_pause(hold_ms), _in_dialog("BYE", cseq, retrans=True), _recv("200")]
    scenario = _scenario("ivr keys", *body)
    uac = Sipp(tmp_path, write_scenario(tmp_path, name, scenario), daemon.sip_port,
               user=caller, password=PASSWORD, keys={"domain": DOMAIN, "callee": dialed})
    uac.start()
    assert uac.wait(60) == 0, uac.errors()


def path(rec):
    return [(s["node_id"], s["exit"], s["digits"]) for s in rec["ivr_path"]]


def caller_ext(admin):
    return new_extension(admin)


# ------------------------------------------------------------------ tests

def test_menu_takes_the_key_branch(daemon, admin, tmp_path):
    _, _, number = publish(admin, [
        start("menu"),
        node("menu", "menu", {"1": "one", "2": "two", "failed": None},
             prompt=tts("press one or two"), keys=["1", "2"], timeout_s=5),
        node("one", "play", {"next": None}, prompt=tts("one")),
        node("two", "hangup", {}, prompt=[{"type": "tone", "name": "confirm"}]),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [(800, "2")])
    rec = call_record(admin, a)
    assert path(rec) == [("start", "next", ""), ("menu", "2", "2"), ("two", None, "")]
    assert rec["end_status"] == "normal_end" and rec["hangup_side"] == "system"
    steps = rec["ivr_path"]
    assert steps[0]["flow_name"].startswith("f-") and steps[0]["version"] == 1
    assert all(s["left_at"] >= s["entered_at"] for s in steps)

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


def answering_extension(admin, daemon, tmp_path):
    """A registered extension whose phone (sipp) answers one call."""
    from test_calls import register_with_sipp
    from peers import UAS_ANSWER
    ext = new_extension(admin)
    port = register_with_sipp(tmp_path, daemon, ext)
    return ext, Sipp(tmp_path, write_scenario(tmp_path, "phone", UAS_ANSWER), daemon.sip_port,
                     port=port).start()


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


def report(admin, flow_id):
    return expect(admin.get(f"{FLOWS}/{flow_id}/report"), 200)


def test_menu_wrong_key_and_timeout_count_to_the_failed_exit(daemon, admin, tmp_path):
    f, _, number = publish(admin, [
        start("menu"),
        node("menu", "menu", {"1": "one", "failed": "bye"}, prompt=tts("press one"),
             error_prompt=tts("wrong key"), timeout_prompt=tts("nothing pressed"),
             keys=["1"], timeout_s=1, max_errors=2),
        node("one", "play", {"next": None}, prompt=tts("one")),
        node("bye", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [(500, "5")])      # then silence
    rec = call_record(admin, a)
    assert path(rec) == [("start", "next", ""), ("menu", "failed", "5"), ("bye", None, "")]
    menu = rec["ivr_path"][1]
    assert menu["left_at"] - menu["entered_at"] >= 1000       # waited for the timeout
    r = report(admin, f["id"])
    assert r["keys"] == [{"node_id": "menu", "node_name": "menu", "key": "5", "count": 1}]
    assert r["calls"] == 1 and r["avg_ivr_ms"] >= 1000


def test_menu_direct_entry_dials_the_extension(daemon, admin, tmp_path):
    ext, phone = answering_extension(admin, daemon, tmp_path)
    _, _, number = publish(admin, [
        start("menu"),
        node("menu", "menu", {"1": "one", "direct": "dial", "failed": None},
             prompt=tts("press one or dial an extension"), keys=["1"], direct_entry=True,
             direct_max_digits=8, timeout_s=5),
        node("one", "play", {"next": None}, prompt=tts("one")),
        node("dial", "transfer_extension", {"failed": None}, number="${MenuDigits}"),
    ])
    a = caller_ext(admin)
    steps = [(700, ext[0])] + [(150, d) for d in ext[1:]] + [(150, "#")]
    keys_call(tmp_path, daemon, a, number, steps, hangs_up=False, hold_ms=2500)
    assert phone.wait(20) == 0, phone.errors()
    rec = call_record(admin, a)
    assert path(rec) == [("start", "next", ""), ("menu", "direct", ext),
                         ("dial", "answered", "")]
    assert rec["answered_by"] == ext and rec["end_status"] == "normal_end"


def test_collect_set_condition_and_anchors(daemon, admin, tmp_path):
    f, _, number = publish(admin, [
        start("pin"),
        node("pin", "collect", {"next": "set", "failed": None}, prompt=tts("your code"),
             mode="fixed", length=4, variable="code", timeout_s=5),
        node("set", "set", {"next": "cond"},
             assignments=[{"name": "label", "value": "code-${code}"}]),
        node("cond", "condition", {"1": "ok", "2": "big", "default": "other"}, branches=[
            {"name": "exact", "rules": [{"variable": "label", "op": "eq", "value": "code-1234"}]},
            {"name": "big", "rules": [{"variable": "code", "op": "gt", "value": "5000"},
                                      {"variable": "code", "op": "le", "value": "9999"}]}]),
        node("ok", "counter", {"next": None}, name="ok"),
        node("big", "counter", {"next": None}, name="big"),
        node("other", "counter", {"next": None}, name="other"),
    ])
    for code, branch in (("1234", "ok"), ("9999", "big"), ("0042", "other")):
        a = caller_ext(admin)
        keys_call(tmp_path, daemon, a, number, [(600, code[0])] + [(100, d) for d in code[1:]],
                  name=f"uac{code}")
        p = path(call_record(admin, a))
        assert p[1] == ("pin", "next", code)
        assert [n for n, _, _ in p] == ["start", "pin", "set", "cond", branch]
    r = report(admin, f["id"])
    assert {x["name"]: x["count"] for x in r["anchors"]} == {"ok": 1, "big": 1, "other": 1}
    assert r["keys"] == []          # collected digits are not menu keys


def test_time_and_caller_region_branches(daemon, admin, tmp_path):
    today = time.strftime("%Y-%m-%d")   # the demo tenant's zone is UTC+8 at most a day off
    closed = expect(admin.post("/api/v1/time-groups", json={
        "name": "closed-" + uuid.uuid4().hex[:6],
        "rules": [{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "00:00"}],
        "holidays": [{"date": d, "name": "off"} for d in
                     (today, time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400)),
                      time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400)))]}), 201)
    always = expect(admin.post("/api/v1/time-groups", json={
        "name": "always-" + uuid.uuid4().hex[:6],
        "rules": [{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "00:00"}]}), 201)
    a = caller_ext(admin)
    _, _, number = publish(admin, [
        start("when"),
        node("when", "time", {"1": None, "2": "where", "default": None},
             time_group_ids=[closed["id"], always["id"]]),
        node("where", "region", {"1": None, "2": "bye", "default": None}, branches=[
            {"name": "nowhere", "prefixes": ["0000"]},
            {"name": "ours", "prefixes": [a[:2]]}]),
        node("bye", "hangup", {}),
    ])
    keys_call(tmp_path, daemon, a, number, [])
    assert path(call_record(admin, a)) == [("start", "next", ""), ("when", "2", ""),
                                           ("where", "2", ""), ("bye", None, "")]


class Api(http.server.BaseHTTPRequestHandler):
    """The business system an HTTP node calls (tencent-ccc.md: POST JSON,
    a flat JSON answer)."""
    seen = []

    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        Api.seen.append({"method": self.command, "path": self.path, "body": body,
                         "ctype": self.headers.get("Content-Type")})
        p = self.path.split("?")[0]
        if p == "/score":
            caller = json.loads(body)["CallerNumber"]
            self.answer(200, json.dumps({"Score": "95", "data": {"vip": True},
                                         "echo": caller}))
        elif p == "/slow":
            time.sleep(2.5)
            self.answer(200, "{}")
        elif p == "/bad":
            self.answer(200, "this is not json", "text/plain")
        elif p == "/down":
            self.answer(503, "{}")
        elif p == "/entries":
            entries = [{"digits": "1", "next": "p1", "label": "consult", "name": "a"},
                       {"digits": "2", "next": "p2", "label": "buy", "name": "b"}]
            self.answer(200, json.dumps({"tts": "press one or two",
                                         "entries": json.dumps(entries)}))
        else:
            self.answer(404, "{}")

    do_GET = do_POST = handle_any


@pytest.fixture(scope="module")
def api_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def http_flow(admin, url, **kw):
    return publish(admin, [
        start("ask"),
        node("ask", "http", {"success": "cond", "failed": "cond"}, url=url,
             inputs=[{"name": "CallerNumber", "value": "${SystemCallerNumber}"},
                     {"name": "SessionId", "value": "${SystemSessionId}"}],
             outputs=[{"variable": "score", "field": "Score", "default": "0"},
                      {"variable": "vip", "field": "data.vip", "default": "false"},
                      {"variable": "echo", "field": "echo", "default": "none"}], **kw),
        node("cond", "condition", {"1": "gold", "default": "plain"}, branches=[
            {"name": "gold", "rules": [{"variable": "score", "op": "ge", "value": "90"},
                                       {"variable": "vip", "op": "eq", "value": "true"}]}]),
        node("gold", "counter", {"next": None}, name="gold"),
        node("plain", "counter", {"next": None}, name="plain"),
    ])


def test_http_node_maps_the_answer_into_variables(daemon, admin, tmp_path, api_server):
    Api.seen.clear()
    f, _, number = http_flow(admin, api_server + "/score")
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [])
    rec = call_record(admin, a)
    assert [(n, e) for n, e, _ in path(rec)] == [("start", "next"), ("ask", "success"),
                                                ("cond", "1"), ("gold", "next")]
    req = [s for s in Api.seen if s["path"] == "/score"][-1]
    assert req["method"] == "POST" and req["ctype"] == "application/json; charset=utf-8"
    assert json.loads(req["body"]) == {"CallerNumber": a, "SessionId": rec["id"]}


@pytest.mark.parametrize("where,attempts", [("/slow", 2), ("/bad", 1), ("/down", 1),
                                            ("/missing", 1)])
def test_http_failures_take_the_defaults(daemon, admin, tmp_path, api_server, where, attempts):
    Api.seen.clear()
    _, _, number = http_flow(admin, api_server + where, timeout_s=1,
                             retries=1 if where == "/slow" else 0)
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [], name="uac" + where[1:])
    rec = call_record(admin, a, timeout=15)
    assert [(n, e) for n, e, _ in path(rec)] == [("start", "next"), ("ask", "failed"),
                                                ("cond", "default"), ("plain", "next")]
    assert len([s for s in Api.seen if s["path"].startswith(where)]) == attempts
    if where == "/slow":
        ask = rec["ivr_path"][1]
        assert 2000 <= ask["left_at"] - ask["entered_at"] < 2500 + 1500


def test_http_get_sends_a_query_string(daemon, admin, tmp_path, api_server):
    Api.seen.clear()
    _, _, number = http_flow(admin, api_server + "/missing?x=1", method="GET")
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [])
    req = [s for s in Api.seen if s["path"].startswith("/missing")][-1]
    assert req["method"] == "GET"
    assert req["path"] == f"/missing?x=1&CallerNumber={a}&SessionId=" + \
        call_record(admin, a)["id"]


def test_dynamic_menu_from_an_http_answer(daemon, admin, tmp_path, api_server):
    f, _, number = publish(admin, [
        start("ask"),
        node("ask", "http", {"success": "menu", "failed": None}, url=api_server + "/entries",
             method="GET", outputs=[{"variable": "tts", "field": "tts", "default": ""},
                                    {"variable": "entries", "field": "entries",
                                     "default": ""}]),
        node("menu", "dynamic_menu", {"failed": None}, prompt=tts("${tts}"),
             entries_variable="entries", targets=["p1", "p2"], timeout_s=5),
        node("p1", "counter", {"next": None}, name="consult"),
        node("p2", "counter", {"next": None}, name="buy"),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [(900, "7"), (600, "2")])
    p = path(call_record(admin, a))
    assert p[2] == ("menu", "2", "72") and p[3] == ("p2", "next", "")
    assert {x["key"]: x["count"] for x in report(admin, f["id"])["keys"]} == {"7": 1, "2": 1}


def test_dynamic_menu_without_entries_fails(daemon, admin, tmp_path):
    _, _, number = publish(admin, [
        start("menu"),
        node("menu", "dynamic_menu", {"failed": "bye"}, prompt=tts("menu"),
             entries_variable="nothing"),
        node("bye", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [])
    assert path(call_record(admin, a))[1] == ("menu", "failed", "")


def test_keyed_extension_retries_then_rings(daemon, admin, tmp_path):
    ext, phone = answering_extension(admin, daemon, tmp_path)
    _, _, number = publish(admin, [
        start("dial"),
        node("dial", "transfer_extension", {"failed": None}, prompt=tts("the extension please"),
             error_prompt=tts("no such extension"), length=6, timeout_s=5, max_errors=3),
    ])
    a = caller_ext(admin)
    steps = [(700, "0")] + [(120, "0")] * 5 + [(900, ext[0])] + [(120, d) for d in ext[1:]]
    keys_call(tmp_path, daemon, a, number, steps, hangs_up=False, hold_ms=2500)
    assert phone.wait(20) == 0, phone.errors()
    rec = call_record(admin, a)
    assert path(rec)[1] == ("dial", "answered", "000000" + ext)
    assert rec["answered_by"] == ext


def test_transfer_to_a_missing_extension_takes_failed(daemon, admin, tmp_path):
    offline = new_extension(admin)          # exists, never registered
    _, _, number = publish(admin, [
        start("dial"),
        node("dial", "transfer_extension", {"failed": "sorry"}, number=offline),
        node("sorry", "play", {"next": None}, prompt=tts("nobody there")),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [])
    assert path(call_record(admin, a))[1:] == [("dial", "failed", ""), ("sorry", "next", "")]


def test_queue_without_logged_in_agents_takes_no_agent(daemon, admin, tmp_path):
    q = expect(admin.post("/api/v1/queues", json={"name": "q-" + uuid.uuid4().hex[:6]}), 201)
    _, _, number = publish(admin, [
        start("q"),
        node("q", "queue", {"no_agent": "sorry", "full": None, "timeout": None},
             queue_id=q["id"], prompt=tts("please hold")),
        node("sorry", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [])
    assert path(call_record(admin, a))[1] == ("q", "no_agent", "")


def test_voicemail_node_takes_a_message(daemon, admin, tmp_path):
    box_number = str(random.randrange(7000000, 7999999))
    box = expect(admin.post("/api/v1/voicemail-boxes",
                            json={"number": box_number, "name": "ivr box"}), 201)
    _, _, number = publish(admin, [
        start("vm"),
        node("vm", "voicemail", {}, box=box_number),
    ])
    a = caller_ext(admin)
    caller = Baresip(tmp_path, "vm", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=700)
    try:
        caller.start([f"/dial sip:{number}@{DOMAIN}"], seconds=20, ctrl=True)
        assert caller.wait_for("Call established", 10), caller.output()[-2000:]
        time.sleep(9)                   # greeting, beep, some seconds of message
        caller.command("sndcode", "#")
        assert caller.wait_for("terminated", 10), caller.output()[-2000:]
    finally:
        caller.stop()
    rec = call_record(admin, a)
    assert path(rec)[1] == ("vm", None, "")
    end = time.time() + 10
    while time.time() < end:
        msgs = expect(admin.get("/api/v1/voicemail-messages",
                                params={"box_id": box["id"]}), 200)["items"]
        if msgs:
            break
        time.sleep(0.3)
    assert len(msgs) == 1 and msgs[0]["call_id"] == rec["id"]


def test_survey_stores_the_rating(daemon, admin, tmp_path):
    f, _, number = publish(admin, [
        start("rate"),
        node("rate", "survey", {"next": "cond", "failed": None}, prompt=tts("rate us"),
             options=[{"key": "1", "rating": "satisfied"},
                      {"key": "0", "rating": "unsatisfied"}],
             thanks_prompt=tts("thank you")),
        node("cond", "condition", {"1": "happy", "default": None}, branches=[
            {"name": "happy", "rules": [{"variable": "SurveyRating", "op": "eq",
                                         "value": "satisfied"},
                                        {"variable": "SurveyKey", "op": "eq", "value": "1"}]}]),
        node("happy", "counter", {"next": None}, name="happy"),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [(700, "1")])
    assert [n for n, _, _ in path(call_record(admin, a))] == ["start", "rate", "cond", "happy"]
    assert report(admin, f["id"])["anchors"] == [{"name": "happy", "count": 1}]


def test_back_one_level_and_to_the_top(daemon, admin, tmp_path):
    _, _, number = publish(admin, [
        start("main"),
        node("main", "menu", {"1": "sub", "failed": None}, prompt=tts("main"), keys=["1"],
             timeout_s=5),
        node("sub", "menu", {"0": "back", "9": "top", "2": "done", "failed": None},
             prompt=tts("sub"), keys=["0", "9", "2"], timeout_s=5),
        node("back", "back", {}),
        node("top", "top", {}),
        node("done", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number,
              [(600, "1"), (500, "0"), (500, "1"), (500, "9"), (500, "1"), (500, "2")])
    assert [(n, e) for n, e, _ in path(call_record(admin, a))] == [
        ("start", "next"), ("main", "1"), ("sub", "0"), ("back", None), ("main", "1"),
        ("sub", "9"), ("top", None), ("main", "1"), ("sub", "2"), ("done", None)]


def test_subflow_returns_to_its_caller(daemon, admin, tmp_path):
    inner, _, _ = publish(admin, [
        start("mark"),
        node("mark", "counter", {"next": None}, name="inner"),
    ])
    outer, _, number = publish(admin, [
        start("sub"),
        node("sub", "subflow", {"next": "bye"}, flow_id=inner["id"]),
        node("bye", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [])
    rec = call_record(admin, a)
    assert [(s["flow_id"], s["node_id"], s["exit"]) for s in rec["ivr_path"]] == [
        (outer["id"], "start", "next"), (outer["id"], "sub", "call"),
        (inner["id"], "start", "next"), (inner["id"], "mark", "next"),
        (outer["id"], "bye", None)]


def test_speech_menu_falls_back_to_keys(daemon, admin, tmp_path):
    _, _, number = publish(admin, [
        start("ask"),
        node("ask", "speech_menu", {"1": None, "2": "no", "failed": None},
             prompt=tts("are you a member"), timeout_s=5, branches=[
                 {"name": "yes", "keywords": ["是", "是的"], "key": "1"},
                 {"name": "no", "keywords": ["不是"], "key": "2"}]),
        node("no", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [(700, "2")])
    assert path(call_record(admin, a))[1] == ("ask", "2", "2")


LONG = "this announcement is long enough to be cut short by a key. " * 4


@pytest.mark.parametrize("interruptible", [True, False])
def test_keys_during_a_play(daemon, admin, tmp_path, interruptible):
    _, _, number = publish(admin, [
        start("hello"),
        node("hello", "play", {"next": "menu"}, prompt=tts(LONG), interruptible=interruptible),
        node("menu", "menu", {"3": "three", "failed": None}, prompt=tts("press three"),
             keys=["3"], timeout_s=1, max_errors=1),
        node("three", "hangup", {}),
    ])
    a = caller_ext(admin)
    keys_call(tmp_path, daemon, a, number, [(2500, "3")], name=f"uac{interruptible}")
    p = path(call_record(admin, a, timeout=30))
    if interruptible:   # the key cut the play short and chose in the menu
        assert p[1:] == [("hello", "next", ""), ("menu", "3", "3"), ("three", None, "")]
    else:               # ignored: the menu got nothing
        assert p[1:] == [("hello", "next", ""), ("menu", "failed", "")]


def test_a_call_keeps_its_version_when_a_new_one_is_published(daemon, admin, tmp_path):
    def graph(mark):
        return [start("menu"),
                node("menu", "menu", {"1": "mark", "failed": None}, prompt=tts("press one"),
                     keys=["1"], timeout_s=10),
                node("mark", "counter", {"next": None}, name=mark)]
    f, v1, number = publish(admin, graph("v1"))
    a = caller_ext(admin)
    body = _scenario("slow key", _answered(), _pause(3000), info(3, "1"), _recv("BYE"),
                     _respond("200 OK"))
    uac = Sipp(tmp_path, write_scenario(tmp_path, "slow", body), daemon.sip_port, user=a,
               password=PASSWORD, keys={"domain": DOMAIN, "callee": number}).start()
    time.sleep(1.2)                  # the call is in the menu now
    v2 = expect(admin.post(f"{FLOWS}/{f['id']}/versions", json={"based_on": v1}), 201)
    g = v2["graph"]
    g["nodes"][2]["params"]["name"] = "v2"
    expect(admin.patch(f"{VERSIONS}/{v2['id']}", json={"graph": g}), 200)
    expect(admin.post(f"{VERSIONS}/{v2['id']}/publish"), 200)
    assert uac.wait(30) == 0, uac.errors()
    first = call_record(admin, a)
    assert {s["version"] for s in first["ivr_path"]} == {1}
    b = caller_ext(admin)
    keys_call(tmp_path, daemon, b, number, [(600, "1")])
    second = call_record(admin, b)
    assert {s["version"] for s in second["ivr_path"]} == {2}
    assert {x["name"]: x["count"] for x in report(admin, f["id"])["anchors"]} == \
        {"v1": 1, "v2": 1}


# ------------------------------------------------------------- what callers hear

def sine_wav(hz, seconds=1.2, rate=16000):
    import io
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        n = int(rate * seconds)
        w.writeframes(struct.pack(f"<{n}h", *[int(12000 * math.sin(2 * math.pi * hz * i / rate))
                                              for i in range(n)]))
    return buf.getvalue()


def voice(admin, hz):
    v = expect(admin.post("/api/v1/voices", params={"name": f"tone-{hz}-{uuid.uuid4().hex[:6]}"},
                          data=sine_wav(hz), headers={"Content-Type": "audio/wav"}), 201)
    expect(admin.post(f"/api/v1/voices/{v['id']}/review", json={"status": "approved"}), 200)
    return [{"type": "voice", "id": v["id"]}]


def test_the_caller_hears_the_prompt_of_the_branch_taken(daemon, admin, tmp_path):
    welcome, first, second = voice(admin, 500), voice(admin, 900), voice(admin, 1300)
    _, _, number = publish(admin, [
        start("menu"),
        node("menu", "menu", {"1": "one", "2": "two", "failed": None}, prompt=welcome,
             keys=["1", "2"], timeout_s=5),
        node("one", "play", {"next": None}, prompt=first, loops=2),
        node("two", "play", {"next": None}, prompt=second, loops=2),
    ])
    a = caller_ext(admin)
    caller = Baresip(tmp_path, "caller", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=200)
    try:
        caller.start([f"/dial sip:{number}@{DOMAIN}"], seconds=12, ctrl=True)
        assert caller.wait_for("Call established", 10), caller.output()[-2000:]
        time.sleep(1.6)                 # the welcome prompt plays
        caller.command("sndcode", "2")
        assert caller.wait_for("terminated", 15), caller.output()[-2000:]
    finally:
        caller.stop()
    heard = tone_power(caller.received_audio(), (500, 900, 1300))
    assert heard[500] > 0.02 and heard[1300] > 0.02, heard
    assert heard[900] < heard[1300] / 20, heard
    assert path(call_record(admin, a))[1] == ("menu", "2", "2")


def test_inbound_number_through_the_flow_out_to_a_carrier(make_daemon, tmp_path):
    """A carrier's call on a number whose inbound route goes to a flow, which
    sets the number to call and sends the call out through another trunk with
    one of the tenant's numbers as the caller ID."""
    from e2e_helpers import ADMIN_PASSWORD, free_sip_port, call_record as record
    from peers import uac_call_and_hangup
    daemon = make_daemon()
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)

    def trunk(port):
        return expect(admin.post("/api/v1/trunks", json={
            "name": f"carrier-{port}", "type": "peer", "host": "127.0.0.1", "port": port,
            "peer_cidrs": ["127.0.0.1/32"]}), 201)
    in_port, out_port = free_sip_port(), free_sip_port()
    t_in, t_out = trunk(in_port), trunk(out_port)
    did = "8657100" + str(random.randrange(1000, 9999))
    expect(admin.post("/api/v1/numbers", json={"number": "+" + did, "trunk_id": t_in["id"]}),
           201)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "out", "patterns": ["0X."], "trunk_ids": [t_out["id"]],
        "dial_permission": "local"}), 201)
    f, _, _ = publish(admin, [
        start("set"),
        node("set", "set", {"next": "out"},
             assignments=[{"name": "target", "value": "0123456789"}]),
        node("out", "transfer_external", {"failed": None}, number="${target}",
             caller_id="number", caller_number=did),
    ])
    expect(admin.post("/api/v1/inbound-routes", json={
        "name": "hotline", "number": "+" + did,
        "destination": {"type": "ivr", "target": f["id"]}}), 201)
    check_cid = uas_answer_checking("0123456789").replace(
        '<ereg regexp="^INVITE sip:0123456789@"',
        f'<ereg regexp="From:[^\\r\\n]*{did}" search_in="msg" check_it="true" '
        'assign_to="cid"/>\n      <ereg regexp="^INVITE sip:0123456789@"').replace(
        "X-Checked: [$ruri]", "X-Checked: [$ruri]\nX-Cid: [$cid]")
    out_side = Sipp(tmp_path, write_scenario(tmp_path, "carrier_out", check_cid),
                    daemon.sip_port, port=out_port).start()
    caller = Sipp(tmp_path, write_scenario(tmp_path, "carrier_call",
                                           uac_call_and_hangup(auth=False, hold_ms=2500)),
                  daemon.sip_port, port=in_port, user="13900001111", password="x",
                  keys={"domain": "carrier.example", "callee": did}).start()
    assert caller.wait() == 0, caller.errors()
    assert out_side.wait() == 0, out_side.errors()
    rec = record(admin, callee=did)
    assert rec["direction"] == "inbound" and rec["answered_by"] == t_out["name"]
    assert [(s["node_id"], s["exit"]) for s in rec["ivr_path"]] == [
        ("start", "next"), ("set", "next"), ("out", "answered")]


def test_a_call_transferred_by_the_flow_is_recorded_by_policy(daemon, admin, tmp_path):
    from test_call_recording import set_record
    a, b = caller_ext(admin), new_extension(admin)
    set_record(admin, b, "always")
    _, _, number = publish(admin, [
        start("dial"),
        node("dial", "transfer_extension", {"failed": None}, number=b),
    ])
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=14)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{number}@{DOMAIN}"], seconds=6)
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
    assert rec["answered_by"] == b and path(rec)[1] == ("dial", "answered", "")
    assert rec["recordings"] and rec["recordings"][0]["duration_ms"] > 1500, rec
    # and the caller heard the callee
    assert tone_power(caller.received_audio(), (1000, 440))[1000] > 0.2

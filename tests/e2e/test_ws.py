"""The WebSocket protocol /api/v1/ws (docs/ws.md): the upgrade is authenticated
like the REST API (session cookie with a same-origin check, bearer token, signed API
key) and refused with an HTTP answer otherwise; agents are controlled with commands
(login, state, wrapup_done, logout) answered by replies that echo the command's id;
events (agent.state, call.offered with the screen pop, call.answered, call.ended,
queue.joined/left) reach the subscribers of the tenant only; a workbench user controls
their own agent only; frames that break RFC 6455 close the connection with the code
the RFC gives, while bad commands get an error reply and the connection stays."""
import base64
import json
import os
import socket
import struct
import time
import uuid

import pytest
import requests
import websocket

from e2e_helpers import (DEMO, assert_error, expect, make_api_key, make_tenant,
                         make_user, signature, user_with_role)

AGENTS, QUEUES, WS = "/api/v1/agents", "/api/v1/queues", "/api/v1/ws"


def uniq(p):
    return p + uuid.uuid4().hex[:8]


def agent_no():
    return str(uuid.uuid4().int % 90000000 + 10000000)


def ws_url(daemon):
    return f"ws://127.0.0.1:{daemon.port}{WS}"


class Conn:
    """One WebSocket client: commands with ids, replies matched by id, events kept."""

    def __init__(self, daemon, token=None, cookie=None, origin=None, headers=()):
        hdrs = list(headers)
        if token:
            hdrs.append(f"Authorization: Bearer {token}")
        kw = {"origin": origin} if origin else {"suppress_origin": True}
        self.ws = websocket.create_connection(
            ws_url(daemon), timeout=10, header=hdrs,
            cookie=f"hl_session={cookie}" if cookie else None, **kw)
        self.hello = json.loads(self.ws.recv())
        self.events = []
        self.next_id = 0

    def send_raw(self, text):
        self.ws.send(text)

    def recv(self, timeout=10):
        self.ws.settimeout(timeout)
        m = json.loads(self.ws.recv())
        if m["type"] == "event":
            self.events.append(m)
        return m

    def reply(self, id_, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            m = self.recv(max(0.1, end - time.time()))
            if m["type"] == "reply" and m["id"] == id_:
                return m
        raise AssertionError(f"no reply {id_}")

    def cmd(self, name, **kw):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "cmd": name, **kw}))
        return self.reply(self.next_id)

    def ok(self, name, **kw):
        r = self.cmd(name, **kw)
        assert r["ok"], r
        return r["data"]

    def err(self, name, code, **kw):
        r = self.cmd(name, **kw)
        assert not r["ok"] and r["error"]["code"] == code, r
        assert r["error"]["message"]
        return r["error"]

    def event(self, type_, timeout=15, **match):
        """The first event of this type whose data has these values (kept or next)."""
        def fits(e):
            return e["event"] == type_ and all(e["data"].get(k) == v
                                               for k, v in match.items())
        end = time.time() + timeout
        while True:
            for e in self.events:
                if fits(e):
                    self.events.remove(e)
                    return e
            if time.time() >= end:
                raise AssertionError(f"no {type_} {match}; got "
                                     f"{[(e['event'], e['data']) for e in self.events]}")
            try:
                self.recv(max(0.1, end - time.time()))
            except websocket.WebSocketTimeoutException:
                pass

    def quiet(self, seconds=1.0):
        """Events that arrive within `seconds` (none expected, usually)."""
        end = time.time() + seconds
        while time.time() < end:
            try:
                self.recv(max(0.05, end - time.time()))
            except websocket.WebSocketTimeoutException:
                break
        got, self.events = self.events, []
        return got

    def close(self):
        self.ws.close()


def agent_on_phone(admin, **kw):
    """An agent bound to a new extension (its phone need not be registered to log in)."""
    from test_calls import new_extension
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    return expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("ag-"),
                                           "extension_id": ext["id"], **kw}), 201)


def live(admin, a):
    items = expect(admin.get(f"{AGENTS}/live"), 200)["items"]
    return next(i for i in items if i["id"] == a["id"])


def upgrade_headers(key=None, version="13"):
    return {"Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Version": version,
            "Sec-WebSocket-Key": key or base64.b64encode(os.urandom(16)).decode()}


# ----------------------------------------------------------------- the upgrade

def test_upgrade_refusals_are_http_answers(daemon, client, admin):
    base = f"http://127.0.0.1:{daemon.port}{WS}"
    r = requests.get(base, headers=upgrade_headers(), timeout=10)
    assert_error(r, 401, "unauthenticated")
    r = requests.get(base, headers={**upgrade_headers(), "Authorization": "Bearer nope"},
                     timeout=10)
    assert_error(r, 401, "unauthenticated")
    auth = {"Authorization": f"Bearer {admin.token}"}
    assert_error(requests.get(base, headers=auth, timeout=10), 426, "upgrade_required")
    r = requests.get(base, headers={**upgrade_headers(version="8"), **auth}, timeout=10)
    assert_error(r, 426, "bad_request")
    assert r.headers["Sec-WebSocket-Version"] == "13"
    r = requests.get(base, headers={**upgrade_headers(key="short"), **auth}, timeout=10)
    assert_error(r, 400, "bad_request")
    # a session cookie from a page of another origin (cross-site WebSocket hijacking)
    cookie = {"Cookie": f"hl_session={admin.token}"}
    r = requests.get(base, headers={**upgrade_headers(), **cookie,
                                    "Origin": "http://evil.example"}, timeout=10)
    assert_error(r, 403, "bad_origin")
    r = requests.get(base, headers={**upgrade_headers(), **cookie, "Origin": "null"},
                     timeout=10)
    assert_error(r, 403, "bad_origin")
    # a user with none of workbench / agents / queues
    s, _, _ = user_with_role(client, admin, {"extensions": "rw"})
    r = requests.get(base, headers={**upgrade_headers(),
                                    "Authorization": f"Bearer {s.token}"}, timeout=10)
    assert_error(r, 403, "forbidden")
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(ws_url(daemon), timeout=10, suppress_origin=True)
    assert e.value.status_code == 401


def test_the_accepted_handshakes(daemon, admin):
    # the console's own page: cookie and same origin
    c = Conn(daemon, cookie=admin.token, origin=f"http://127.0.0.1:{daemon.port}")
    assert c.hello["type"] == "hello" and c.hello["user"]["username"] == "admin"
    assert c.hello["may"]["control_agents"] and "login" in c.hello["commands"]
    assert c.hello["max_message"] == 65536
    assert c.ok("ping")["at"] > 0
    c.close()
    # a bearer token is no cookie: no page can make the browser send it
    c = Conn(daemon, token=admin.token, origin="http://elsewhere.example")
    assert c.ok("ping")
    c.close()
    # an API key, signed like a REST GET of /api/v1/ws
    key = make_api_key(admin, admin.user["role_ids"][0])
    ts = int(time.time())
    c = Conn(daemon, headers=[f"X-Hotline-Key: {key['id']}", f"X-Hotline-Timestamp: {ts}",
                              "X-Hotline-Signature: "
                              + signature(key["secret"], "GET", WS, ts, b"")])
    assert c.hello["user"]["id"] is None and c.hello["agent"] is None
    assert c.ok("subscribe", topics=["agents"])["topics"] == ["agents"]
    c.close()


# ----------------------------------------------------------------- agent commands

def test_login_state_wrapup_logout_with_events(daemon, admin):
    a = agent_on_phone(admin)
    board = Conn(daemon, token=admin.token)
    snap = board.ok("subscribe", topics=["agents", "queues"])
    assert sorted(snap["topics"]) == ["agents", "queues"]
    row = next(r for r in snap["agents"] if r["id"] == a["id"])
    assert row["state"] == "offline"
    me = Conn(daemon, token=admin.token)
    got = me.ok("login", agent_id=a["id"])
    assert got["id"] == a["id"] and got["state"] == "idle"
    assert live(admin, a)["state"] == "idle"
    e = board.event("agent.state", agent_id=a["id"])["data"]
    assert (e["state"], e["previous"], e["agent_no"]) == ("idle", "offline", a["agent_no"])
    assert e["at"] > 0
    me.err("login", "conflict", agent_id=a["id"])
    got = me.ok("state", agent_id=a["id"], state="busy", reason="meeting")
    assert (got["state"], got["reason"]) == ("busy", "meeting")
    assert (live(admin, a)["state"], live(admin, a)["reason"]) == ("busy", "meeting")
    e = board.event("agent.state", agent_id=a["id"])["data"]
    assert (e["state"], e["previous"], e["reason"]) == ("busy", "idle", "meeting")
    me.err("wrapup_done", "not_in_wrap_up", agent_id=a["id"])
    assert me.ok("logout", agent_id=a["id"])["state"] == "offline"
    assert live(admin, a)["state"] == "offline"
    e = board.event("agent.state", agent_id=a["id"])["data"]
    assert (e["state"], e["previous"]) == ("offline", "busy")
    me.err("logout", "conflict", agent_id=a["id"])
    me.err("state", "offline", agent_id=a["id"], state="idle")
    # the REST routes and the socket drive the same agent
    expect(admin.post(f"{AGENTS}/{a['id']}/login", json={"state": "busy"}), 200)
    assert board.event("agent.state", agent_id=a["id"])["data"]["state"] == "busy"
    me.ok("logout", agent_id=a["id"])
    board.close()
    me.close()


def test_bad_commands_get_error_replies_and_the_connection_stays(daemon, admin):
    a = agent_on_phone(admin)
    bare = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "no phone"}), 201)
    c = Conn(daemon, token=admin.token)
    for text, code in (("not json", "bad_json"), ("[1, 2]", "bad_json"), ('"x"', "bad_json"),
                       ('{"id": 1, "id": 2, "cmd": "ping"}', "bad_json"),
                       ('{"id": {"a": 1}, "cmd": "ping"}', "invalid_field")):
        c.send_raw(text)
        r = c.recv()
        assert r["type"] == "reply" and r["id"] is None and not r["ok"], (text, r)
        assert r["error"]["code"] == code, (text, r)
    c.send_raw(json.dumps({"id": "x1"}))
    assert c.reply("x1")["error"]["code"] == "missing_field"
    c.send_raw(json.dumps({"id": "x2", "cmd": 5}))
    assert c.reply("x2")["error"]["code"] == "invalid_field"
    c.err("dance", "unknown_command")
    c.err("state", "missing_field", agent_id=a["id"])
    c.err("state", "invalid_field", agent_id=a["id"], state="asleep")
    c.err("login", "invalid_field", agent_id=a["id"], reason="x" * 33, state="busy")
    c.err("login", "invalid_field", agent_id=a["id"], phone="999999")
    c.err("login", "invalid_field", agent_id=5)
    c.err("login", "not_found", agent_id=str(uuid.uuid4()))
    c.err("login", "cannot_login", agent_id=bare["id"])
    c.err("login", "no_agent")                 # the admin user works as no agent
    c.err("subscribe", "missing_field")
    for topics in ([], "agents", [1], ["weather"], ["agents"] * 17):
        c.err("subscribe", "invalid_field", topics=topics)
    c.err("subscribe", "not_found", topics=[f"agent:{uuid.uuid4()}"])
    c.err("subscribe", "no_agent", topics=["agent"])
    # still the same connection, still working
    assert c.ok("ping")
    assert c.ok("login", agent_id=a["id"], state="busy", reason="training")["state"] == "busy"
    c.ok("logout", agent_id=a["id"])
    c.close()


# ----------------------------------------------------------------- who controls whom

def test_a_workbench_user_controls_only_their_own_agent(daemon, client, admin):
    s, u, _ = user_with_role(client, admin, {"workbench": "rw"})
    mine = agent_on_phone(admin, user_id=u["id"])
    assert mine["user_id"] == u["id"]
    other = agent_on_phone(admin)
    wb = Conn(daemon, token=s.token)
    assert wb.hello["agent"]["id"] == mine["id"]
    assert wb.hello["agent"]["agent_no"] == mine["agent_no"]
    assert wb.hello["may"] == {"workbench": True, "watch_agents": False,
                               "control_agents": False, "watch_queues": False,
                               "watch_own": True}
    snap = wb.ok("subscribe", topics=["agent"])
    assert snap["topics"] == [f"agent:{mine['id']}"]
    assert [r["id"] for r in snap["agents"]] == [mine["id"]]
    assert wb.ok("login")["id"] == mine["id"]                # no agent_id: their own
    assert wb.event("agent.state", agent_id=mine["id"])["data"]["state"] == "idle"
    assert wb.ok("state", state="busy", reason="meal")["reason"] == "meal"
    assert wb.event("agent.state", agent_id=mine["id"])["data"]["reason"] == "meal"
    wb.err("login", "forbidden", agent_id=other["id"])
    wb.err("state", "forbidden", agent_id=other["id"], state="busy")
    wb.err("subscribe", "forbidden", topics=["agents"])
    wb.err("subscribe", "forbidden", topics=["queues"])
    wb.err("subscribe", "forbidden", topics=[f"agent:{other['id']}"])
    assert live(admin, other)["state"] == "offline"
    # a supervisor (agents write) controls anyone, the workbench user sees it
    sup = Conn(daemon, token=admin.token)
    assert sup.ok("state", agent_id=mine["id"], state="idle")["state"] == "idle"
    assert wb.event("agent.state", agent_id=mine["id"], state="idle")
    assert sup.ok("login", agent_id=other["id"])["state"] == "idle"
    assert wb.quiet(0.5) == []                    # not subscribed to the other agent
    sup.ok("logout", agent_id=other["id"])
    wb.ok("logout")
    # read-only workbench: watch the own agent, not control it
    ro, ru, _ = user_with_role(client, admin, {"workbench": "ro"})
    watched = agent_on_phone(admin, user_id=ru["id"])
    c = Conn(daemon, token=ro.token)
    assert c.ok("subscribe", topics=["agent"])["agents"][0]["id"] == watched["id"]
    c.err("login", "forbidden")
    wb.close()
    sup.close()
    c.close()


def test_the_agent_user_link_is_checked(daemon, client, admin, operator):
    u = make_user(admin)
    a = agent_on_phone(admin, user_id=u["id"])
    assert expect(admin.get(f"{AGENTS}/{a['id']}"), 200)["user_id"] == u["id"]
    listed = expect(admin.get(AGENTS, params={"user_id": u["id"]}), 200)["items"]
    assert [x["id"] for x in listed] == [a["id"]]
    b = agent_on_phone(admin)
    assert b["user_id"] is None
    assert_error(admin.patch(f"{AGENTS}/{b['id']}", json={"user_id": u["id"]}), 409,
                 "conflict", mention=a["agent_no"])
    assert_error(admin.patch(f"{AGENTS}/{b['id']}", json={"user_id": str(uuid.uuid4())}),
                 400, "invalid_field", mention="user_id")
    assert_error(admin.patch(f"{AGENTS}/{b['id']}", json={"user_id": 7}), 400,
                 "invalid_field")
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    stranger = make_user(other)
    assert_error(admin.patch(f"{AGENTS}/{b['id']}", json={"user_id": stranger["id"]}),
                 400, "invalid_field")
    # unlinking frees the user for another agent
    expect(admin.patch(f"{AGENTS}/{a['id']}", json={"user_id": None}), 200)
    assert expect(admin.patch(f"{AGENTS}/{b['id']}", json={"user_id": u["id"]}),
                  200)["user_id"] == u["id"]
    # a deleted user leaves the agent unlinked
    expect(admin.delete(f"/api/v1/users/{u['id']}"), 204)
    assert expect(admin.get(f"{AGENTS}/{b['id']}"), 200)["user_id"] is None
    perms = expect(admin.get("/api/v1/permissions"), 200)["items"]
    assert {"key": "workbench", "module": "acd"} in perms


def test_events_stay_in_their_tenant(daemon, client, admin, operator):
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    theirs = Conn(daemon, token=other.token)
    snap = theirs.ok("subscribe", topics=["agents", "queues"])
    assert snap["agents"] == [] and snap["queues"] == []
    a = agent_on_phone(admin)
    ours = Conn(daemon, token=admin.token)
    ours.ok("subscribe", topics=["agents"])
    ours.ok("login", agent_id=a["id"])
    ours.ok("state", agent_id=a["id"], state="busy", reason="x")
    ours.ok("logout", agent_id=a["id"])
    assert ours.event("agent.state", agent_id=a["id"], state="offline")
    assert theirs.quiet(1.0) == []
    theirs.err("login", "not_found", agent_id=a["id"])
    theirs.err("subscribe", "not_found", topics=[f"agent:{a['id']}"])
    theirs.close()
    ours.close()


# ----------------------------------------------------------------- frames

class Raw:
    """A hand-made WebSocket client to send frames the libraries would not."""

    def __init__(self, daemon, token, headers=None):
        self.s = socket.create_connection(("127.0.0.1", daemon.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        auth = "".join(f"{h}\r\n" for h in headers) if headers else \
            f"Authorization: Bearer {token}\r\n"
        self.s.sendall((f"GET {WS} HTTP/1.1\r\nHost: 127.0.0.1:{daemon.port}\r\n"
                        f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                        f"{auth}\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        import hashlib
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        assert f"Sec-WebSocket-Accept: {want}".encode() in head
        self.buf = b""
        assert self.frame()[1]                        # the hello

    def send(self, opcode, payload=b"", fin=True, mask=True, length=None, rsv=0):
        n = len(payload) if length is None else length
        head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
        mbit = 0x80 if mask else 0
        if n < 126:
            head += bytes([mbit | n])
        elif n < 65536:
            head += bytes([mbit | 126]) + struct.pack(">H", n)
        else:
            head += bytes([mbit | 127]) + struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            head += key
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        self.s.sendall(head + payload)

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def frame(self):
        """(opcode, payload) of the next frame the server sends (never masked)."""
        self._need(2)
        op, n = self.buf[0] & 0x0F, self.buf[1]
        assert self.buf[0] & 0x80 and not n & 0x80
        n &= 0x7F
        at = 2
        if n == 126:
            self._need(4)
            n, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(at + n)
        payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
        return op, payload

    def closed_with(self):
        """The code of the server's close frame, skipping other frames; then the TCP
        connection ends."""
        while True:
            op, payload = self.frame()
            if op == 0x8:
                code = struct.unpack(">H", payload[:2])[0]
                self.send(0x8, payload[:2])
                self.s.settimeout(5)
                assert self.s.recv(1) == b""          # the server closes
                return code


def command(id_, cmd="ping"):
    return json.dumps({"id": id_, "cmd": cmd}).encode()


@pytest.mark.parametrize("frames,code", [
    ([dict(opcode=0x1, payload=command(1), mask=False)], 1002),      # unmasked
    ([dict(opcode=0x1, payload=command(1), rsv=4)], 1002),            # an extension bit
    ([dict(opcode=0x3, payload=b"x")], 1002),                         # no such opcode
    ([dict(opcode=0x0, payload=b"x")], 1002),                         # continuation alone
    ([dict(opcode=0x1, payload=b"{", fin=False),
      dict(opcode=0x1, payload=b"}")], 1002),                         # new msg mid-message
    ([dict(opcode=0x9, payload=b"x" * 126)], 1002),                   # long control frame
    ([dict(opcode=0x9, payload=b"x", fin=False)], 1002),              # fragmented control
    ([dict(opcode=0x8, payload=b"\x03")], 1002),                      # 1-byte close
    ([dict(opcode=0x8, payload=struct.pack(">H", 1005))], 1002),      # reserved close code
    ([dict(opcode=0x2, payload=b"\x00\x01")], 1003),                  # binary
    ([dict(opcode=0x1, payload=b'{"cmd":"\xc3\x28"}')], 1007),        # bad UTF-8
    ([dict(opcode=0x1, payload=b"\xed\xa0\x80")], 1007),              # a surrogate
    ([dict(opcode=0x1, payload=b"a" * 100, length=1 << 20)], 1009),   # 1 MiB announced
    ([dict(opcode=0x1, payload=b"a" * 40000, fin=False),
      dict(opcode=0x0, payload=b"a" * 40000)], 1009),                 # fragments too big
])
def test_bad_frames_close_with_the_rfc_code(daemon, admin, frames, code):
    r = Raw(daemon, admin.token)
    for f in frames:
        r.send(**f)
    assert r.closed_with() == code


def test_fragments_pings_and_the_close_handshake(daemon, admin):
    r = Raw(daemon, admin.token)
    msg = command("frag")
    r.send(0x1, msg[:5], fin=False)
    r.send(0x9, b"keep")                               # a ping between the pieces
    r.send(0x0, msg[5:12], fin=False)
    r.send(0x0, msg[12:])
    assert r.frame() == (0xA, b"keep")
    op, payload = r.frame()
    reply = json.loads(payload)
    assert op == 0x1 and reply["id"] == "frag" and reply["ok"]
    r.send(0xA, b"unsolicited")                        # a pong is fine
    big = json.dumps({"id": "big", "cmd": "ping", "pad": "é" * 20000},
                     ensure_ascii=False).encode()
    assert len(big) > 40000
    r.send(0x1, big)                                   # 16-bit length, UTF-8 text
    op, payload = r.frame()
    assert op == 0x1, (op, payload[:100])
    assert json.loads(payload)["id"] == "big"
    r.send(0x8, struct.pack(">H", 1000) + "再见".encode())
    op, payload = r.frame()
    assert op == 0x8 and struct.unpack(">H", payload[:2])[0] == 1000
    r.s.settimeout(5)
    assert r.s.recv(1) == b""


def key_headers(key):
    ts = int(time.time())
    return [f"X-Hotline-Key: {key['id']}", f"X-Hotline-Timestamp: {ts}",
            "X-Hotline-Signature: " + signature(key["secret"], "GET", WS, ts, b"")]


def test_a_session_logged_out_or_a_key_revoked_closes_its_socket(daemon, client, admin):
    s, _, role = user_with_role(client, admin, {"agents": "ro"})
    by_session = Raw(daemon, s.token)
    key = make_api_key(admin, role["id"])
    by_key = Raw(daemon, None, headers=key_headers(key))
    keeps = Raw(daemon, admin.token)
    expect(s.post("/api/v1/auth/logout"), 204)
    expect(admin.delete(f"/api/v1/api-keys/{key['id']}"), 204)
    started = time.time()
    for r in (by_session, by_key):
        r.s.settimeout(25)                             # checked every 10 s
        assert r.closed_with() == 1008
    assert time.time() - started < 25
    keeps.send(0x1, command("still"))                  # other sessions stay
    assert json.loads(keeps.frame()[1])["id"] == "still"


def test_shutdown_logs_agents_out_then_says_going_away(make_daemon):
    from e2e_helpers import ADMIN_PASSWORD
    d = make_daemon()
    admin = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    a = agent_on_phone(admin)
    r = Raw(d, admin.token)
    r.send(0x1, json.dumps({"id": 1, "cmd": "subscribe", "topics": ["agents"]}).encode())
    r.send(0x1, json.dumps({"id": 2, "cmd": "login", "agent_id": a["id"]}).encode())
    seen = []
    while len([m for m in seen if m.get("type") == "reply"]) < 2:
        seen.append(json.loads(r.frame()[1]))
    problems = d.stop_problems()
    assert not problems, "; ".join(problems) + "\n" + d.stderr_tail()
    frames = []
    while True:
        op, payload = r.frame()
        frames.append((op, payload))
        if op == 0x8:
            break
    assert struct.unpack(">H", frames[-1][1][:2])[0] == 1001
    states = [json.loads(p)["data"] for op, p in frames if op == 0x1]
    assert {"agent_id": a["id"], "state": "offline"}.items() <= \
        [s for s in states if s["agent_id"] == a["id"]][-1].items()


# ----------------------------------------------------------------- a real call

def test_a_queued_call_pushes_offered_answered_ended(daemon, admin, tmp_path):
    from peers import UAS_ANSWER
    from test_acd_calls import agent_with_phone
    from test_calls import new_extension
    from test_ivr_calls import keys_call, node, publish, start
    a, phone_no, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), UAS_ANSWER,
                                          wrap_up_s=1)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                        "members": [{"agent_id": a["id"]}]}), 201)
    _, _, number = publish(admin, [
        start("set"),
        node("set", "set", {"next": "q"},
             assignments=[{"name": "order_no", "value": "A-1001"},
                          {"name": "vip", "value": "是"}]),
        node("q", "queue", {"no_agent": None, "full": None, "timeout": None},
             queue_id=q["id"]),
    ])
    board = Conn(daemon, token=admin.token)
    board.ok("subscribe", topics=["queues"])
    agent = Conn(daemon, token=admin.token)
    agent.ok("subscribe", topics=[f"agent:{a['id']}"])
    agent.ok("login", agent_id=a["id"])
    assert agent.event("agent.state", state="idle")
    caller = new_extension(admin, display_name="Zhang San")
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=2500)
    assert phone.wait(20) == 0, phone.errors()

    offered = agent.event("call.offered")["data"]
    assert offered["agent_id"] == a["id"] and offered["agent_no"] == a["agent_no"]
    assert (offered["caller"], offered["caller_name"]) == (caller, "Zhang San")
    assert (offered["queue_id"], offered["queue_name"]) == (q["id"], q["name"])
    assert offered["variables"] == {"order_no": "A-1001", "vip": "是"}
    assert offered["ivr_path"][:2] == ["start", "set"]
    assert offered["ring_timeout_s"] == q["ring_timeout_s"]
    answered = agent.event("call.answered")["data"]
    assert answered["call_id"] == offered["call_id"] and answered["agent_id"] == a["id"]
    assert answered["variables"]["order_no"] == "A-1001"
    ended = agent.event("call.ended")["data"]
    assert ended["call_id"] == offered["call_id"] and ended["hangup_side"] == "caller"
    assert ended["talk_ms"] >= 1000
    for state, previous in (("ringing", "idle"), ("talking", "ringing"),
                            ("wrap_up", "talking"), ("idle", "wrap_up")):
        assert agent.event("agent.state", state=state, previous=previous)

    joined = board.event("queue.joined", queue_id=q["id"])["data"]
    assert joined["call_id"] == offered["call_id"] and joined["waiting"] == 1
    left = board.event("queue.left", queue_id=q["id"])["data"]
    assert (left["outcome"], left["waiting"]) == ("answered", 0)
    assert [e for e in board.events if e["event"].startswith(("agent.", "call."))] == []
    agent.ok("logout", agent_id=a["id"])
    board.close()
    agent.close()


def logged_in_on_a_queue(daemon, admin, tmp_path, **agent_kw):
    """An agent with a phone (sipp), alone in a queue with a number, logged in over a
    socket that follows it. Answers (agent, phone, queue number, connection)."""
    from test_acd_calls import agent_with_phone
    a, _, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), **agent_kw)
    number = str(uuid.uuid4().int % 9000000 + 6000000)
    expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    c = Conn(daemon, token=admin.token)
    c.ok("subscribe", topics=[f"agent:{a['id']}"])
    c.ok("login", agent_id=a["id"])
    return a, phone, number, c


def test_wrapup_done_ends_the_wrap_up_now(daemon, admin, tmp_path):
    from test_calls import new_extension
    from test_ivr_calls import keys_call
    a, phone, number, c = logged_in_on_a_queue(daemon, admin, tmp_path, wrap_up_s=600)
    keys_call(tmp_path, daemon, new_extension(admin), number, [], hangs_up=False,
              hold_ms=1000)
    assert phone.wait(20) == 0, phone.errors()
    assert c.event("agent.state", state="wrap_up")
    # busy asked during wrap-up is where wrapup_done goes
    assert c.ok("state", agent_id=a["id"], state="busy", reason="notes")["state"] == "wrap_up"
    assert c.ok("wrapup_done", agent_id=a["id"])["state"] == "busy"
    e = c.event("agent.state", state="busy")["data"]
    assert (e["previous"], e["reason"]) == ("wrap_up", "notes")
    c.ok("logout", agent_id=a["id"])
    c.close()


def test_the_agent_controls_the_call_over_the_socket(daemon, admin, tmp_path):
    """The "call" command: the same controls as POST /agents/{id}/call — hold shows on
    the live call, hang-up ends it; refusals come back as error replies."""
    from test_calls import call_record, new_extension
    from test_ivr_calls import keys_call
    import threading
    a, phone, number, c = logged_in_on_a_queue(daemon, admin, tmp_path, wrap_up_s=0)
    c.err("call", "no_call", agent_id=a["id"], action="hold")
    caller = new_extension(admin)
    # the caller waits for our BYE: the agent hangs up from the socket
    t = threading.Thread(target=keys_call, args=(tmp_path, daemon, caller, number, []))
    t.start()
    c.event("call.answered", agent_id=a["id"])
    c.err("call", "invalid_field", agent_id=a["id"], action="park")
    c.err("call", "invalid_field", agent_id=a["id"], action="dtmf")
    assert c.ok("call", agent_id=a["id"], action="hold")["action"] == "hold"
    calls = expect(admin.get("/api/v1/calls/live"), 200)["items"]
    assert next(x for x in calls if x["agent_id"] == a["id"])["on_hold"] is True
    c.err("call", "conflict", agent_id=a["id"], action="hold")
    c.ok("call", agent_id=a["id"], action="hangup")
    t.join(30)
    assert phone.wait(20) == 0, phone.errors()
    assert c.event("call.ended", agent_id=a["id"])["data"]["hangup_side"] == "callee"
    assert call_record(admin, caller)["agent_id"] == a["id"]
    c.ok("logout", agent_id=a["id"])
    c.close()

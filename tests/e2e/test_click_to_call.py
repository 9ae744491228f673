"""Click-to-call (issue 7, tencent-ccc.md §2.11): POST /api/v1/agents/{id}/dial and
the WebSocket "dial" command ring the agent's own phone first, showing the number to
be called, and once it answers dial that number from the agent's extension: another
extension (audio both ways, checked with tones), or an outside number through the
outbound routes with the caller ID asked for (sipp as the carrier). The refusals
answer at once with the routes' reason, and a phone that refuses or is not there
leaves a call record that says so."""
import time

from e2e_helpers import assert_error, call_record, expect, free_sip_port
from peers import (Baresip, Sipp, UAS_ANSWER, tone_power, uas_answer_checking, uas_final,
                   write_scenario)
from test_acd_calls import AGENTS, agent_no, login, uniq
from test_calls import DOMAIN, PASSWORD, new_extension, register_with_sipp, wait_registered
from test_trunk_calls import carrier_trunk
from test_ws import Conn


def agent_on(admin, number, **kw):
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    return expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("c2c-"),
                                           "extension_id": ext["id"], **kw}), 201)


def dial(admin, agent, **body):
    return admin.post(f"{AGENTS}/{agent['id']}/dial", json=body)


def wait_live_gone(admin, call_id, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        items = expect(admin.get("/api/v1/calls/live"), 200)["items"]
        if not any(c["id"] == call_id for c in items):
            return True
        time.sleep(0.2)
    return False


def test_the_agents_phone_rings_then_the_extension_dialled_audio_both_ways(
        daemon, admin, tmp_path):
    phone_no, far_no = new_extension(admin), new_extension(admin)
    agent = agent_on(admin, phone_no)
    phone = Baresip(tmp_path, "agent", phone_no, PASSWORD, DOMAIN, daemon.sip_port,
                    tone_hz=440).start(seconds=30)
    far = Baresip(tmp_path, "far", far_no, PASSWORD, DOMAIN, daemon.sip_port,
                  tone_hz=1000).start(seconds=30)
    try:
        assert wait_registered(admin, phone_no) and wait_registered(admin, far_no)
        r = expect(dial(admin, agent, number=far_no), 202)
        call_id = r["call_id"]
        assert far.wait_for("Call established", 10), far.output()[-2000:]
        live = next(c for c in expect(admin.get("/api/v1/calls/live"), 200)["items"]
                    if c["id"] == call_id)
        assert live["caller"] == phone_no and live["callee"] == far_no, live
        assert live["direction"] == "internal" and live["state"] == "talking", live
        time.sleep(3)
        expect(admin.delete(f"/api/v1/calls/live/{call_id}"), 204)
        assert wait_live_gone(admin, call_id)
    finally:
        phone.stop()
        far.stop()
    # the agent's phone was shown the number to be called
    assert f"sip:{far_no}@" in phone.output(), phone.output()[-2000:]
    heard_by_agent, heard_by_far = phone.received_audio(), far.received_audio()
    assert heard_by_agent and heard_by_far
    p_agent = tone_power(heard_by_agent, (440, 1000))
    p_far = tone_power(heard_by_far, (440, 1000))
    assert p_far[440] > 0.2 and p_far[1000] < 0.05, p_far        # the agent's voice
    assert p_agent[1000] > 0.1, p_agent                            # the far end's (after ringback)
    rec = call_record(admin, caller=phone_no, callee=far_no)
    assert rec["id"] == call_id and rec["direction"] == "internal"
    assert rec["answer_at"] and rec["answered_by"] == far_no and rec["end_status"] == "normal_end"
    assert [(l["role"], l["endpoint"]) for l in rec["legs"]] == [
        ("caller", phone_no), ("callee", far_no)], rec["legs"]
    assert rec["legs"][0]["answer_at"] <= rec["answer_at"]         # the phone answered first


def test_an_outside_number_with_the_caller_id_asked_for_over_the_websocket(
        make_daemon, tmp_path):
    from test_trunk_calls import start_daemon
    daemon, admin = start_daemon(make_daemon)
    phone_no = new_extension(admin, dial_permission="local")
    agent_user = uniq("c2cu")
    role = expect(admin.post("/api/v1/roles", json={
        "name": uniq("c2c-role-"), "permissions": {"workbench": "rw"}}), 201)
    user = expect(admin.post("/api/v1/users", json={
        "username": agent_user, "password": "user-Pass-123", "role_ids": [role["id"]]}), 201)
    agent = agent_on(admin, phone_no, user_id=user["id"], auto_answer=True)
    port = free_sip_port()
    trunk = carrier_trunk(admin, port)
    n1 = expect(admin.post("/api/v1/numbers", json={"number": "2150003333"}), 201)["number"]
    n2 = expect(admin.post("/api/v1/numbers", json={"number": "2150004444"}), 201)["number"]
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "national", "patterns": ["0X."], "caller_id_policy": "fixed",
        "caller_id_number": n1, "caller_id_pool": [n1, n2], "caller_id_choice": True,
        "trunk_ids": [trunk["id"]], "dial_permission": "local"}), 201)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "intl", "patterns": ["00X."], "trunk_ids": [trunk["id"]],
        "dial_permission": "international"}), 201)
    login(admin, agent)
    sipp_port = register_with_sipp(tmp_path, daemon, phone_no)
    phone = Sipp(tmp_path, write_scenario(tmp_path, "phone", UAS_ANSWER), daemon.sip_port,
                 port=sipp_port).start()
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", uas_answer_checking(
        "0123456789", from_user=n2)), daemon.sip_port, port=port).start()
    ws = Conn(daemon, token=daemon.client().login(DOMAIN, agent_user, "user-Pass-123").token)
    try:
        # refusals come back at once, with the routes' reason
        r = ws.cmd("dial", number="0044123456")
        assert not r["ok"] and r["error"]["code"] == "permission_denied", r
        r = ws.cmd("dial", number="0123456789", caller_id="2150009999")
        assert not r["ok"] and r["error"]["code"] == "caller_id_not_allowed", r
        r = ws.cmd("dial", number="9x")
        assert not r["ok"] and r["error"]["code"] == "invalid_field", r
        data = ws.ok("dial", number="0123456789", caller_id=n2)
        assert data["agent_id"] == agent["id"] and data["call_id"]
        end = time.time() + 10
        while time.time() < end and not any(
                c["id"] == data["call_id"] and c["state"] == "talking"
                for c in expect(admin.get("/api/v1/calls/live"), 200)["items"]):
            time.sleep(0.1)
        assert live_agent(admin, agent)["other_calls"] == 1    # no queue call meanwhile
        expect(admin.delete(f"/api/v1/calls/live/{data['call_id']}"), 204)
        assert carrier.wait(20) == 0, carrier.errors()
        assert phone.wait(20) == 0, phone.errors()
    finally:
        ws.close()
    rec = call_record(admin, caller=phone_no, callee="0123456789")
    assert rec["id"] == data["call_id"] and rec["direction"] == "outbound"
    assert rec["trunk_id"] == trunk["id"] and rec["answer_at"]
    assert live_agent(admin, agent)["other_calls"] == 0


def live_agent(admin, a):
    items = expect(admin.get(f"{AGENTS}/live"), 200)["items"]
    return next(i for i in items if i["id"] == a["id"])


def test_refusals_and_a_phone_that_refuses_or_is_not_there(daemon, admin, tmp_path):
    phone_no, other = new_extension(admin), new_extension(admin)
    agent = agent_on(admin, phone_no)
    assert_error(admin.post(f"{AGENTS}/0190a0a0-0000-7000-8000-000000000000/dial",
                            json={"number": other}), 404, "not_found")
    assert_error(dial(admin, agent), 400, "invalid_field", "number")
    assert_error(dial(admin, agent, number="12a"), 400, "invalid_field", "number")
    assert_error(dial(admin, agent, number=other, caller_id="x1"), 400, "invalid_field",
                 "caller_id")
    assert_error(dial(admin, agent, number=phone_no), 400, "invalid_field", "own phone")
    assert_error(dial(admin, agent, number="0123456789"), 404, "no_route")
    # nothing of the phone is registered: refused, and the record says so
    r = assert_error(dial(admin, agent, number=other), 409, "phone_unreachable")
    assert "registered" in r["message"]
    rec = call_record(admin, caller=phone_no, callee=other)
    assert rec["end_status"] == "unavailable" and rec["legs"] == [], rec
    # the phone refuses (busy): the far number never rings
    sipp_port = register_with_sipp(tmp_path, daemon, phone_no)
    busy = Sipp(tmp_path, write_scenario(tmp_path, "busy", uas_final("486 Busy Here")),
                daemon.sip_port, port=sipp_port).start()
    call_id = expect(dial(admin, agent, number=other), 202)["call_id"]
    assert busy.wait(20) == 0, busy.errors()
    rec = call_record(admin, caller=phone_no, callee=other, end_status="busy")
    assert rec["id"] == call_id and rec["answer_at"] is None and rec["hangup_side"] == "caller"
    assert [(l["role"], l["endpoint"], l["sip_code"]) for l in rec["legs"]] == [
        ("caller", phone_no, 486)], rec["legs"]
    # an agent on an outside number: click-to-call rings extensions only
    mobile = agent_on(admin, new_extension(admin), external_number="13800138000")
    login(admin, mobile, phone="external")
    assert_error(dial(admin, mobile, number=other), 409, "external_phone")
    # the agents menu is needed (a workbench-only user uses the WebSocket for their own)
    role = expect(admin.post("/api/v1/roles", json={
        "name": uniq("c2c-ro-"), "permissions": {"agents": "ro"}}), 201)
    user = expect(admin.post("/api/v1/users", json={
        "username": uniq("c2cro"), "password": "user-Pass-123", "role_ids": [role["id"]]}), 201)
    ro = daemon.client().login(DOMAIN, user["username"], "user-Pass-123")
    assert_error(ro.post(f"{AGENTS}/{agent['id']}/dial", json={"number": other}), 403)


def test_the_tenants_concurrent_calls_limit_click_to_call_too(make_daemon, tmp_path):
    from e2e_helpers import OPERATOR_PASSWORD
    from peers import UAS_RING
    from test_trunk_calls import start_daemon
    daemon, admin = start_daemon(make_daemon)
    operator = daemon.client().login("system", "operator", OPERATOR_PASSWORD)
    demo = next(t for t in expect(operator.get("/api/v1/tenants", params={"q": DOMAIN}),
                                  200)["items"] if t["code"] == DOMAIN)
    expect(operator.patch(f"/api/v1/tenants/{demo['id']}", json={"max_calls": 1}), 200)
    phone_no, other = new_extension(admin), new_extension(admin)
    agent = agent_on(admin, phone_no)
    ringing = Sipp(tmp_path, write_scenario(tmp_path, "ring", UAS_RING), daemon.sip_port,
                   port=register_with_sipp(tmp_path, daemon, phone_no)).start()
    call_id = expect(dial(admin, agent, number=other), 202)["call_id"]
    assert_error(dial(admin, agent, number=other), 503, "over_capacity")
    expect(admin.delete(f"/api/v1/calls/live/{call_id}"), 204)    # the phone stops ringing
    assert ringing.wait(20) == 0, ringing.errors()
    rec = call_record(admin, caller=phone_no, callee=other)
    assert rec["id"] == call_id and rec["answer_at"] is None


def test_a_colleague_picks_up_the_extension_being_called(daemon, admin, tmp_path):
    """Call pickup (*8) of the ringing far end of a click-to-call: the picker talks to the
    agent (whose phone answered long before: nothing is answered to it again)."""
    from peers import UAS_RING, uac_call_and_hangup
    from test_call_features import call, device
    phone_no, far_no, picker_no = (new_extension(admin) for _ in range(3))
    agent = agent_on(admin, phone_no)
    phone = device(tmp_path, daemon, phone_no, "agent-phone", UAS_ANSWER)
    ringing = device(tmp_path, daemon, far_no, "far", UAS_RING)
    call_id = expect(dial(admin, agent, number=far_no), 202)["call_id"]
    time.sleep(1.5)                                   # the phone answered, the far end rings
    picker = call(tmp_path, daemon, picker_no, "*8", uac_call_and_hangup())
    assert picker.wait() == 0, picker.errors()
    assert ringing.wait() == 0, ringing.errors()      # the far end's phone got CANCEL
    assert phone.wait() == 0, phone.errors()          # the agent's phone: BYE when the picker left
    rec = call_record(admin, caller=phone_no, callee=far_no)
    assert rec["id"] == call_id and rec["answered_by"] == picker_no, rec
    assert rec["end_status"] == "normal_end" and rec["answer_at"], rec


def test_a_phone_that_does_not_answer_ends_the_call(make_daemon, tmp_path):
    """The agent's phone rings out (the daemon's ring timeout, 2 s here): it gets CANCEL and
    the call ends `no_answer` before anything was dialled."""
    from e2e_helpers import ADMIN_PASSWORD
    from peers import UAS_RING
    daemon = make_daemon(extra_args=["--ring-timeout", "2"])
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)
    phone_no, other = new_extension(admin), new_extension(admin)
    agent = agent_on(admin, phone_no)
    ringing = Sipp(tmp_path, write_scenario(tmp_path, "ring", UAS_RING), daemon.sip_port,
                   port=register_with_sipp(tmp_path, daemon, phone_no)).start()
    call_id = expect(dial(admin, agent, number=other), 202)["call_id"]
    assert ringing.wait(20) == 0, ringing.errors()                 # CANCEL after 2 s
    rec = call_record(admin, caller=phone_no, callee=other)
    assert rec["id"] == call_id and rec["end_status"] == "no_answer", rec
    assert rec["answer_at"] is None and [l["endpoint"] for l in rec["legs"]] == [phone_no]

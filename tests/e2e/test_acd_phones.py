"""Agents' phones (issue 6). No call is lost when an agent's phone is not there:
a phone that is not registered (or stopped answering the keep-alive) is passed
over and the call goes to the next agent at once, without spinning on the
unreachable one; a phone that disappears while it rings (180, then nothing)
costs the caller one ring timeout, then the next agent answers. An agent may log
in on another extension than their bound one (hot desking), and an agent set to
auto-answer gets INVITEs asking the phone to answer by itself."""
import time

from e2e_helpers import assert_error, expect
from peers import Sipp, UAS_ANSWER, _recv, _respond, _scenario, write_scenario
from test_acd_calls import AGENTS, QUEUES, agent_no, agent_with_phone, login, queue_flow, \
    states, uniq
from test_calls import call_record, new_extension, register_with_sipp
from test_ivr_calls import keys_call, path

# Rings (180) and then vanishes: the process exits without a final answer.
UAS_RING_THEN_GONE = _scenario("uas ring then gone", _recv("INVITE"),
                               _respond("180 Ringing", True, True))


def unregistered_agent(admin, number_of_agent):
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    return expect(admin.post(AGENTS, json={"agent_no": number_of_agent, "name": uniq("gone-"),
                                           "extension_id": ext["id"]}), 201)


def sequential_queue(admin, first, second, **kw):
    return expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "strategy": "sequential", "retry_delay_s": 0,
        "members": [{"agent_id": first["id"]}, {"agent_id": second["id"]}], **kw}), 201)


def test_an_agent_whose_phone_is_not_registered_is_passed_over(daemon, admin, tmp_path):
    first_no = agent_no()
    gone = unregistered_agent(admin, first_no)
    b, b_phone_no, b_phone = agent_with_phone(admin, tmp_path, daemon, str(int(first_no) + 1),
                                              wrap_up_s=0)
    q = sequential_queue(admin, gone, b)
    _, _, number = queue_flow(admin, q["id"])
    login(admin, gone)
    login(admin, b)
    caller = new_extension(admin)
    started = time.time()
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=1500)
    assert b_phone.wait(20) == 0, b_phone.errors()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == b_phone_no and rec["agent_id"] == b["id"]
    assert time.time() - started < 10             # no ring timeout was waited for
    # the unreachable agent was tried once, not over and over
    tried = [s for s, _ in states(admin, gone)]
    assert tried.count("ringing") == 1, tried


def test_a_phone_that_disappears_while_ringing_loses_no_call(daemon, admin, tmp_path):
    first_no = agent_no()
    a, _, vanishing = agent_with_phone(admin, tmp_path, daemon, first_no, UAS_RING_THEN_GONE)
    b, b_phone_no, b_phone = agent_with_phone(admin, tmp_path, daemon, str(int(first_no) + 1),
                                              UAS_ANSWER, wrap_up_s=0)
    q = sequential_queue(admin, a, b, ring_timeout_s=5)
    _, _, number = queue_flow(admin, q["id"])
    login(admin, a)
    login(admin, b)
    caller = new_extension(admin)
    # the caller stays 9 s: the 5 s ring timeout of the vanished phone, then b
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=9000)
    assert b_phone.wait(30) == 0, b_phone.errors()
    vanishing.stop()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == b_phone_no and rec["end_status"] == "normal_end"
    assert path(rec)[1] == ("q", "answered", "")
    assert [s for s, _ in states(admin, a)][-2:] == ["ringing", "idle"]


def uas_answer_checking_header(present):
    """A phone that answers and checks whether the INVITE asks it to answer by itself
    (Call-Info answer-after=0 and Alert-Info info=alert-autoanswer)."""
    check = "check_it" if present else "check_it_inverse"
    return _scenario(
        "uas auto answer",
        '  <recv request="INVITE">\n    <action>\n'
        f'      <ereg regexp="answer-after=0" search_in="hdr" header="Call-Info:" {check}="true"'
        ' assign_to="ci"/>\n'
        f'      <ereg regexp="info=alert-autoanswer" search_in="hdr" header="Alert-Info:"'
        f' {check}="true" assign_to="ai"/>\n'
        '    </action>\n  </recv>\n',
        _respond("200 OK", True, True, sdp=True, headers=["X-Checked: [$ci] [$ai]"]),
        _recv("ACK"), _recv("BYE"), _respond("200 OK"))


def test_auto_answer_asks_the_phone_to_answer(daemon, admin, tmp_path):
    for auto in (True, False):
        a, number, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(),
                                            uas_answer_checking_header(auto),
                                            auto_answer=auto, wrap_up_s=0)
        assert a["auto_answer"] is auto
        q = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                            "members": [{"agent_id": a["id"]}]}), 201)
        _, _, flow_no = queue_flow(admin, q["id"])
        login(admin, a)
        caller = new_extension(admin)
        keys_call(tmp_path, daemon, caller, flow_no, [], hangs_up=False, hold_ms=1000)
        assert phone.wait(20) == 0, phone.errors()
        assert call_record(admin, caller)["agent_id"] == a["id"]
        expect(admin.post(f"{AGENTS}/{a['id']}/logout", json={}), 200)


def test_an_agent_logs_in_on_another_phone(daemon, admin, tmp_path):
    a, bound_no, bound = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=0)
    b, b_no, b_phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=0)
    desk_no = new_extension(admin)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                        "members": [{"agent_id": a["id"]}]}), 201)
    _, _, flow_no = queue_flow(admin, q["id"])
    url = f"{AGENTS}/{a['id']}/login"
    for bad in ("80x1", "1" * 33, 5):
        assert_error(admin.post(url, json={"phone": bad}), 400, "invalid_field",
                     mention="phone")
    assert_error(admin.post(url, json={"phone": "79999999"}), 400, "invalid_field",
                 mention="phone")
    login(admin, b)                                      # b works on b_no
    assert_error(admin.post(url, json={"phone": b_no}), 409, "phone_in_use")
    desk = Sipp(tmp_path, write_scenario(tmp_path, "desk", UAS_ANSWER), daemon.sip_port,
                port=register_with_sipp(tmp_path, daemon, desk_no)).start()
    row = login(admin, a, phone=desk_no)
    assert (row["phone"], row["external"], row["state"]) == (desk_no, False, "idle")
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, flow_no, [], hangs_up=False, hold_ms=1000)
    assert desk.wait(20) == 0, desk.errors()
    rec = call_record(admin, caller)
    assert (rec["agent_id"], rec["answered_by"]) == (a["id"], desk_no)
    assert bound.proc.poll() is None                     # the bound phone never rang
    expect(admin.post(f"{AGENTS}/{a['id']}/logout", json={}), 200)
    assert login(admin, a)["phone"] == bound_no          # next time: the bound phone
    for p in (bound, b_phone):
        p.stop()
    for x in (a, b):
        expect(admin.post(f"{AGENTS}/{x['id']}/logout", json={}), 200)


def test_an_agent_on_an_outside_number(make_daemon, tmp_path):
    """An agent whose phone is a mobile: a queue call goes out through the tenant's
    outbound route to the carrier, the number dialled is the agent's. A daemon of its own:
    the outbound route would catch other tests' calls."""
    from e2e_helpers import ADMIN_PASSWORD, free_sip_port
    from peers import uas_answer_checking
    from test_calls import DOMAIN
    daemon = make_daemon()
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)
    port = free_sip_port()
    trunk = expect(admin.post("/api/v1/trunks", json={
        "name": f"carrier-{port}", "type": "peer", "host": "127.0.0.1", "port": port,
        "peer_cidrs": ["127.0.0.1/32"]}), 201)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "out", "patterns": ["0X."], "trunk_ids": [trunk["id"]],
        "dial_permission": "local"}), 201)
    for bad in ("12a4", "1", "+" + "1" * 33):
        assert_error(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("x-"),
                                              "external_number": bad}),
                     400, "invalid_field", mention="external_number")
    mobile = "013800138000"
    a = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("mobile-"),
                                        "external_number": mobile,
                                        "external_caller_id": "057100000",
                                        "wrap_up_s": 0}), 201)
    desk_only = expect(admin.post(AGENTS, json={"agent_no": agent_no(),
                                                "name": uniq("d-")}), 201)
    assert_error(admin.post(f"{AGENTS}/{desk_only['id']}/login", json={"phone": "external"}),
                 409, "cannot_login")
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                        "members": [{"agent_id": a["id"]}]}), 201)
    _, _, flow_no = queue_flow(admin, q["id"])
    row = login(admin, a)                               # no extension: the outside number
    assert (row["phone"], row["external"]) == (mobile, True)
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", uas_answer_checking(
        mobile, from_user="057100000")), daemon.sip_port, port=port).start()
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, flow_no, [], hangs_up=False, hold_ms=1000)
    assert carrier.wait(20) == 0, carrier.errors()
    rec = call_record(admin, caller)
    assert (rec["agent_id"], rec["answered_by"]) == (a["id"], trunk["name"]), rec
    assert [s for s, _ in states(admin, a)][-2:] == ["talking", "idle"]
    # no caller ID of the agent's, and a route that shows the extension's number: the
    # mobile sees the customer's number (there is no extension), never an empty From
    expect(admin.patch(f"{AGENTS}/{a['id']}", json={"external_caller_id": ""}), 200)
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier2", uas_answer_checking(
        mobile, from_user=caller)), daemon.sip_port, port=port).start()
    keys_call(tmp_path, daemon, caller, flow_no, [], hangs_up=False, hold_ms=1000)
    assert carrier.wait(20) == 0, carrier.errors()

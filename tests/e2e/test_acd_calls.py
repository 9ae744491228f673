"""The ACD with real calls (issue 6): agents log in through the API with a
bound phone (a sipp device registered as their extension); callers reach a
queue from an IVR flow's queue node or by dialling the queue's number; the
queue rings agents by its strategy, tries the next agent when one does not
answer, sends callers back to the flow when nobody is logged in, the queue is
full or the wait too long; agents go ringing -> talking -> wrap-up -> idle,
every change in the state log."""
import time
import uuid

from e2e_helpers import assert_error, expect, make_tenant
from peers import UAS_ANSWER, UAS_RING, Sipp, write_scenario
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, register_with_sipp
from test_ivr_calls import keys_call, node, path, publish, start

AGENTS, QUEUES = "/api/v1/agents", "/api/v1/queues"


def uniq(p):
    return p + uuid.uuid4().hex[:8]


def agent_with_phone(admin, tmp_path, daemon, agent_no, scenario=UAS_ANSWER, **kw):
    """An agent bound to a new extension whose phone (sipp) is registered and
    runs `scenario` for one call."""
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    a = expect(admin.post(AGENTS, json={"agent_no": agent_no, "name": uniq("ag-"),
                                        "extension_id": ext["id"], **kw}), 201)
    port = register_with_sipp(tmp_path, daemon, number)
    phone = Sipp(tmp_path, write_scenario(tmp_path, f"phone{agent_no}", scenario),
                 daemon.sip_port, port=port).start()
    return a, number, phone


def agent_no():
    return str(uuid.uuid4().int % 90000000 + 10000000)


def login(admin, a, **body):
    return expect(admin.post(f"{AGENTS}/{a['id']}/login", json=body), 200)


def live(admin, a):
    items = expect(admin.get(f"{AGENTS}/live"), 200)["items"]
    return next(i for i in items if i["id"] == a["id"])


def states(admin, a):
    items = expect(admin.get("/api/v1/agent-states",
                             params={"agent_id": a["id"], "sort": "started_at",
                                     "order": "asc", "page_size": 100}), 200)["items"]
    return [(i["state"], i["reason"]) for i in items]


def wait_state(admin, a, state, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if live(admin, a)["state"] == state:
            return True
        time.sleep(0.2)
    return False


def queue_flow(admin, queue_id):
    """start -> queue; each exit to an anchor named after it."""
    return publish(admin, [
        start("q"),
        node("q", "queue", {"no_agent": "na", "full": "full", "timeout": "late"},
             queue_id=queue_id),
        node("na", "counter", {"next": None}, name="no_agent"),
        node("full", "counter", {"next": None}, name="full"),
        node("late", "counter", {"next": None}, name="timeout"),
    ])


def test_a_queued_call_reaches_the_logged_in_agent(daemon, admin, tmp_path):
    a, phone_no, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=1)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                        "members": [{"agent_id": a["id"]}]}), 201)
    _, _, number = queue_flow(admin, q["id"])
    assert live(admin, a)["state"] == "offline"
    assert login(admin, a)["state"] == "idle"
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=3000)
    assert phone.wait(20) == 0, phone.errors()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == phone_no and rec["end_status"] == "normal_end"
    assert path(rec)[1] == ("q", "answered", "")
    assert (rec["queue_id"], rec["agent_id"], rec["agent_no"]) == (q["id"], a["id"],
                                                                   a["agent_no"])
    mine = expect(admin.get("/api/v1/calls", params={"agent_id": a["id"]}), 200)["items"]
    assert [c["id"] for c in mine] == [rec["id"]]
    assert wait_state(admin, a, "idle")        # after its 1 s wrap-up
    now = live(admin, a)
    assert now["answered_today"] == 1 and now["active_calls"] == 0
    assert [s for s, _ in states(admin, a)] == ["idle", "ringing", "talking", "wrap_up",
                                                "idle"]


def test_nobody_logged_in_sends_the_caller_to_no_agent(daemon, admin, tmp_path):
    a = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "away"}), 201)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                        "members": [{"agent_id": a["id"]}]}), 201)
    _, _, number = queue_flow(admin, q["id"])
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, number, [])
    assert [n for n, _, _ in path(call_record(admin, caller))] == ["start", "q", "na"]


def ringing_then_answering(admin, tmp_path, daemon, ring_timeout_s, **first_kw):
    """A sequential queue (behind a flow) of two agents: the first (lower agent number,
    rung first) has a phone that only rings, the second's answers. Answers
    ((agent1, its phone), (agent2, its number, its phone), the flow's number)."""
    first_no = agent_no()
    a1, _, ringing = agent_with_phone(admin, tmp_path, daemon, first_no, UAS_RING, **first_kw)
    a2, second_phone, answering = agent_with_phone(admin, tmp_path, daemon,
                                                   str(int(first_no) + 1), wrap_up_s=0)
    q = expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "strategy": "sequential", "ring_timeout_s": ring_timeout_s,
        "retry_delay_s": 0, "members": [{"agent_id": a1["id"]}, {"agent_id": a2["id"]}]}),
        201)
    _, _, number = queue_flow(admin, q["id"])
    return (a1, ringing), (a2, second_phone, answering), number


def test_an_unanswered_agent_is_skipped_and_set_busy(daemon, admin, tmp_path):
    (a1, ringing), (a2, second_phone, answering), number = ringing_then_answering(
        admin, tmp_path, daemon, 5, busy_after_miss=True)
    login(admin, a1)
    login(admin, a2)
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=8000)
    assert ringing.wait(20) == 0, ringing.errors()
    assert answering.wait(20) == 0, answering.errors()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == second_phone
    assert live(admin, a1)["state"] == "busy" and live(admin, a1)["reason"] == "missed call"
    assert [s for s, _ in states(admin, a1)] == ["idle", "ringing", "busy"]
    assert wait_state(admin, a2, "idle")


def test_queue_full_and_max_wait(daemon, admin, tmp_path):
    a, _, _phone = agent_with_phone(admin, tmp_path, daemon, agent_no())
    q = expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "max_waiting": 1, "max_wait_s": 5, "ring_timeout_s": 5,
        "members": [{"agent_id": a["id"]}]}), 201)
    f, _, number = queue_flow(admin, q["id"])
    login(admin, a, state="busy", reason="meeting")   # logged in, not taking calls
    assert live(admin, a)["reason"] == "meeting"
    first, second = new_extension(admin), new_extension(admin)
    body = _waiter(tmp_path, daemon, first, number)
    time.sleep(1.5)                                     # the first call waits
    keys_call(tmp_path, daemon, second, number, [], name="second")
    assert body.wait(30) == 0, body.errors()
    assert [n for n, _, _ in path(call_record(admin, second))][-1] == "full"
    waited = path(call_record(admin, first))
    assert waited[1][:2] == ("q", "timeout") and waited[-1][0] == "late"
    steps = call_record(admin, first)["ivr_path"]
    assert steps[1]["left_at"] - steps[1]["entered_at"] >= 5000


def _waiter(tmp_path, daemon, caller, number):
    from peers import _answered, _recv, _respond, _scenario
    scenario = _scenario("waits", _answered(), _recv("BYE"), _respond("200 OK"))
    return Sipp(tmp_path, write_scenario(tmp_path, "waiter", scenario), daemon.sip_port,
                user=caller, password=PASSWORD,
                keys={"domain": DOMAIN, "callee": number}).start()


def test_an_extension_dials_the_queue_number(daemon, admin, tmp_path):
    a, phone_no, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=0)
    number = str(uuid.uuid4().int % 9000000 + 6000000)
    expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    login(admin, a)
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=2000)
    assert phone.wait(20) == 0, phone.errors()
    assert call_record(admin, caller)["answered_by"] == phone_no


def test_agent_control_refusals(daemon, admin, client, operator):
    bare = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "no phone"}), 201)
    assert_error(admin.post(f"{AGENTS}/{bare['id']}/login", json={}), 409, "cannot_login")
    assert_error(admin.post(f"{AGENTS}/{bare['id']}/state", json={"state": "busy"}), 409,
                 "offline")
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    a = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "x",
                                        "extension_id": ext["id"]}), 201)
    login(admin, a, state="busy", reason="training")
    assert_error(admin.post(f"{AGENTS}/{a['id']}/login", json={}), 409, "conflict")
    for body in ({"state": "asleep"}, {}, {"state": "busy", "reason": "x" * 33},
                 {"state": "busy", "reason": 5}):
        assert_error(admin.post(f"{AGENTS}/{a['id']}/state", json=body), 400, "invalid_field")
    assert expect(admin.post(f"{AGENTS}/{a['id']}/state", json={"state": "idle"}),
                  200)["state"] == "idle"
    assert_error(admin.post(f"{AGENTS}/{uuid.uuid4()}/login", json={}), 404, "not_found")
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(other.post(f"{AGENTS}/{a['id']}/logout", json={}), 404, "not_found")
    assert expect(admin.post(f"{AGENTS}/{a['id']}/logout", json={}), 200)["state"] == "offline"
    assert_error(admin.post(f"{AGENTS}/{a['id']}/logout", json={}), 409, "conflict")
    assert [s for s, _ in states(admin, a)] == ["busy", "idle", "offline"]
    assert states(admin, a)[0] == ("busy", "training")


def test_a_caller_who_hangs_up_while_the_agent_rings_frees_the_agent(daemon, admin, tmp_path):
    a, _, ringing = agent_with_phone(admin, tmp_path, daemon, agent_no(), UAS_RING,
                                     busy_after_miss=True)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "ring_timeout_s": 30,
                                        "members": [{"agent_id": a["id"]}]}), 201)
    _, _, number = queue_flow(admin, q["id"])
    login(admin, a)
    caller = new_extension(admin)
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=2500)
    assert ringing.wait(20) == 0, ringing.errors()      # its phone got CANCEL
    assert wait_state(admin, a, "idle")                 # not "busy": it missed nothing
    assert [s for s, _ in states(admin, a)] == ["idle", "ringing", "idle"]
    assert expect(admin.get(f"{QUEUES}/live"), 200)["items"] == []
    rec = call_record(admin, caller)
    assert rec["hangup_side"] == "caller" and path(rec)[1] == ("q", None, "")


def test_an_agent_who_logs_out_while_ringing_loses_no_call(daemon, admin, tmp_path):
    (a1, ringing), (a2, second_phone, answering), number = ringing_then_answering(
        admin, tmp_path, daemon, 30)
    login(admin, a1)
    caller = new_extension(admin)
    uac = _waiter(tmp_path, daemon, caller, number)      # waits until hotlined hangs up
    assert wait_state(admin, a1, "ringing")
    login(admin, a2)                                      # free, but a1 rings first
    expect(admin.post(f"{AGENTS}/{a1['id']}/logout", json={}), 200)
    assert ringing.wait(20) == 0, ringing.errors()        # a1's phone got CANCEL
    assert wait_state(admin, a2, "talking")               # the call went on to a2
    live_calls = expect(admin.get("/api/v1/calls/live"), 200)["items"]
    call = next(c for c in live_calls if c["caller"] == caller)
    expect(admin.delete(f"/api/v1/calls/live/{call['id']}"), 204)
    assert uac.wait(20) == 0, uac.errors()
    assert answering.wait(20) == 0, answering.errors()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == second_phone and rec["agent_id"] == a2["id"]
    assert [s for s, _ in states(admin, a1)] == ["idle", "ringing", "offline"]

"""Agents who take several calls at once (issue 6, decision 54): an agent with
max_calls 2 is offered a second call while talking (call waiting on their
phone) and a third caller waits until one of the two ends; an agent with
max_calls 1 is never offered a second call. The agent stays `talking` while
any call is up (a talking row per call answered), and agents/live counts the
calls. And the ACD's run-time picture (the routing pool, decision 46) follows
the configuration while agents stay logged in."""
import time

from e2e_helpers import assert_error, expect
from peers import UAS_ANSWER, Sipp, _answered, _in_dialog, _pause, _recv, _scenario, \
    write_scenario
from test_acd_calls import AGENTS, QUEUES, agent_no, live, login, queue_flow, states, uniq
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, register_with_sipp
from test_ivr_calls import keys_call


def agent_taking(admin, tmp_path, daemon, calls, **kw):
    """An agent whose phone (sipp) answers up to `calls` calls, at once too."""
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    no = agent_no()
    a = expect(admin.post(AGENTS, json={"agent_no": no, "name": uniq("mc-"),
                                        "extension_id": ext["id"], "wrap_up_s": 0, **kw}),
               201)
    port = register_with_sipp(tmp_path, daemon, number)
    phone = Sipp(tmp_path, write_scenario(tmp_path, f"phone{no}", UAS_ANSWER),
                 daemon.sip_port, port=port)
    phone.args[phone.args.index("-m") + 1] = str(calls)
    return a, number, phone.start()


def caller(admin, tmp_path, daemon, number, hold_ms):
    """A caller (a new extension) who dials and hangs up hold_ms after its
    call is answered (by the queue's flow: the wait counts); its number and
    its sipp."""
    ext = new_extension(admin)
    scenario = _scenario("caller", _answered(), _pause(hold_ms),
                         _in_dialog("BYE", 3, retrans=True), _recv("200"))
    uac = Sipp(tmp_path, write_scenario(tmp_path, f"caller{ext}", scenario),
               daemon.sip_port, user=ext, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": number}).start()
    return ext, uac


def until(check, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if check():
            return True
        time.sleep(0.2)
    return False


def queue_visit(admin, caller_no):
    items = expect(admin.get("/api/v1/queue-calls", params={"caller": caller_no}),
                   200)["items"]
    assert len(items) == 1, items
    return items[0]


def waiting(admin, q):
    rows = expect(admin.get(f"{QUEUES}/live"), 200)["items"]
    return next((r["waiting"] for r in rows if r["queue_id"] == q["id"]), 0)


def queue_of(admin, a):
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "ring_timeout_s": 10,
                                        "retry_delay_s": 0,
                                        "members": [{"agent_id": a["id"]}]}), 201)
    return q, queue_flow(admin, q["id"])[2]


def test_an_agent_with_two_lines_takes_two_calls_and_a_third_waits(daemon, admin, tmp_path):
    a, phone_no, phone = agent_taking(admin, tmp_path, daemon, 3, max_calls=2)
    q, number = queue_of(admin, a)
    login(admin, a)
    first, first_uac = caller(admin, tmp_path, daemon, number, 7000)
    assert until(lambda: live(admin, a)["active_calls"] == 1)
    second, second_uac = caller(admin, tmp_path, daemon, number, 7000)
    assert until(lambda: live(admin, a)["active_calls"] == 2)
    now = live(admin, a)
    assert now["state"] == "talking" and now["max_calls"] == 2 and not now["offered"]
    third, third_uac = caller(admin, tmp_path, daemon, number, 9000)
    assert until(lambda: waiting(admin, q) == 1)
    time.sleep(1.5)                       # the third caller keeps waiting
    assert waiting(admin, q) == 1
    assert live(admin, a)["active_calls"] == 2 and not live(admin, a)["offered"]
    on_agent = [c for c in expect(admin.get("/api/v1/calls/live"), 200)["items"]
                if c["agent_id"] == a["id"]]
    assert sorted(c["caller"] for c in on_agent) == sorted([first, second])
    # the agent's controls say which call; one of two on hold leaves them talking
    url = f"{AGENTS}/{a['id']}/call"
    assert_error(admin.post(url, json={"action": "hold"}), 409, "several_calls")
    assert_error(admin.post(url, json={"action": "hold", "call_id": "nope"}), 409, "no_call")
    expect(admin.post(url, json={"action": "hold", "call_id": on_agent[0]["id"]}), 200)
    assert live(admin, a)["state"] == "talking"
    expect(admin.post(url, json={"action": "unhold", "call_id": on_agent[0]["id"]}), 200)
    for uac in (first_uac, second_uac, third_uac):
        assert uac.wait(40) == 0, uac.errors()
    assert phone.wait(20) == 0, phone.errors()
    visits = [queue_visit(admin, c) for c in (first, second, third)]
    assert all(v["outcome"] == "answered" and v["agent_id"] == a["id"] for v in visits)
    # the third was answered only once the first call was over
    assert visits[2]["answered_at"] >= call_record(admin, first)["end_at"]
    assert call_record(admin, third)["answered_by"] == phone_no
    # talking all along, a row per call answered (offers while talking ring no
    # state), idle after the last call
    assert until(lambda: live(admin, a)["active_calls"] == 0)
    assert [s for s, _ in states(admin, a)] == ["idle", "ringing", "talking", "talking",
                                                "talking", "idle"]
    assert live(admin, a)["answered_today"] == 3
    # each visit's answer is a talking row's start (the queue report joins them)
    rows = expect(admin.get("/api/v1/agent-states", params={"agent_id": a["id"],
                                                            "state": "talking"}), 200)["items"]
    assert sorted(v["answered_at"] for v in visits) == sorted(r["started_at"] for r in rows)


def test_an_agent_with_one_line_is_never_offered_a_second_call(daemon, admin, tmp_path):
    # its phone would answer a second call at once: only the ACD holds it back
    a, _, phone = agent_taking(admin, tmp_path, daemon, 2, max_calls=1)
    q, number = queue_of(admin, a)
    login(admin, a)
    first, first_uac = caller(admin, tmp_path, daemon, number, 4000)
    assert until(lambda: live(admin, a)["active_calls"] == 1)
    second, second_uac = caller(admin, tmp_path, daemon, number, 6000)
    assert until(lambda: waiting(admin, q) == 1)
    time.sleep(1)
    now = live(admin, a)
    assert (now["state"], now["active_calls"], now["offered"]) == ("talking", 1, False)
    for uac in (first_uac, second_uac):
        assert uac.wait(40) == 0, uac.errors()
    assert phone.wait(20) == 0, phone.errors()
    v1, v2 = queue_visit(admin, first), queue_visit(admin, second)
    assert v1["outcome"] == v2["outcome"] == "answered"
    assert v2["answered_at"] >= call_record(admin, first)["end_at"]
    assert [s for s, _ in states(admin, a)] == ["idle", "ringing", "talking", "idle",
                                                "ringing", "talking", "idle"]


def test_members_follow_the_configuration_while_agents_are_logged_in(daemon, admin, tmp_path):
    sk = expect(admin.post("/api/v1/skills", json={"name": uniq("sk-")}), 201)
    a, _, a_phone = agent_taking(admin, tmp_path, daemon, 2,
                                 skills=[{"skill_id": sk["id"], "level": 5}])
    b, _, b_phone = agent_taking(admin, tmp_path, daemon, 1)
    q, number = queue_of(admin, a)
    login(admin, a)
    login(admin, b)

    def taken_by():
        ext, uac = caller(admin, tmp_path, daemon, number, 1000)
        assert uac.wait(30) == 0, uac.errors()
        return queue_visit(admin, ext)["agent_id"]

    assert taken_by() == a["id"]              # the queue is in use (and in the pool)
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={"members": [{"agent_id": b["id"]}]}),
           200)
    assert taken_by() == b["id"]              # b joined and a left, both logged in
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={
        "members": [], "skills": [{"skill_id": sk["id"], "min_level": 5}]}), 200)
    assert taken_by() == a["id"]              # a by skill
    expect(admin.patch(f"{AGENTS}/{a['id']}", json={"skills": [
        {"skill_id": sk["id"], "level": 4}]}), 200)
    ext = new_extension(admin)                # nobody qualifies now
    keys_call(tmp_path, daemon, ext, number, [])
    assert queue_visit(admin, ext)["outcome"] == "no_agent"
    assert a_phone.wait(20) == 0, a_phone.errors()
    assert b_phone.wait(20) == 0, b_phone.errors()


def test_an_agent_on_a_call_of_their_own_is_offered_no_queue_call(daemon, admin, tmp_path):
    """A colleague calls the agent's extension directly (no queue): while that call is up
    the agent, still idle for the ACD's statistics, is offered no queue call."""
    a, phone_no, phone = agent_taking(admin, tmp_path, daemon, 2, max_calls=2)
    q, number = queue_of(admin, a)
    login(admin, a)
    direct, direct_uac = caller(admin, tmp_path, daemon, phone_no, 5000)
    assert until(lambda: live(admin, a)["other_calls"] == 1)
    assert live(admin, a)["state"] == "idle"
    queued, queued_uac = caller(admin, tmp_path, daemon, number, 9000)
    assert until(lambda: waiting(admin, q) == 1)
    time.sleep(1.5)                       # the direct call is still up: nothing offered
    assert waiting(admin, q) == 1 and not live(admin, a)["offered"]
    for uac in (direct_uac, queued_uac):
        assert uac.wait(30) == 0, uac.errors()
    assert phone.wait(20) == 0, phone.errors()
    visit = queue_visit(admin, queued)
    assert visit["outcome"] == "answered" and visit["agent_id"] == a["id"]
    assert visit["answered_at"] >= call_record(admin, direct)["end_at"]
    assert live(admin, a)["other_calls"] == 0
